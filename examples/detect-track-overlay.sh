#!/usr/bin/env bash
# Detect + track + overlay on a video file: people (and every other COCO class) found by yolox_nano, tracked by
# ByteTrack, drawn with their track ids into an H.264 MP4, and exported as JSON Lines.
#
#   examples/detect-track-overlay.sh [INPUT] [OUTPUT.mp4]
#
#   INPUT       any video GStreamer decodes (default ../shared/media/one-by-one-person-detection.mp4)
#   OUTPUT.mp4  the annotated video (default out/detect-track-overlay.mp4); the JSON Lines go next to it
#               (OUTPUT with .jsonl instead of .mp4) unless JSONL is set
#   env: MODEL (default yolox_nano_416.onnx), LABELS (coco_classes.txt), THRESHOLD (0.4), OBJECT_CLASS
#        (e.g. person; default every class), JSONL, FRAMES, DRY_RUN (see examples/lib.sh)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

INPUT=${1:-$MEDIA_DIR/one-by-one-person-detection.mp4}
OUTPUT=${2:-$OUT_DIR/detect-track-overlay.mp4}
JSONL=${JSONL:-${OUTPUT%.*}.jsonl}
MODEL=${MODEL:-$MODELS_DIR/yolox_nano_416.onnx}
LABELS=${LABELS:-$MODELS_DIR/coco_classes.txt}
THRESHOLD=${THRESHOLD:-0.4}

need_file "$INPUT" "input video"
need_file "$MODEL" "model"
need_file "$LABELS" "labels file"
mkdir -p "$(dirname "$OUTPUT")" "$(dirname "$JSONL")"
frame_limit

DETECT=(tsdetect "model=$MODEL" "labels-file=$LABELS" "threshold=$THRESHOLD")
[[ -z ${OBJECT_CLASS:-} ]] || DETECT+=("object-class=$OBJECT_CLASS")

# -e: on Ctrl-C the pipeline gets an EOS first, so the MP4 is finalised and stays playable.
launch -e \
  filesrc "location=$INPUT" ! decodebin ! "${LIMIT[@]}" \
  "${DETECT[@]}" ! \
  tstrack ! \
  tsexport "location=$JSONL" ! \
  tsoverlay color-by=track ! \
  videoconvert ! x264enc speed-preset=veryfast tune=zerolatency ! video/x-h264,profile=high ! mp4mux ! \
  filesink "location=$OUTPUT"

echo "video:   $OUTPUT"
echo "objects: $JSONL ($(wc -l <"$JSONL") frames)"
