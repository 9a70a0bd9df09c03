#!/usr/bin/env bash
# People counting with tsanalytics: people found by yolox_nano and tracked by tstrack are counted crossing a door
# line and in a zone; the counters are drawn into an H.264 MP4 (tsoverlay) and each frame's events and running
# counts are exported as JSON Lines. Prints the totals.
#
#   examples/count-people.sh [INPUT] [OUTPUT.mp4]
#
#   INPUT       a video file (default ../shared/media/one-by-one-person-detection.mp4, where each person
#               walks out to the right)
#   OUTPUT.mp4  the annotated video (default out/count-people.mp4); the JSON Lines go next to it (.jsonl)
#   env: RULES  a rules file (default examples/rules/door.json: a vertical line at 3/4 of the width, normalised,
#               drawn bottom to top so that walking right across it is "in", and a zone left of it)
#        MODEL, LABELS, THRESHOLD (0.4), FRAMES, DRY_RUN (see examples/lib.sh)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

INPUT=${1:-$MEDIA_DIR/one-by-one-person-detection.mp4}
OUTPUT=${2:-$OUT_DIR/count-people.mp4}
JSONL=${OUTPUT%.*}.jsonl
RULES=${RULES:-$EXAMPLES_DIR/rules/door.json}
MODEL=${MODEL:-$MODELS_DIR/yolox_nano_416.onnx}
LABELS=${LABELS:-$MODELS_DIR/coco_classes.txt}

need_file "$INPUT" "input video"
need_file "$RULES" "rules file"
need_file "$MODEL" "model"
need_file "$LABELS" "labels file"
mkdir -p "$(dirname "$OUTPUT")"
frame_limit

launch -e \
  filesrc "location=$INPUT" ! decodebin ! "${LIMIT[@]}" \
  tsdetect "model=$MODEL" "labels-file=$LABELS" "threshold=${THRESHOLD:-0.4}" object-class=person ! \
  tstrack ! \
  tsanalytics "config=$RULES" ! \
  tsexport "location=$JSONL" ! \
  tsoverlay color-by=track ! \
  videoconvert ! x264enc speed-preset=veryfast tune=zerolatency ! video/x-h264,profile=high ! mp4mux ! \
  filesink "location=$OUTPUT"

[[ ${DRY_RUN:-0} == 1 ]] && exit 0
echo "video:   $OUTPUT"
echo "results: $JSONL ($(wc -l <"$JSONL") frames)"
# The last line's running counts.
tail -n 1 "$JSONL" | node -e '
  const { counts } = JSON.parse(require("fs").readFileSync(0, "utf8"));
  for (const [name, c] of Object.entries(counts.lines)) console.log(`line ${name}: in ${c.in}, out ${c.out}`);
  for (const [name, z] of Object.entries(counts.zones)) console.log(`zone ${name}: entries ${z.entries}, exits ${z.exits}, now ${z.occupancy}`);'
