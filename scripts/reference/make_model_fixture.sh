#!/usr/bin/env bash
# Regression fixture for the shipped checkpoints (Tests/ModelsTests/Fixtures/astronaut-crop-*.png):
# a 168×168 crop of the built-in test image `astronaut` (public domain, NASA), at (200, 40), blurred by
# `deblur degrade` with disk:3 and motion:9,30, σ = 0.01, seed 1 (valid convolution → 160×160 / …).
# Needs the built-in images (scripts/fetch-data.sh) and a release build; PIL only crops.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
python3 -c "
from PIL import Image
Image.open('$root/Data/builtin/astronaut.png').convert('RGB').crop((200, 40, 368, 208)).save('$tmp/astronaut-crop.png')"
for psf in disk:3 motion:9,30; do
  name=${psf%%:*}
  "$root/.build/release/deblur" degrade "$tmp" --psf "$psf" --noise 0.01 --seed 1 --split all -o "$tmp/$name" >/dev/null
  cp "$tmp/$name/blurred/astronaut-crop.png" "$root/Tests/ModelsTests/Fixtures/astronaut-crop-$name-blurred.png"
  cp "$tmp/$name/sharp/astronaut-crop.png" "$root/Tests/ModelsTests/Fixtures/astronaut-crop-$name-sharp.png"
done
rm -rf "$tmp"
