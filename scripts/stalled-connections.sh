#!/usr/bin/env bash
# Slow-loris check of the web app (issue #28's target: "1,000 stalled connections do not stop a valid
# upload from completing in under its normal time × 2"). Starts `deblur serve` on a free loopback port,
# times a valid upload (512×512 RGB photo, Wiener) three times, opens N connections that stall — a
# third send nothing, a third half their headers, a third a head and half a body — times the same
# upload three more times while they are held, then waits for the server to close the stalled ones
# (--request-timeout, default here 20 s). Reports the medians, their ratio, and how many stalled
# connections the server closed. Exits non-zero if the ratio is 2 or more or any stalled one stays open.
#
#   scripts/stalled-connections.sh [--connections 1000] [--timeout 20] [--bin .build/release/deblur]
set -euo pipefail
cd "$(dirname "$0")/.."
connections=1000
timeout=20
bin=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --connections) connections="$2"; shift 2 ;;
        --timeout) timeout="$2"; shift 2 ;;
        --bin) bin="$2"; shift 2 ;;
        *) echo "stalled-connections: unknown option $1" >&2; exit 2 ;;
    esac
done
source scripts/lib/serve.sh
serve_setup stalled-connections "$bin"
serve_photo
ulimit -n "$(ulimit -Hn)"   # the client holds the stalled sockets too
serve_start --request-timeout "$timeout"
echo "stalled-connections: $bin, $connections stalled, request timeout $timeout s; CPU:$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
python3 - "$url" "$photo" "$connections" "$timeout" "$server_pid" <<'PY'
import http.client, select, socket, statistics, sys, time, urllib.parse, uuid

url, image_path, count, timeout, pid = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
target = urllib.parse.urlparse(url)
image = open(image_path, "rb").read()
boundary = uuid.uuid4().hex
body = b"".join([
    f"--{boundary}\r\nContent-Disposition: form-data; name=\"methods\"\r\n\r\nwiener\r\n".encode(),
    f"--{boundary}\r\nContent-Disposition: form-data; name=\"psf\"\r\n\r\ngaussian:2\r\n".encode(),
    f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"astronaut.png\"\r\nContent-Type: image/png\r\n\r\n".encode(),
    image, f"\r\n--{boundary}--\r\n".encode()])

def upload():
    start = time.monotonic()
    connection = http.client.HTTPConnection(target.hostname, target.port, timeout=120)
    connection.request("POST", "/api/restore", body=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    response = connection.getresponse()
    response.read()
    connection.close()
    if response.status != 200:
        sys.exit(f"stalled-connections: a valid upload got {response.status}")
    return time.monotonic() - start

def fds():
    import os
    return len(os.listdir(f"/proc/{pid}/fd"))

upload()   # warm up (first-use caches)
alone = [upload() for _ in range(3)]
stalled = []
head = f"POST /api/restore HTTP/1.1\r\nHost: {target.hostname}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
opened = time.monotonic()
for i in range(count):
    s = socket.create_connection((target.hostname, target.port))
    if i % 3 == 1: s.sendall(head[: len(head) // 2])
    elif i % 3 == 2: s.sendall(head + body[: len(body) // 2])
    stalled.append(s)
time.sleep(0.5)
held = fds()
loaded = [upload() for _ in range(3)]
ratio = statistics.median(loaded) / statistics.median(alone)
# Wait for the server to close every stalled connection (its timeout, plus slack).
open_sockets = {s.fileno(): s for s in stalled}
poller = select.poll()
for fd in open_sockets: poller.register(fd, select.POLLIN)
deadline = opened + timeout + 15
while open_sockets and time.monotonic() < deadline:
    for fd, _ in poller.poll(500):
        try:
            gone = not open_sockets[fd].recv(4096)
        except OSError:
            gone = True
        if gone:
            poller.unregister(fd)
            del open_sockets[fd]
closed_after = time.monotonic() - opened
print(f"upload alone: median {statistics.median(alone):.3f} s ({', '.join(f'{t:.3f}' for t in alone)})")
print(f"with {count} stalled connections held (server had {held} open files): median {statistics.median(loaded):.3f} s "
      f"({', '.join(f'{t:.3f}' for t in loaded)}) — ratio {ratio:.2f} (target < 2)")
print(f"stalled connections closed by the server: {count - len(open_sockets)} of {count}, the last {closed_after:.1f} s after they opened "
      f"(request timeout {timeout:.0f} s); server open files now {fds()}")
sys.exit(0 if ratio < 2 and not open_sockets else 1)
PY
