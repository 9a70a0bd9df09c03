#!/usr/bin/env bash
# Detect + track + overlay on an RTSP camera (IP camera, NVR, media server): shown in a window, or recorded to
# an MP4 when OUTPUT is given. Stop it with Ctrl-C (the MP4 is finalised: gst-launch-1.0 -e).
#
#   examples/camera-rtsp.sh rtsp://USER:PASSWORD@HOST:554/PATH [OUTPUT.mp4]
#
#   env: LATENCY (rtspsrc jitter buffer, ms, default 200), MODEL, LABELS, THRESHOLD (0.4), OBJECT_CLASS
#        (e.g. person; default every class), INFERENCE_INTERVAL (1: the model on every frame; N: every Nth,
#        tstrack predicts the boxes in between), JSONL (also export the objects), SOURCE (replaces the camera
#        part, a pipeline fragment split at spaces, e.g. to try the rest without a camera), DRY_RUN
#
# rtspsrc (gst-plugins-good) ! decodebin depayloads and decodes whatever the camera sends (H.264 needs
# gstreamer1.0-libav, H.265 also needs gstreamer1.0-plugins-bad). The leaky queue before tsdetect drops the
# oldest frames when the model is slower than the camera, so the picture stays live instead of lagging.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

URL=${1:-}
OUTPUT=${2:-}
MODEL=${MODEL:-$MODELS_DIR/yolox_nano_416.onnx}
LABELS=${LABELS:-$MODELS_DIR/coco_classes.txt}

if [[ -n ${SOURCE:-} ]]; then
  split_words SRC "$SOURCE"
else
  [[ -n $URL ]] || die "usage: $0 rtsp://HOST:PORT/PATH [OUTPUT.mp4]"
  SRC=(rtspsrc "location=$URL" "latency=${LATENCY:-200}" ! decodebin)
fi
run_live_pipeline
