#!/usr/bin/env bash
# Load test of the web app (a script, not a unit test): starts `deblur serve` on a free loopback port,
# sends N concurrent `POST /api/restore` requests (default 50) of a 512×512 RGB photo with the Wiener
# method, and reports errors, throughput, p50/p95 latency and the server's peak resident memory (VmHWM).
#
#   scripts/load-test.sh [--requests 50] [--concurrency 50] [--workers N] [--bin .build/release/deblur]
#
# Uses the release build when it is present (build it with `swift build -c release`), else debug.
# The client is Python's standard library only; all traffic stays on 127.0.0.1 and the run is bounded
# (N requests, 300 s timeout each). Exits non-zero if any request fails.
set -euo pipefail
cd "$(dirname "$0")/.."
requests=50
concurrency=50
workers=""
bin=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --requests) requests="$2"; shift 2 ;;
        --concurrency) concurrency="$2"; shift 2 ;;
        --workers) workers="$2"; shift 2 ;;
        --bin) bin="$2"; shift 2 ;;
        *) echo "load-test: unknown option $1" >&2; exit 2 ;;
    esac
done
source scripts/lib/serve.sh
serve_setup load-test "$bin"
serve_photo

args=(--max-queued "$requests")
[[ -n "$workers" ]] && args+=(--workers "$workers")
serve_start "${args[@]}"
idle_rss=$(awk '/VmRSS/ {print $2}' "/proc/$server_pid/status")

echo "load-test: $bin, $requests requests of 512×512 RGB with wiener, $concurrency at once, server pid $server_pid"
set +e
python3 - "$url" "$photo" "$requests" "$concurrency" "$server_pid" <<'EOF'
import http.client, json, math, sys, threading, time, urllib.parse, uuid

url, image_path, total, concurrency, pid = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
target = urllib.parse.urlparse(url)
image = open(image_path, "rb").read()
boundary = uuid.uuid4().hex
body = b"".join([
    f"--{boundary}\r\nContent-Disposition: form-data; name=\"methods\"\r\n\r\nwiener\r\n".encode(),
    f"--{boundary}\r\nContent-Disposition: form-data; name=\"psf\"\r\n\r\ngaussian:2\r\n".encode(),
    f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"astronaut.png\"\r\nContent-Type: image/png\r\n\r\n".encode(),
    image, f"\r\n--{boundary}--\r\n".encode()])

latencies, errors, lock = [], [], threading.Lock()
peak = {"rss": 0}
gate = threading.Semaphore(concurrency)
done = threading.Event()

def sample_memory():
    while not done.is_set():
        try:
            for line in open(f"/proc/{pid}/status"):
                if line.startswith("VmRSS"):
                    peak["rss"] = max(peak["rss"], int(line.split()[1]))
        except OSError:
            pass
        time.sleep(0.05)

def one():
    with gate:
        start = time.monotonic()
        try:
            conn = http.client.HTTPConnection(target.hostname, target.port, timeout=300)
            conn.request("POST", "/api/restore", body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})
            response = conn.getresponse()
            data = response.read()
            conn.close()
            if response.status != 200:
                raise RuntimeError(f"HTTP {response.status}: {data[:200]!r}")
            answer = json.loads(data)
            if len(answer["results"]) != 1:
                raise RuntimeError("no result in the answer")
            with lock:
                latencies.append(time.monotonic() - start)
        except Exception as error:  # any failure counts; the message is printed below
            with lock:
                errors.append(str(error))

sampler = threading.Thread(target=sample_memory, daemon=True)
sampler.start()
threads = [threading.Thread(target=one) for _ in range(total)]
t0 = time.monotonic()
for t in threads: t.start()
for t in threads: t.join()
elapsed = time.monotonic() - t0
done.set()
sampler.join()
hwm = 0
for line in open(f"/proc/{pid}/status"):
    if line.startswith("VmHWM"):
        hwm = int(line.split()[1])

def percentile(values, p):
    s = sorted(values)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)] if s else float("nan")  # nearest rank

print(f"requests {total}, ok {len(latencies)}, errors {len(errors)}")
for e in errors[:5]: print("  error:", e)
print(f"wall time {elapsed:.2f} s, throughput {len(latencies) / elapsed:.2f} requests/s")
print(f"latency p50 {percentile(latencies, 50):.2f} s, p95 {percentile(latencies, 95):.2f} s, max {max(latencies, default=float('nan')):.2f} s")
print(f"server peak RSS {max(hwm, peak['rss']) / 1024:.0f} MiB (VmHWM)")
sys.exit(1 if errors else 0)
EOF
status=$?
set -e
echo "load-test: server RSS when idle before the run: $((idle_rss / 1024)) MiB"
health="$(curl -s "${url}healthz" || true)"
echo "load-test: after the run /healthz says $health"
exit $status
