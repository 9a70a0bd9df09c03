#!/usr/bin/env bash
# A custom TypeScript decoder: faces found by UltraFace (version-RFB-320), whose outputs are decoded by the
# postprocess() hook in examples/hooks/ultraface-decoder.ts instead of a built-in decoder, drawn into a PNG and
# exported as JSON Lines.
#
#   examples/ultraface-faces.sh [IMAGE] [OUTPUT.png]
#
#   IMAGE       a JPEG or PNG with faces (default ../shared/media/zidane.jpg)
#   OUTPUT.png  the annotated image (default out/ultraface-faces.png); the JSON Lines go next to it
#               (OUTPUT with .jsonl instead of .png) unless JSONL is set
#   env: MODEL (default ultraface_version-RFB-320.onnx), THRESHOLD (0.7, read by the hook), JSONL, DRY_RUN
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

IMAGE=${1:-$MEDIA_DIR/zidane.jpg}
OUTPUT=${2:-$OUT_DIR/ultraface-faces.png}
JSONL=${JSONL:-${OUTPUT%.*}.jsonl}
MODEL=${MODEL:-$MODELS_DIR/ultraface_version-RFB-320.onnx}
THRESHOLD=${THRESHOLD:-0.7}

need_file "$IMAGE" "image"
need_file "$MODEL" "model"
mkdir -p "$(dirname "$OUTPUT")" "$(dirname "$JSONL")"

launch \
  filesrc "location=$IMAGE" ! decodebin ! videoconvert ! video/x-raw,format=RGB ! \
  tsdetect "model=$MODEL" "module=$EXAMPLES_DIR/hooks/ultraface-decoder.ts" "module-args={\"threshold\":$THRESHOLD}" ! \
  tsexport "location=$JSONL" ! \
  tsoverlay ! \
  videoconvert ! pngenc ! filesink "location=$OUTPUT"

echo "image: $OUTPUT"
echo "faces: $(grep -o '"label":"face"' "$JSONL" | wc -l) ($JSONL)"
