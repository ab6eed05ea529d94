# Shared by the web scripts (load-test.sh, soak.sh, stalled-connections.sh): source it, then
#   serve_setup NAME BIN        # pick the binary (release, else debug), check Data/, make $work, set the trap
#   serve_photo                 # $photo: a 512×512 blurred astronaut (Gaussian σ=2, reflect borders, σ=0.01)
#   serve_start ARGS…           # `deblur serve --port 0 ARGS…` in the background; sets $server_pid and $url
# Everything stays on 127.0.0.1; the trap stops the server and removes $work.

serve_setup() {
    script_name="$1"
    bin="$2"
    if [[ -z "$bin" ]]; then
        bin=.build/release/deblur
        [[ -x "$bin" ]] || bin=.build/debug/deblur
    fi
    [[ -x "$bin" ]] || { echo "$script_name: no deblur binary; run swift build -c release" >&2; exit 1; }
    [[ -f Data/builtin/astronaut.png ]] || { echo "$script_name: Data/builtin is missing; run scripts/setup.sh" >&2; exit 1; }
    work="$(mktemp -d)"
    server_pid=""
    trap serve_cleanup EXIT
}

serve_cleanup() {
    if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}

serve_photo() {
    mkdir -p "$work/sharp"
    cp Data/builtin/astronaut.png "$work/sharp/"
    "$bin" degrade "$work/sharp" --psf gaussian:2 --boundary reflect --seed 0 -o "$work/set" >/dev/null
    photo="$work/set/blurred/astronaut.png"
}

serve_start() {
    "$bin" serve --port 0 "$@" >"$work/server.log" 2>&1 &
    server_pid=$!
    url=""
    for _ in $(seq 1 100); do
        url="$(grep -o 'http://127.0.0.1:[0-9]*/' "$work/server.log" || true)"
        [[ -n "$url" ]] && break
        sleep 0.1
    done
    [[ -n "$url" ]] || { cat "$work/server.log" >&2; echo "$script_name: the server did not start" >&2; exit 1; }
}
