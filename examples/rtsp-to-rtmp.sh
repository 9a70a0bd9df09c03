#!/usr/bin/env bash
# An RTSP camera in, a media server out: detect + track + overlay on the camera's video, re-encoded in H.264 and
# pushed over RTMP (nginx-rtmp, SRS, MediaMTX, Wowza, a CDN's ingest…), the objects also as JSON Lines.
#
#   examples/rtsp-to-rtmp.sh rtsp://CAMERA/PATH rtmp://SERVER/APP/STREAM
#
#   env: JSONL (export the objects; appended to, see RESTART), RESTART=1 (run under `tsvision run`: the pipeline
#        starts again when the camera goes away or the server drops the connection; EVENTS=FILE records the
#        outages; STALL=SECONDS restarts a run silent that long: a camera that stops sending but keeps its connection,
#        needs JSONL), LATENCY (rtspsrc jitter buffer, ms, default 200), MAX_INFLIGHT (tsdetect max-inflight, default 1:
#        the lowest latency on a live source, see the README's Latency), THICKNESS (box lines, pixels; default from the frame size), MODEL, LABELS, THRESHOLD,
#        OBJECT_CLASS, INFERENCE_INTERVAL, FRAMES, DRY_RUN
#
# rtspsrc protocols=tcp: RTP interleaved in the RTSP connection, so a camera that goes away is noticed at once (the
# connection closes) rather than after a UDP timeout; x264enc tune=zerolatency (no B-frames, no look-ahead) keeps
# the encoder from adding latency; flvmux streamable=true ! rtmp2sink is GStreamer's RTMP client (gst-plugins-bad).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CAMERA=${1:-}
SERVER=${2:-}
[[ -n $CAMERA && -n $SERVER ]] || die "usage: $0 rtsp://CAMERA/PATH rtmp://SERVER/APP/STREAM"
MODEL=${MODEL:-$MODELS_DIR/yolox_nano_416.onnx}
LABELS=${LABELS:-$MODELS_DIR/coco_classes.txt}
need_file "$MODEL" "model"
need_file "$LABELS" "labels file"
frame_limit
detect=(tsdetect "model=$MODEL" "labels-file=$LABELS" "threshold=${THRESHOLD:-0.4}" "inference-interval=${INFERENCE_INTERVAL:-1}")
[[ -z ${OBJECT_CLASS:-} ]] || detect+=("object-class=$OBJECT_CLASS")
detect+=("max-inflight=${MAX_INFLIGHT:-1}")
export=()
[[ -z ${JSONL:-} ]] || export=(tsexport "location=$JSONL" append=true !)
PIPELINE=(
  rtspsrc "location=$CAMERA" "latency=${LATENCY:-200}" protocols=tcp ! decodebin ! "${LIMIT[@]}" videoconvert !
  queue leaky=downstream max-size-buffers=2 max-size-bytes=0 max-size-time=0 !
  "${detect[@]}" ! tstrack ! "${export[@]}" tsoverlay "thickness=${THICKNESS:-0}" ! videoconvert !
  x264enc speed-preset=ultrafast tune=zerolatency key-int-max=20 ! video/x-h264,profile=main !
  flvmux streamable=true ! rtmp2sink "location=$SERVER"
)
if [[ ${RESTART:-0} == 1 ]]; then
  launch_supervised "${PIPELINE[@]}"
else
  launch -e "${PIPELINE[@]}"
fi
