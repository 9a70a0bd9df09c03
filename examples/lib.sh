# Sourced by the example scripts (not run on its own): paths, the plugin, frame limits, launching.
#
# Environment every example reads:
#   GST_PLUGIN_PATH  where GStreamer finds the tsvision plugin; when unset and the repository has been built
#                    (npm run build), <repo>/build/gst-plugin. Leave it unset for an installed plugin.
#   SHARED_DIR       the shared data (default <repo>/../shared); MODELS_DIR, MEDIA_DIR default to its models/, media/.
#   FRAMES           stop after about this many video frames (identity eos-after=N after the decoder; a decoder
#                    may still drain the few frames it holds). Unset or 0: the whole input.
#   DRY_RUN=1        print the gst-launch-1.0 command, one argument per line, and exit without running it.

EXAMPLES_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(dirname "$EXAMPLES_DIR")
if [[ -z ${SHARED_DIR:-} ]]; then
  SHARED_DIR=$REPO_DIR/../shared
  [[ ! -d $SHARED_DIR ]] || SHARED_DIR=$(cd "$SHARED_DIR" && pwd)
fi
MODELS_DIR=${MODELS_DIR:-$SHARED_DIR/models}
MEDIA_DIR=${MEDIA_DIR:-$SHARED_DIR/media}
OUT_DIR=${OUT_DIR:-$REPO_DIR/out}

if [[ -z ${GST_PLUGIN_PATH:-} && -d $REPO_DIR/build/gst-plugin ]]; then
  export GST_PLUGIN_PATH=$REPO_DIR/build/gst-plugin
fi

die() {
  echo "$(basename "$0"): $*" >&2
  exit 1
}

# need_file FILE WHAT: stops with a clear message when FILE does not exist.
need_file() {
  [[ -f $1 ]] || die "$2 not found: $1"
}

# frame_limit: the words "identity eos-after=N !" when FRAMES is set (append them after the decoder).
frame_limit() {
  if [[ -n ${FRAMES:-} && ${FRAMES} != 0 ]]; then
    [[ $FRAMES =~ ^[0-9]+$ ]] || die "FRAMES must be a number of frames (got '$FRAMES')"
    LIMIT=(identity "eos-after=$FRAMES" '!')
  else
    LIMIT=()
  fi
}

# split_words VAR TEXT: VAR becomes the words of TEXT split at white space (no quoting, no globbing), for
# pipeline fragments given in the environment such as SOURCE="videotestsrc num-buffers=60".
split_words() {
  local -n into=$1
  read -r -a into <<<"$2"
}

# file_source INPUT: SRC becomes the words of SOURCE when it is set (another source, e.g. a camera), else a file
# source for INPUT (filesrc ! decodebin), checked to exist.
file_source() {
  if [[ -n ${SOURCE:-} ]]; then
    split_words SRC "$SOURCE"
  else
    need_file "$1" "input video"
    SRC=(filesrc "location=$1" ! decodebin)
  fi
}

# class_detector CLASS: DET becomes the words of DETECTOR when it is set, else tsdetect with MODEL, LABELS and
# THRESHOLD (0.4) keeping objects of CLASS only.
class_detector() {
  if [[ -n ${DETECTOR:-} ]]; then
    split_words DET "$DETECTOR"
  else
    need_file "$MODEL" "model"
    need_file "$LABELS" "labels file"
    DET=(tsdetect "model=$MODEL" "labels-file=$LABELS" "threshold=${THRESHOLD:-0.4}" "object-class=$1")
  fi
}

# launch ARGS…: gst-launch-1.0 ARGS…, after checking that the plugin can be found (DRY_RUN=1: print only).
launch() {
  if [[ ${DRY_RUN:-0} == 1 ]]; then
    printf '%s\n' gst-launch-1.0 "$@"
    exit 0
  fi
  if ! gst-inspect-1.0 tsvision >/dev/null 2>&1; then
    die "GStreamer cannot find the tsvision plugin: run 'npm run build' in $REPO_DIR, or set GST_PLUGIN_PATH to the installed plugin's directory"
  fi
  echo "+ gst-launch-1.0 $*" >&2
  gst-launch-1.0 "$@"
}

# launch_supervised ARGS…: the same pipeline under `tsvision run` (bin/tsvision.mjs), which starts it again with a
# backoff whenever it stops (a camera that went away); EVENTS=FILE records each outage as a JSON line; STALL=SECONDS
# also restarts a run whose tsexport output has not grown for that long (a camera silent on an open connection).
# DRY_RUN=1 prints the gst-launch-1.0 command it runs.
launch_supervised() {
  if [[ ${DRY_RUN:-0} == 1 ]]; then
    printf '%s\n' gst-launch-1.0 "$@"
    exit 0
  fi
  gst-inspect-1.0 tsvision >/dev/null 2>&1 || die "GStreamer cannot find the tsvision plugin: run 'npm run build' in $REPO_DIR"
  local events=()
  [[ -z ${EVENTS:-} ]] || events=(--events "$EVENTS")
  [[ -z ${STALL:-} ]] || events+=(--stall "$STALL")
  echo "+ tsvision run ${events[*]} -- $*" >&2
  exec node "$REPO_DIR/bin/tsvision.mjs" run "${events[@]}" -- "$@"
}

# serve_rtsp ARGS…: build/tsvision-rtsp-server ARGS… (an installed tsvision-rtsp-server when there is no build);
# DRY_RUN=1 prints the command, one argument per line.
serve_rtsp() {
  local server=$REPO_DIR/build/tsvision-rtsp-server
  [[ -x $server ]] || server=$(command -v tsvision-rtsp-server || true)
  if [[ ${DRY_RUN:-0} == 1 ]]; then
    printf '%s\n' tsvision-rtsp-server "$@"
    exit 0
  fi
  [[ -n $server ]] || die "tsvision-rtsp-server not found: run 'npm run build' in $REPO_DIR (it needs libgstrtspserver-1.0-dev)"
  echo "+ tsvision-rtsp-server $*" >&2
  exec "$server" "$@"
}

# run_live_pipeline: the camera examples' pipeline after their source SRC (an array, decoded video): a leaky
# queue so the picture stays live when the model is slower than the camera, detect + track (+ tsexport when
# JSONL is set) + overlay, then a window or, with OUTPUT, an MP4 finalised on Ctrl-C (-e).
# Reads MODEL, LABELS, THRESHOLD, INFERENCE_INTERVAL, OBJECT_CLASS, JSONL, OUTPUT.
run_live_pipeline() {
  need_file "$MODEL" "model"
  need_file "$LABELS" "labels file"
  local detect=(tsdetect "model=$MODEL" "labels-file=$LABELS" "threshold=${THRESHOLD:-0.4}" "inference-interval=${INFERENCE_INTERVAL:-1}")
  [[ -z ${OBJECT_CLASS:-} ]] || detect+=("object-class=$OBJECT_CLASS")
  local export=()
  [[ -z ${JSONL:-} ]] || export=(tsexport "location=$JSONL" !)
  local sink
  if [[ -n $OUTPUT ]]; then
    mkdir -p "$(dirname "$OUTPUT")"
    sink=(x264enc speed-preset=veryfast tune=zerolatency ! video/x-h264,profile=high ! mp4mux ! filesink "location=$OUTPUT")
  else
    sink=(autovideosink sync=false)
  fi
  launch -e \
    "${SRC[@]}" ! videoconvert ! \
    queue leaky=downstream max-size-buffers=2 max-size-bytes=0 max-size-time=0 ! \
    "${detect[@]}" ! tstrack ! "${export[@]}" tsoverlay color-by=track ! \
    videoconvert ! "${sink[@]}"
}
