#!/usr/bin/env bash
# A test camera: serves a video file over RTSP in a loop, forever (live H.264 at 640x360, 10 fps), so the
# streaming examples can run without a camera.
#
#   examples/rtsp-camera.sh [VIDEO]           # → rtsp://127.0.0.1:8554/camera (Ctrl-C stops it)
#
#   env: ADDRESS (listen address, default 127.0.0.1; 0.0.0.0 for other machines), PORT (default 8554; 0: a free
#        one), MOUNT (default /camera), START (seconds into the video where each loop starts, default 0),
#        STAMP=1 (draw the wall clock into every frame, for glass-to-glass latency: see bench/stream-latency-bench.mjs),
#        DRY_RUN
#
# build/tsvision-rtsp-server (tools/tsvision-rtsp-server.c, gst-rtsp-server) plays the video in a pipeline of its own
# (--feed, looped with segment seeks) and hands the frames to the served pipeline through intervideosink/src.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

VIDEO=${1:-$MEDIA_DIR/one-by-one-person-detection.mp4}
need_file "$VIDEO" "video"
CAPS=video/x-raw,format=I420,width=640,height=360,framerate=10/1
STAMP_ELEMENT=()
STAMP_ARGS=()
if [[ ${STAMP:-0} == 1 ]]; then
  STAMP_ELEMENT=(identity name=stamp !)
  STAMP_ARGS=(--stamp stamp)
fi
serve_rtsp --address "${ADDRESS:-127.0.0.1}" --port "${PORT:-8554}" --mount "${MOUNT:-/camera}" \
  --feed "filesrc location=$VIDEO ! decodebin ! videoconvert ! videoscale ! videorate ! $CAPS ! intervideosink channel=camera" \
  --feed-start "${START:-0}" "${STAMP_ARGS[@]}" \
  "intervideosrc channel=camera ! $CAPS ! ${STAMP_ELEMENT[*]} x264enc speed-preset=ultrafast tune=zerolatency key-int-max=10 ! rtph264pay name=pay0 pt=96 config-interval=-1"
