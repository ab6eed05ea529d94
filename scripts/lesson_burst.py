#!/usr/bin/env python3
"""Thirty browser tabs moving lesson sliders at once: does the server stay responsive?

    lesson_burst.py BASE_URL [--tabs 30] [--moves 20] [--gap-ms 15] [--json OUT.json]

Each simulated tab sends --moves figure requests for the Wiener and blur lessons, one every --gap-ms, each
with the tab's id and the next sequence number and without waiting for the previous answer — a slider
dragged with the page's debounce and abort turned off, the worst a page can do. The server computes only
a tab's newest request (latest wins) and answers the superseded ones 409. Meanwhile a monitor asks
/healthz every 100 ms, and once the burst is sent a fresh tab asks for one figure. Reports how many requests
were computed, superseded or refused, the health checks' latency during the burst, the fresh tab's latency
and the time until every answer was in. Standard library only.
"""
import json, statistics, sys, threading, time, urllib.error, urllib.request


def fetch(url, timeout=120):
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            r.read()
            status = r.status
    except urllib.error.HTTPError as e:
        e.read()
        status = e.code
    except Exception:
        status = -1
    return status, (time.monotonic() - started) * 1000


def main():
    args = sys.argv[1:]
    base = args[0].rstrip("/") + "/"
    opt = {args[i]: args[i + 1] for i in range(1, len(args) - 1, 2)}
    tabs, moves, gap = int(opt.get("--tabs", 30)), int(opt.get("--moves", 20)), float(opt.get("--gap-ms", 15)) / 1000
    statuses, lock = [], threading.Lock()
    health, stop = [], threading.Event()

    def monitor():
        while not stop.is_set():
            s, ms = fetch(base + "healthz", timeout=30)
            health.append((s, ms))
            time.sleep(0.1)

    last = {}

    def request(url, tab_index, final):
        s, ms = fetch(url)
        with lock:
            statuses.append((s, ms))
            if final:
                last[tab_index] = s

    def tab(i):
        threads = []
        for k in range(moves):
            if i % 2 == 0:
                url = f"{base}api/lessons/wiener?family=motion&size=15&sigma=0.01&nsr={10 ** (-3 + 2.5 * k / moves):.4g}"
            else:
                url = f"{base}api/lessons/blur?family=disk&size=7&sigma={0.001 * (k + 1):.3f}"
            t = threading.Thread(target=request, args=(f"{url}&client=burst{i}&seq={k + 1}", i, k == moves - 1))
            t.start()
            threads.append(t)
            time.sleep(gap)
        for t in threads:
            t.join()

    # Warm the caches the slider moves rely on (each lesson's first figure for this PSF and noise).
    fetch(f"{base}api/lessons/wiener?family=motion&size=15&sigma=0.01")
    fetch(f"{base}api/lessons/blur?family=disk&size=7&sigma=0.001")
    m = threading.Thread(target=monitor)
    m.start()
    started = time.monotonic()
    workers = [threading.Thread(target=tab, args=(i,)) for i in range(tabs)]
    for w in workers:
        w.start()
    time.sleep(moves * gap)
    fresh_status, fresh_ms = fetch(f"{base}api/lessons/borders?border=reflect&client=fresh&seq=1")
    for w in workers:
        w.join()
    settled = (time.monotonic() - started) * 1000
    stop.set()
    m.join()
    counts = {}
    for s, _ in statuses:
        counts[s] = counts.get(s, 0) + 1
    computed = [ms for s, ms in statuses if s == 200]
    hl = [ms for s, ms in health]
    result = {
        "tabs": tabs, "moves": moves, "gap_ms": gap * 1000, "requests": len(statuses),
        "statuses": {str(k): v for k, v in sorted(counts.items())},
        "computed_latency_ms": {"median": statistics.median(computed) if computed else None, "max": max(computed) if computed else None},
        "healthz_ms": {"n": len(hl), "median": statistics.median(hl), "max": max(hl), "failed": sum(1 for s, _ in health if s != 200)},
        "fresh_tab": {"status": fresh_status, "ms": fresh_ms},
        "settled_ms": settled,
        "tabs_with_their_last_position_computed": sum(1 for v in last.values() if v == 200),
    }
    print(f"lesson-burst: {tabs} tabs × {moves} moves every {gap * 1000:.0f} ms = {len(statuses)} requests: "
          + ", ".join(f"{v} × {k}" for k, v in sorted(counts.items()))
          + f"; all answered {settled / 1000:.1f} s after the first; every tab's last position computed: "
          + f"{result['tabs_with_their_last_position_computed']} of {tabs}")
    print(f"lesson-burst: /healthz during the burst: median {result['healthz_ms']['median']:.1f} ms, max {result['healthz_ms']['max']:.1f} ms "
          f"({len(hl)} checks, {result['healthz_ms']['failed']} failed); a fresh tab's figure: {fresh_status} in {fresh_ms:.0f} ms")
    if "--json" in opt:
        with open(opt["--json"], "w") as f:
            json.dump(result, f, indent=2)
    if counts.get(-1) or counts.get(500) or result["healthz_ms"]["failed"] or fresh_status != 200 \
            or result["tabs_with_their_last_position_computed"] != tabs:
        print("lesson-burst: FAILED: connection errors, server errors, failed health checks, a refused fresh tab "
              "or a tab whose last slider position was not computed", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
