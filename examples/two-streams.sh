#!/usr/bin/env bash
# Two streams, one model: two independent branches in one gst-launch-1.0, each with its own tsdetect, tstrack
# and tsexport. Both tsdetect elements have model-instance-id=shared, so they share one onnxruntime session
# (the model is loaded once; with BATCH_SIZE > 1 and a model with a dynamic batch axis, frames of both streams
# run in one inference). No muxer: each stream keeps its own caps, frame rate and track ids.
#
#   examples/two-streams.sh [INPUT1] [INPUT2] [OUTDIR]
#
#   INPUT1, INPUT2  video files (default: ../shared/media/one-by-one-person-detection.mp4, H.264, and the same
#                   video as VP8/WebM, one-by-one-person-detection.vp8.webm)
#   OUTDIR          where stream-0.jsonl and stream-1.jsonl go (default out/two-streams)
#   env: MODEL, LABELS, THRESHOLD (0.4), OBJECT_CLASS (default person), BATCH_SIZE (1), FRAMES, DRY_RUN
#   GST_DEBUG=tsdetect:4 shows each element's "inference ran N frames in M runs" at the end: with the shared
#   session, N counts the frames of both streams.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

INPUT1=${1:-$MEDIA_DIR/one-by-one-person-detection.mp4}
INPUT2=${2:-$MEDIA_DIR/one-by-one-person-detection.vp8.webm}
OUTDIR=${3:-$OUT_DIR/two-streams}
MODEL=${MODEL:-$MODELS_DIR/yolox_nano_416.onnx}
LABELS=${LABELS:-$MODELS_DIR/coco_classes.txt}

need_file "$INPUT1" "first input video"
need_file "$INPUT2" "second input video"
need_file "$MODEL" "model"
need_file "$LABELS" "labels file"
mkdir -p "$OUTDIR"
frame_limit

# branch N INPUT: one stream's part of the pipeline.
branch() {
  BRANCH=(
    filesrc "location=$2" ! decodebin ! "${LIMIT[@]}"
    tsdetect "name=detect$1" model-instance-id=shared "batch-size=${BATCH_SIZE:-1}"
    "model=$MODEL" "labels-file=$LABELS" "threshold=${THRESHOLD:-0.4}" "object-class=${OBJECT_CLASS:-person}" !
    tstrack "name=track$1" !
    tsexport "name=export$1" "location=$OUTDIR/stream-$1.jsonl" !
    fakesink
  )
}
branch 0 "$INPUT1"
FIRST=("${BRANCH[@]}")
branch 1 "$INPUT2"
launch "${FIRST[@]}" "${BRANCH[@]}"

for i in 0 1; do
  echo "stream $i: $OUTDIR/stream-$i.jsonl ($(wc -l <"$OUTDIR/stream-$i.jsonl") frames)"
done
