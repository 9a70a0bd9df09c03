#!/usr/bin/env bash
# Results in a database: people found by yolox_nano, tracked by tstrack and counted by tsanalytics (the door line
# and room zone of examples/rules/door.json) are written by tsexport into PostgreSQL (or SQLite): a row per frame,
# per object and per event (README, "Results in a database"). Then the script asks the database the README's two
# questions: where was track 1, and how many people per minute.
#
#   examples/detect-to-postgres.sh [INPUT] [DATABASE]
#
#   INPUT     a video file (default ../shared/media/one-by-one-person-detection.mp4)
#   DATABASE  postgresql://user@host:port/dbname (default postgresql:///tsvision: the local server's socket, as the
#             current user; createdb tsvision first), or sqlite:PATH for an SQLite file
#   env: PASSWORD_FILE  the PostgreSQL password's file (tsexport database-password-file); else ~/.pgpass, PGPASSWORD
#        SOURCE_ID      what the rows' `source` says (default: the input's file name without its extension)
#        RULES          tsanalytics rules (default examples/rules/door.json)
#        OBJECT_CLASS (default person), THRESHOLD (0.4), MODEL, LABELS, JSONL (also write the JSON Lines there)
#        FRAMES, DRY_RUN (see examples/lib.sh)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

INPUT=${1:-$MEDIA_DIR/one-by-one-person-detection.mp4}
DATABASE=${2:-postgresql:///tsvision}
MODEL=${MODEL:-$MODELS_DIR/yolox_nano_416.onnx}
LABELS=${LABELS:-$MODELS_DIR/coco_classes.txt}
RULES=${RULES:-$EXAMPLES_DIR/rules/door.json}
SOURCE_ID=${SOURCE_ID:-$(basename "${INPUT%.*}")}
need_file "$INPUT" "input video"
need_file "$MODEL" "model"
need_file "$LABELS" "labels file"
need_file "$RULES" "rules file"
frame_limit

EXPORT=(tsexport "source-id=$SOURCE_ID" "database=$DATABASE")
[[ -z ${PASSWORD_FILE:-} ]] || EXPORT+=("database-password-file=$PASSWORD_FILE")
[[ -z ${JSONL:-} ]] || EXPORT+=("location=$JSONL")

launch filesrc "location=$INPUT" ! decodebin ! "${LIMIT[@]}" \
  tsdetect "model=$MODEL" "labels-file=$LABELS" "threshold=${THRESHOLD:-0.4}" "object-class=${OBJECT_CLASS:-person}" ! \
  tstrack ! tsanalytics "config=$RULES" ! "${EXPORT[@]}" ! fakesink

# The README's queries, on what this source wrote (every run of it).
TRACK="SELECT frame, x, y, width, height FROM objects WHERE source = '$SOURCE_ID' AND track_id = 1 ORDER BY frame LIMIT 5"
case $DATABASE in
  sqlite:*)
    MINUTE="strftime('%Y-%m-%dT%H:%M', time)"
    query() { sqlite3 -header -column "${DATABASE#sqlite:}" "$1"; } ;;
  *)
    MINUTE="date_trunc('minute', time)"
    [[ -z ${PASSWORD_FILE:-} ]] || export PGPASSWORD=$(head -n1 "$PASSWORD_FILE")
    query() { psql -X -q "$DATABASE" -c "$1"; } ;;
esac
echo "where was track 1 (its first frames):"
query "$TRACK"
echo "people per minute:"
query "SELECT $MINUTE AS minute, count(DISTINCT track_id) AS people, count(*) AS boxes FROM objects WHERE source = '$SOURCE_ID' AND NOT interpolated GROUP BY 1 ORDER BY 1"
echo "line crossings:"
query "SELECT rule, direction, count(*) AS crossings FROM events WHERE source = '$SOURCE_ID' AND type = 'line-crossed' GROUP BY 1, 2 ORDER BY 1, 2"
