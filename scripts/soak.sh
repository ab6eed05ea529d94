#!/usr/bin/env bash
# Soak test of the web app (a script, not a unit test; issue #28): starts `deblur serve` on a free
# loopback port with a short request timeout and, for a bounded time (default 600 s), keeps four
# clients busy with a mix — valid restorations (whose result files are then fetched), invalid uploads
# (a bad PSF, a file that is not an image), slow clients that stall mid-upload past the timeout, clients
# that disconnect mid-upload, and page/API reads. It reports server errors (5xx), unexpected answers,
# lost results, latency percentiles of the valid restorations, and the server's memory over time:
# idle before, 10 s in (networks loaded, caches warm), peak, and after 30 s of rest. Exits non-zero on
# any server error, lost result, slow client left open, or memory after the rest more than 20 % above
# the idle figure before the soak (the worker pool returns freed memory when it falls idle).
#
#   scripts/soak.sh [--seconds 600] [--bin .build/release/deblur]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=600
bin=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --seconds) seconds="$2"; shift 2 ;;
        --bin) bin="$2"; shift 2 ;;
        *) echo "soak: unknown option $1" >&2; exit 2 ;;
    esac
done
source scripts/lib/serve.sh
serve_setup soak "$bin"
serve_photo

serve_start --request-timeout 3
echo "soak: $bin, $seconds s, server pid $server_pid, request timeout 3 s; CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
set +e
python3 - "$url" "$photo" "$seconds" "$server_pid" <<'PY'
import http.client, json, math, random, socket, sys, threading, time, urllib.parse, uuid

url, image_path, seconds, pid = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
target = urllib.parse.urlparse(url)
image = open(image_path, "rb").read()

def form(fields, files):
    boundary = uuid.uuid4().hex
    parts = [f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n".encode() for k, v in fields]
    for name, filename, data in files:
        parts.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"

valid = form([("methods", "wiener"), ("psf", "gaussian:2")], [("image", "a.png", image)])
bad_psf = form([("methods", "wiener"), ("psf", "gaussian:0x10")], [("image", "a.png", image)])
not_image = form([("methods", "wiener"), ("psf", "gaussian:2")], [("image", "a.png", b"this is not a png" * 100)])

def rss():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return float("nan")

lock = threading.Lock()
stats = {"valid": 0, "refused": 0, "slow": 0, "slow_not_closed": 0, "disconnect": 0, "reads": 0,
         "server_errors": [], "unexpected": [], "lost_results": 0}
latencies = []
memory = []
stop = time.monotonic() + seconds

def request(method, path, body=None, content_type=None):
    conn = http.client.HTTPConnection(target.hostname, target.port, timeout=120)
    headers = {"Content-Type": content_type} if content_type else {}
    conn.request(method, path, body, headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, data

def raw(data, then_wait):
    s = socket.create_connection((target.hostname, target.port), timeout=10)
    s.sendall(data)
    if then_wait:
        # Stall past the 3 s request timeout: the server must close the connection.
        s.settimeout(8)
        closed = False
        try:
            while True:
                if s.recv(65536) == b"":
                    closed = True
                    break
        except (socket.timeout, ConnectionResetError):
            closed = not isinstance(sys.exc_info()[1], socket.timeout)
        s.close()
        return closed
    s.close()
    return True

def client(seed):
    rng = random.Random(seed)
    while time.monotonic() < stop:
        kind = rng.random()
        try:
            if kind < 0.5:
                t0 = time.monotonic()
                status, data = request("POST", "/api/restore", *valid)
                if status >= 500:
                    with lock: stats["server_errors"].append(f"restore {status}")
                    continue
                if status != 200:
                    with lock: stats["unexpected"].append(f"restore {status} {data[:120]!r}")
                    continue
                answer = json.loads(data)
                with lock:
                    latencies.append(time.monotonic() - t0)
                    stats["valid"] += 1
                for result in answer["results"]:
                    s2, _ = request("GET", result["url"])
                    if s2 != 200:
                        with lock: stats["lost_results"] += 1
            elif kind < 0.7:
                body, ctype = bad_psf if kind < 0.6 else not_image
                status, data = request("POST", "/api/restore", body, ctype)
                with lock:
                    if status >= 500: stats["server_errors"].append(f"invalid upload {status}")
                    elif status in (400, 413, 415, 422): stats["refused"] += 1
                    else: stats["unexpected"].append(f"invalid upload answered {status}")
            elif kind < 0.8:
                body, ctype = valid
                head = f"POST /api/restore HTTP/1.1\r\nHost: x\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
                closed = raw(head + body[: len(body) // 2], then_wait=True)
                with lock:
                    stats["slow"] += 1
                    if not closed: stats["slow_not_closed"] += 1
            elif kind < 0.9:
                body, ctype = valid
                head = f"POST /api/restore HTTP/1.1\r\nHost: x\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
                raw(head + body[: len(body) // 3], then_wait=False)
                with lock: stats["disconnect"] += 1
            else:
                for path in ("/", "/api/methods", "/healthz"):
                    status, _ = request("GET", path)
                    with lock:
                        if status != 200: stats["server_errors" if status >= 500 else "unexpected"].append(f"GET {path} {status}")
                        else: stats["reads"] += 1
        except Exception as error:
            with lock: stats["unexpected"].append(f"client error: {error}")

def sampler():
    start = time.monotonic()
    while time.monotonic() < stop:
        memory.append((time.monotonic() - start, rss()))
        time.sleep(5)

idle_before = rss()
threads = [threading.Thread(target=client, args=(i,)) for i in range(4)] + [threading.Thread(target=sampler)]
for t in threads: t.start()
for t in threads: t.join()
time.sleep(30)
idle_after = rss()
peak = max((m for _, m in memory), default=float("nan"))
warm = memory[min(len(memory) - 1, 2)][1] if memory else float("nan")   # 10 s in: networks and caches loaded

def percentile(values, p):
    s = sorted(values)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)] if s else float("nan")

print(f"valid restorations {stats['valid']} (results fetched back; lost {stats['lost_results']}), invalid uploads refused {stats['refused']}, "
      f"slow clients {stats['slow']} (not closed: {stats['slow_not_closed']}), disconnects {stats['disconnect']}, page/API reads {stats['reads']}")
print(f"server errors (5xx) {len(stats['server_errors'])}, unexpected answers {len(stats['unexpected'])}")
for e in (stats["server_errors"] + stats["unexpected"])[:8]: print("  ", e)
print(f"restore latency p50 {percentile(latencies, 50):.2f} s, p95 {percentile(latencies, 95):.2f} s, p99 {percentile(latencies, 99):.2f} s")
print(f"memory: idle before {idle_before:.0f} MiB, 10 s in {warm:.0f} MiB, peak {peak:.0f} MiB, after 30 s of rest {idle_after:.0f} MiB")
print("memory over time (s, MiB): " + ", ".join(f"{t:.0f}:{m:.0f}" for t, m in memory[:: max(1, len(memory) // 12)]))
bounded = idle_after <= 1.2 * idle_before
print(f"memory after the rest {100 * (idle_after / idle_before - 1):+.0f} % of the idle figure before the soak "
      f"({100 * (idle_after / warm - 1):+.0f} % of the warmed-up one): {'within' if bounded else 'NOT within'} 20 %")
sys.exit(1 if stats["server_errors"] or stats["lost_results"] or stats["slow_not_closed"] or not bounded else 0)
PY
status=$?
set -e
echo "soak: error-level lines in the server log: $(grep -c " error " "$work/server.log" || true)"
exit $status
