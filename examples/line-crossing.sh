#!/usr/bin/env bash
# A line-crossing counter: people found by yolox_nano and tracked by tstrack are counted each time they cross a
# line; the hook examples/hooks/line-counter.ts, in a model-less tsdetect after tstrack, posts a `line-crossing`
# element message per crossing (track id, label, direction, frame, running counts). This script prints those
# messages (gst-launch-1.0 -m, filtered) and the totals.
#
#   examples/line-crossing.sh [INPUT]
#
#   INPUT     a video file (default ../shared/media/one-by-one-person-detection.mp4, where each person leaves
#             to the right across the default line)
#   env: LINE      [x1,y1,x2,y2] normalised 0..1 (default [0.75,0,0.75,1]: a vertical line at 3/4 of the width,
#                  drawn top to bottom, so moving right across it is "out" and moving left is "in")
#        ANCHOR    center (default) or bottom (the box's bottom centre: feet)
#        OBJECT_CLASS (default person), THRESHOLD (0.4), MODEL, LABELS
#        JSONL     also export the tracked objects as JSON Lines to this file
#        SOURCE    replaces "filesrc location=INPUT ! decodebin" (a pipeline fragment, split at spaces)
#        DETECTOR  replaces the yolox tsdetect (a pipeline fragment, split at spaces)
#        FRAMES, DRY_RUN (see examples/lib.sh); VERBOSE=1 prints every bus message
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

INPUT=${1:-$MEDIA_DIR/one-by-one-person-detection.mp4}
LINE=${LINE:-[0.75,0,0.75,1]}
LINE=${LINE// /} # gst-launch splits property values at spaces
ANCHOR=${ANCHOR:-center}
MODEL=${MODEL:-$MODELS_DIR/yolox_nano_416.onnx}
LABELS=${LABELS:-$MODELS_DIR/coco_classes.txt}

file_source "$INPUT"
class_detector "${OBJECT_CLASS:-person}"
EXPORT=()
if [[ -n ${JSONL:-} ]]; then
  mkdir -p "$(dirname "$JSONL")"
  EXPORT=(tsexport "location=$JSONL" !)
fi
frame_limit

PIPELINE=(
  "${SRC[@]}" ! "${LIMIT[@]}" "${DET[@]}" ! tstrack !
  tsdetect name=counter "module=$EXAMPLES_DIR/hooks/line-counter.ts" "module-args={\"line\":$LINE,\"anchor\":\"$ANCHOR\"}" !
  "${EXPORT[@]}" fakesink
)

if [[ ${DRY_RUN:-0} == 1 || ${VERBOSE:-0} == 1 ]]; then
  launch -m "${PIPELINE[@]}"
  exit 0
fi
# -m prints every bus message; keep the counter's (the structure after "(element): ") and, once the stream has
# ended, sum them up (errors go to stderr and stop the script with gst-launch-1.0's exit status).
launch -m "${PIPELINE[@]}" | awk '
  /\(element\): line-crossing, / {
    sub(/^.*\(element\): /, ""); print; fflush()
    n++; if ($0 ~ /direction=\(string\)in/) nin++; else nout++
  }
  /^Got EOS from element/ { eos = 1 }
  END { if (eos) printf "%d crossings: %d in, %d out\n", n, nin, nout }'
