#!/usr/bin/env bash
# Detect + track + overlay on a local camera (USB webcam, any V4L2 device): shown in a window, or recorded to an
# MP4 when OUTPUT is given. Stop it with Ctrl-C (the MP4 is finalised: gst-launch-1.0 -e).
#
#   examples/camera-webcam.sh [DEVICE] [OUTPUT.mp4]
#
#   DEVICE  the V4L2 device (default /dev/video0; `v4l2-ctl --list-devices` lists them)
#   env: CAPS (what to ask the camera for, e.g. image/jpeg,width=1280,height=720,framerate=30/1; default: what
#        it offers first), MODEL, LABELS, THRESHOLD (0.4), OBJECT_CLASS (e.g. person; default every class),
#        INFERENCE_INTERVAL (1), JSONL (also export the objects), SOURCE (replaces the camera part, a pipeline
#        fragment split at spaces, e.g. to try the rest without a camera), DRY_RUN
#
# v4l2src (gst-plugins-good) ! decodebin takes raw (YUYV …) and MJPEG cameras alike; videoconvert turns what
# tsdetect cannot read directly (YUY2, …) into a format it reads. The leaky queue before tsdetect drops the
# oldest frames when the model is slower than the camera, so the picture stays live instead of lagging.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DEVICE=${1:-/dev/video0}
OUTPUT=${2:-}
MODEL=${MODEL:-$MODELS_DIR/yolox_nano_416.onnx}
LABELS=${LABELS:-$MODELS_DIR/coco_classes.txt}

if [[ -n ${SOURCE:-} ]]; then
  split_words SRC "$SOURCE"
else
  SRC=(v4l2src "device=$DEVICE")
  [[ -z ${CAPS:-} ]] || SRC+=(! "$CAPS")
  SRC+=(! decodebin)
fi
run_live_pipeline
