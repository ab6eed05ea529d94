#!/usr/bin/env bash
# Measures vapor/multipart-kit 4.7.1's parser against ours (Sources/WebApp/Multipart.swift) on a
# 20 MB binary upload, and checks how each treats a cut-short upload and a malformed part header.
# Why the web app keeps its own parser (issue #29); the figures are in README.md ("Web app").
# Usage: scripts/bench/multipart_kit.sh   (builds a throw-away package in a temporary folder)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/Sources/mpbench"
cp "$here/multipart-kit/Package.swift" "$work/Package.swift"
cp "$here/multipart-kit/main.swift" "$work/Sources/mpbench/main.swift"
# Our parser under other names, so both live in one module.
sed -e 's/MultipartPart/OurPart/g' -e 's/public enum MultipartParser/public enum OurParser/' -e 's/MultipartError/OurError/g' \
    "$root/Sources/WebApp/Multipart.swift" > "$work/Sources/mpbench/Ours.swift"
echo "building (release) in $work …" >&2
swift build -c release --package-path "$work" >&2
grep -m1 "model name" /proc/cpuinfo || true
"$work/.build/release/mpbench"
