#!/usr/bin/env bash
# Re-serves a camera annotated over RTSP, for a VMS, VLC or ffplay: rtsp://HOST:8554/annotated shows the camera's
# video with the boxes, labels and track ids drawn in. One analysis however many viewers (shared media); it starts
# when the first viewer connects and stops when the last one leaves.
#
#   examples/rtsp-restream.sh rtsp://CAMERA/PATH        # then: vlc rtsp://HOST:8554/annotated
#
#   env: ADDRESS (default 0.0.0.0: every interface), PORT (default 8554; 0: a free one), MOUNT (default /annotated),
#        JSONL (also export the objects, appended to), LATENCY (rtspsrc, ms, default 200), MAX_INFLIGHT (tsdetect
#        max-inflight, default 1: the lowest latency on a live source), THICKNESS, MODEL, LABELS, THRESHOLD,
#        OBJECT_CLASS, INFERENCE_INTERVAL, DRY_RUN
#
# build/tsvision-rtsp-server (tools/tsvision-rtsp-server.c) serves the pipeline rtspsrc ! decodebin ! tsdetect !
# tstrack ! tsoverlay ! x264enc ! rtph264pay name=pay0.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CAMERA=${1:-}
[[ -n $CAMERA ]] || die "usage: $0 rtsp://CAMERA/PATH"
MODEL=${MODEL:-$MODELS_DIR/yolox_nano_416.onnx}
LABELS=${LABELS:-$MODELS_DIR/coco_classes.txt}
need_file "$MODEL" "model"
need_file "$LABELS" "labels file"
detect="tsdetect model=$MODEL labels-file=$LABELS threshold=${THRESHOLD:-0.4} inference-interval=${INFERENCE_INTERVAL:-1} max-inflight=${MAX_INFLIGHT:-1}"
[[ -z ${OBJECT_CLASS:-} ]] || detect+=" object-class=$OBJECT_CLASS"
export=
[[ -z ${JSONL:-} ]] || export="tsexport location=$JSONL append=true !"
serve_rtsp --address "${ADDRESS:-0.0.0.0}" --port "${PORT:-8554}" --mount "${MOUNT:-/annotated}" \
  "rtspsrc location=$CAMERA latency=${LATENCY:-200} protocols=tcp ! decodebin ! videoconvert ! \
queue leaky=downstream max-size-buffers=2 max-size-bytes=0 max-size-time=0 ! $detect ! tstrack ! $export \
tsoverlay thickness=${THICKNESS:-0} ! videoconvert ! \
x264enc speed-preset=ultrafast tune=zerolatency key-int-max=20 ! rtph264pay name=pay0 pt=96 config-interval=-1"
