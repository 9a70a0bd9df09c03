#!/usr/bin/env bash
# tsvision inside a DeepStream pipeline (see examples/deepstream.md for what is verified and what is not):
#
#   filesrc ! qtdemux ! h264parse ! nvv4l2decoder ! nvstreammux batch-size=1 ! nvvideoconvert !
#     video/x-raw,format=RGBA ! tsdetect ! tstrack ! tsexport ! tsoverlay !
#     nvvideoconvert ! nvv4l2h264enc ! h264parse ! qtmux ! filesink
#
# nvvideoconvert copies each frame out of NVMM (GPU) memory into system memory: tsvision elements take
# system-memory video/x-raw only. With --standard the same pipeline runs with standard GStreamer elements in
# place of the NVIDIA ones (qtdemux ! avdec_h264, videoscale to the muxer's size, videoconvert, x264enc ! mp4mux):
# the system-memory part between the two converters is identical.
#
#   examples/deepstream.sh [--standard] [INPUT.mp4] [OUTPUT.mp4]
#
#   INPUT.mp4   H.264 in MP4 (default ../shared/media/one-by-one-person-detection.mp4)
#   OUTPUT.mp4  annotated video (default out/deepstream.mp4); JSON Lines next to it unless JSONL is set
#   env: MUX_WIDTH, MUX_HEIGHT (nvstreammux output size, default 1280x720), MODEL, LABELS, THRESHOLD (0.4),
#        JSONL, FRAMES, DRY_RUN (see examples/lib.sh)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

STANDARD=0
if [[ ${1:-} == --standard ]]; then
  STANDARD=1
  shift
fi
INPUT=${1:-$MEDIA_DIR/one-by-one-person-detection.mp4}
OUTPUT=${2:-$OUT_DIR/deepstream.mp4}
JSONL=${JSONL:-${OUTPUT%.*}.jsonl}
MODEL=${MODEL:-$MODELS_DIR/yolox_nano_416.onnx}
LABELS=${LABELS:-$MODELS_DIR/coco_classes.txt}
WIDTH=${MUX_WIDTH:-1280}
HEIGHT=${MUX_HEIGHT:-720}

need_file "$INPUT" "input video"
need_file "$MODEL" "model"
need_file "$LABELS" "labels file"
mkdir -p "$(dirname "$OUTPUT")" "$(dirname "$JSONL")"
frame_limit

# The part that is the same in both pipelines: system-memory RGBA in, system-memory RGBA out.
TSVISION=(
  tsdetect "model=$MODEL" "labels-file=$LABELS" "threshold=${THRESHOLD:-0.4}" !
  tstrack !
  tsexport "location=$JSONL" !
  tsoverlay color-by=track
)

if [[ $STANDARD == 1 ]]; then
  PIPELINE=(
    filesrc "location=$INPUT" ! qtdemux ! avdec_h264 ! "${LIMIT[@]}"
    videoscale ! "video/x-raw,width=$WIDTH,height=$HEIGHT" !
    videoconvert ! video/x-raw,format=RGBA !
    "${TSVISION[@]}" !
    videoconvert ! x264enc speed-preset=veryfast tune=zerolatency ! video/x-h264,profile=high ! mp4mux !
    filesink "location=$OUTPUT"
  )
else
  if [[ ${DRY_RUN:-0} != 1 ]] && ! gst-inspect-1.0 nvstreammux >/dev/null 2>&1; then
    die "the DeepStream elements (nvstreammux, nvv4l2decoder, nvvideoconvert) are not installed; run '$0 --standard' for the same pipeline with standard elements"
  fi
  PIPELINE=(
    nvstreammux name=m batch-size=1 "width=$WIDTH" "height=$HEIGHT" batched-push-timeout=40000 !
    nvvideoconvert ! video/x-raw,format=RGBA !
    "${TSVISION[@]}" !
    nvvideoconvert ! "video/x-raw(memory:NVMM),format=NV12" ! nvv4l2h264enc ! h264parse ! qtmux !
    filesink "location=$OUTPUT"
    filesrc "location=$INPUT" ! qtdemux ! h264parse ! nvv4l2decoder ! "${LIMIT[@]}" m.sink_0
  )
fi

launch -e "${PIPELINE[@]}"
echo "video:   $OUTPUT"
echo "objects: $JSONL ($(wc -l <"$JSONL") frames)"
