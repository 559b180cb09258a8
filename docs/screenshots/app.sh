#!/bin/sh
# Regenerates the app's screenshots in this folder (docs/user-guide.md,
# section 9): the browser tests save every page they visit to
# target/tmp/app-screenshots/; this copies the ones the guide shows,
# reduced to 64 colours to keep them small (Python with Pillow).
# Chromium, chromedriver and `npm ci --prefix tests/browser` needed.
set -eu
cd "$(dirname "$0")/../.."
cargo test --release --test suite app:: -q
src=target/tmp/app-screenshots
python3 - "$src" docs/screenshots <<'PY'
import sys
from PIL import Image
src, dst = sys.argv[1], sys.argv[2]
for shot, name in [
    ("03-volunteers-and-quotas", "app-volunteers-and-quotas"),
    ("21-infeasible", "app-infeasible"),
    ("22-running", "app-running"),
    ("07-lottery-to-publish", "app-lottery"),
    ("16-replan-form", "app-plan"),
    ("11-review-result", "app-review"),
]:
    img = Image.open(f"{src}/{shot}.png").convert("RGB")
    img.quantize(colors=64).save(f"{dst}/{name}.png", optimize=True)
PY
