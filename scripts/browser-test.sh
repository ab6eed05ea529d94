#!/usr/bin/env bash
# Browser test of the web app: starts `deblur serve` on a free loopback port, restores a blurred built-in
# photo through the JSON API and checks that its result address renders in headless Chromium (--dump-dom),
# then drives the page itself through the DevTools protocol (scripts/browser_drive.py: a bad file, then a
# real upload with a reference, the slider and the synchronised zoom) and saves a full-page screenshot;
# then every lesson of /learn (scripts/lessons_drive.py) and thirty tabs of slider moves (scripts/lesson_burst.py).
#
#   scripts/browser-test.sh [OUT.png]        (default Reports/web/results.png)
#
# Needs: python3 (standard library only), the release `deblur` (built when missing or stale), curl, Chromium
# (Debian package `chromium`; installed with apt-get when missing and running as root), Data/builtin
# (scripts/setup.sh). Exits non-zero with a message when any step fails.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-Reports/web/results.png}"
work="$(mktemp -d)"
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "browser-test: $*" >&2; exit 1; }

# The binary: the release build, rebuilt when any source or template is newer, so a stale one is never
# tested. (Release, not debug: the lessons' figures run the networks and plug-and-play, which a debug build
# computes ten times slower than a student would wait; the latencies measured here are the release ones.)
bin=".build/release/deblur"
if [[ ! -x "$bin" || -n "$(find Sources -newer "$bin" \( -name '*.swift' -o -name '*.mustache' \) -print -quit)" ]]; then
    echo "browser-test: building the release binary (swift build -c release --product deblur)"
    swift build -c release --product deblur >/dev/null || fail "the release build failed."
fi

browser="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
if [[ -z "$browser" && "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
    echo "browser-test: installing chromium (apt-get)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null
    browser="$(command -v chromium || true)"
fi
[[ -n "$browser" ]] || fail "no Chromium found; install the Debian package 'chromium'."
[[ -f Data/builtin/chelsea.png ]] || fail "Data/builtin/chelsea.png is missing; run scripts/setup.sh first."

# A blurred photo with its sharp reference: motion blur, noise σ=0.01, 8-bit (no inverse crime).
mkdir -p "$work/sharp"
cp Data/builtin/chelsea.png "$work/sharp/"
"$bin" degrade "$work/sharp" --psf motion:15,30 --seed 0 -o "$work/set" >/dev/null

"$bin" serve --port 0 --result-minutes 10 >"$work/server.log" 2>&1 &
server_pid=$!
url=""
for _ in $(seq 1 100); do
    url="$(grep -o 'http://127.0.0.1:[0-9]*/' "$work/server.log" || true)"
    [[ -n "$url" ]] && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; fail "the server did not start."; }
    sleep 0.1
done
[[ -n "$url" ]] || fail "the server printed no address within 10 s."
curl -sf "${url}healthz" >/dev/null || fail "GET /healthz failed."

start=$(date +%s%N)
curl -sf -o "$work/result.json" -F image=@"$work/set/blurred/chelsea.png" -F reference=@"$work/set/sharp/chelsea.png" \
     -F methods=wiener,tikhonov,rl-accel -F psf=motion:15,30 "${url}api/restore" \
    || fail "POST /api/restore failed: $(cat "$work/result.json" 2>/dev/null)"
id="$(grep -o '"id":"[0-9a-f]\{32\}"' "$work/result.json" | head -1 | cut -d'"' -f4)"
[[ -n "$id" ]] || fail "no result id in the API's answer: $(head -c 300 "$work/result.json")"
echo "browser-test: restored with 3 methods in $(( ($(date +%s%N) - start) / 1000000 )) ms (id $id)"

flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1
       --virtual-time-budget=15000 --user-data-dir="$work/profile")
page="${url}#result=$id"
# The DOM after the page's script ran: the panels, download links and the metrics table must be there.
"$browser" "${flags[@]}" --dump-dom "$page" >"$work/dom.html" 2>"$work/chromium.log" || { tail -5 "$work/chromium.log" >&2; fail "Chromium failed."; }
for needle in 'class="panel"' 'Download PNG' 'RL accelerated' '<table>' 'PSNR' 'motion:15,30' 'Sharp reference'; do
    grep -q "$needle" "$work/dom.html" || fail "the rendered page lacks '$needle' (see the screenshot, if any)."
done
panels=$(grep -o 'class="panel"' "$work/dom.html" | wc -l)
[[ "$panels" == 5 ]] || fail "expected 5 panels (blurred, 3 methods, reference), found $panels."

echo "browser-test: the result address rendered 5 panels and the metrics table"

# Drive the page as a person would (file picker, PSF field, Restore button, slider, zoom) through the
# DevTools protocol, and save the full-page screenshot.
printf 'hello, I am a text file\n' >"$work/notes.png"
mkdir -p "$(dirname "$out")"
python3 scripts/browser_drive.py "$browser" "$url" "$work/set/blurred/chelsea.png" "$work/set/sharp/chelsea.png" \
    "$work/notes.png" "$work/shot.png" || fail "driving the page failed."
mv "$work/shot.png" "$out"

# The "Learn" section: every lesson driven as a student would (sliders, exercise right and wrong), a
# screenshot of each beside OUT (learn-NAME.png), then thirty tabs moving sliders at once.
python3 scripts/lessons_drive.py "$browser" "$url" "$(dirname "$out")" || fail "driving the lessons failed."
python3 scripts/lesson_burst.py "$url" || fail "the lessons' burst test failed."
echo "browser-test: passed; screenshots $out and $(dirname "$out")/learn-*.png"
