#!/usr/bin/env bash
# A live view in the browser: a pipeline detects, tracks and counts people and sends its raw frames as JPEG (with
# their timestamps, gdppay) to a TCP port; `tsvision view --live` serves a page on http://127.0.0.1:PORT/ that plays
# them with the boxes, labels, track ids and trails, the door line and zone and their counters drawn by the browser
# from tsexport's JSON Lines, matched to each frame by its pts. The file plays at its own speed, like a camera.
#
#   examples/live-view.sh [INPUT]
#
#   INPUT     a video file (default ../shared/media/one-by-one-person-detection.mp4)
#   env: PORT        the page's port (default 8080; 0 = a free one, printed)
#        VIDEO_PORT  the port the pipeline's tcpserversink listens on, 127.0.0.1 (default 5000)
#        RULES       tsanalytics rules (default examples/rules/door.json); RULES=none: no tsanalytics
#        OVERLAY=1   burn the drawing into the frames too (tsoverlay): the annotated stream
#        JSONL       the JSON Lines file (default out/live-view.jsonl)
#        SOURCE      replaces "filesrc location=INPUT ! decodebin" (a pipeline fragment, split at spaces)
#        DETECTOR    replaces the yolox tsdetect (a pipeline fragment, split at spaces)
#        MODEL, LABELS, THRESHOLD (0.4), FRAMES, DRY_RUN (see examples/lib.sh)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

INPUT=${1:-$MEDIA_DIR/one-by-one-person-detection.mp4}
PORT=${PORT:-8080}
VIDEO_PORT=${VIDEO_PORT:-5000}
RULES=${RULES:-$EXAMPLES_DIR/rules/door.json}
JSONL=${JSONL:-$OUT_DIR/live-view.jsonl}
MODEL=${MODEL:-$MODELS_DIR/yolox_nano_416.onnx}
LABELS=${LABELS:-$MODELS_DIR/coco_classes.txt}

file_source "$INPUT"
class_detector "person"
ANALYTICS=()
VIEW_RULES=()
if [[ $RULES != none ]]; then
  need_file "$RULES" "rules file"
  ANALYTICS=(tsanalytics "config=$RULES" !)
  VIEW_RULES=(--rules "$RULES")
fi
OVERLAY_ELEMENT=()
[[ ${OVERLAY:-0} != 1 ]] || OVERLAY_ELEMENT=(tsoverlay color-by=track !)
mkdir -p "$(dirname "$JSONL")"
frame_limit

VIEW=(node "$REPO_DIR/bin/tsvision.mjs" view --live "127.0.0.1:$VIDEO_PORT" --jsonl "$JSONL" "${VIEW_RULES[@]}" --port "$PORT")
if [[ ${DRY_RUN:-0} != 1 ]]; then
  echo "+ ${VIEW[*]}" >&2
  "${VIEW[@]}" &
  VIEW_PID=$!
  trap 'kill -INT $VIEW_PID 2>/dev/null; wait $VIEW_PID 2>/dev/null' EXIT
fi

# tcpserversink syncs on the clock: a file goes out at its own frame rate, as a camera's frames would.
launch -e \
  "${SRC[@]}" ! "${LIMIT[@]}" "${DET[@]}" ! tstrack ! "${ANALYTICS[@]}" \
  tsexport "location=$JSONL" ! "${OVERLAY_ELEMENT[@]}" \
  videoconvert ! jpegenc quality=85 ! gdppay ! tcpserversink host=127.0.0.1 "port=$VIDEO_PORT"
