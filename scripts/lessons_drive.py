#!/usr/bin/env python3
"""Drives every lesson of the web app's "Learn" section in headless Chromium, as a student would.

    lessons_drive.py CHROMIUM BASE_URL OUT_DIR [--json RESULT.json]

For each lesson: open /learn/NAME and wait for the first figure; move a slider (or a select) several times,
waiting each time for the figure to come back, and check that the picture and the score changed; record the
page's own latency of each update (request sent → figure drawn, `document.body.dataset.latency`); answer the
exercise once wrongly and once rightly — the right answer found through the page the way a student would
(the blur lesson's crossing noise level by bisection with the noise slider, the RL peak by scrubbing) or read
from the figure — and check that the page tells them apart; save a full-page screenshot OUT_DIR/learn-NAME.png.
The RL lesson also times scrubbing a precomputed iteration (slider → new picture decoded).
Prints one line per lesson and a summary; exits non-zero with a message on the first failed check.
Standard library only; reuses browser_drive.py's DevTools client.
"""
import base64, json, os, statistics, subprocess, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser_drive import launch  # noqa: E402


def fail(message):
    raise RuntimeError(message)


class Lesson:
    def __init__(self, dt, base, name):
        self.dt, self.name = dt, name
        dt.call("Page.navigate", url=f"{base}learn/{name}")
        dt.wait_for(f"document.body && document.body.dataset.lesson === '{name}' && Number(document.body.dataset.updates || 0) >= 1",
                    f"the first figure of lesson {name}", 120)
        self.latencies = []

    def updates(self):
        return int(self.dt.evaluate("Number(document.body.dataset.updates || 0)"))

    def set(self, element_id, value, wait=True):
        """Moves a control and waits for the figure it asks for; returns the page-measured latency (ms)."""
        before = self.updates()
        self.dt.evaluate(f"(() => {{ const e = document.getElementById({json.dumps(element_id)}); e.value = {json.dumps(str(value))};"
                         f" e.dispatchEvent(new Event('input')); }})()")
        if not wait:
            return None
        self.dt.wait_for(f"Number(document.body.dataset.updates || 0) > {before}", f"{self.name}: the figure after {element_id} = {value}", 120)
        error = self.dt.evaluate("document.getElementById('error').hidden ? '' : document.getElementById('error').textContent")
        if error:
            fail(f"{self.name}: the page shows an error after {element_id} = {value}: {error}")
        latency = float(self.dt.evaluate("Number(document.body.dataset.latency)"))
        self.latencies.append(latency)
        return latency

    def number(self, key):
        return self.dt.evaluate(f"window.lastFigure.numbers[{json.dumps(key)}]")

    def picture(self, name):
        return self.dt.evaluate(f"(document.querySelector('img[data-picture=\"{name}\"]') || {{}}).src || ''")

    def answer(self, value):
        """Submits an answer; returns (correct, message)."""
        self.dt.evaluate(f"(() => {{ const v = document.getElementById('verdict'); v.hidden = true; delete v.dataset.correct;"
                         f" document.getElementById('answer').value = {json.dumps(str(value))};"
                         f" document.querySelector('#exercise button').click(); }})()")
        self.dt.wait_for("document.getElementById('verdict').dataset.correct !== undefined || "
                         "document.getElementById('verdict').className.includes('wrong')", f"{self.name}: the verdict", 120)
        return (self.dt.evaluate("document.getElementById('verdict').dataset.correct") == "true",
                self.dt.evaluate("document.getElementById('verdict').textContent"))

    def expect_verdicts(self, right, wrong):
        ok, message = self.answer(wrong)
        if ok:
            fail(f"{self.name}: the wrong answer {wrong!r} was accepted: {message}")
        ok, message = self.answer(right)
        if not ok:
            fail(f"{self.name}: the right answer {right!r} was refused: {message}")
        return message

    def changed(self, picture, key, action):
        before_src, before_score = self.picture(picture), self.number(key)
        action()
        after_src, after_score = self.picture(picture), self.number(key)
        if after_src == before_src:
            fail(f"{self.name}: the {picture} picture did not change")
        if after_score == before_score:
            fail(f"{self.name}: {key} did not change ({after_score})")

    def screenshot(self, out_dir):
        dt = self.dt
        dt.evaluate("window.scrollTo(0, 0)")
        height = dt.evaluate("Math.ceil(document.documentElement.scrollHeight)")
        dt.call("Emulation.setDeviceMetricsOverride", width=1280, height=height, deviceScaleFactor=1, mobile=False)
        time.sleep(0.4)
        path = os.path.join(out_dir, f"learn-{self.name}.png")
        with open(path, "wb") as f:
            f.write(base64.b64decode(dt.call("Page.captureScreenshot", format="png")["data"]))
        dt.call("Emulation.setDeviceMetricsOverride", width=1280, height=900, deviceScaleFactor=1, mobile=False)
        return path


def drive(dt, base, out_dir):
    results = {}

    # 1. Blur is convolution: the noise slider; the crossing noise level found by bisection with it.
    l = Lesson(dt, base, "blur")
    l.changed("inverse", "psnr_inverse", lambda: l.set("sigma", "0.01"))
    for s in ["0.002", "0.0035", "0.02", "0.0005", "0.006"]:
        l.set("sigma", s)
    l.set("family", "gaussian")
    l.set("size", "1")
    lo, hi = 0, 100                     # slider steps of 0.0005 (0 … 0.05)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        l.set("sigma", f"{mid * 0.0005:.4f}")
        if l.number("psnr_inverse") > l.number("psnr_blurred"):
            lo = mid
        else:
            hi = mid
    found = lo * 0.0005
    message = l.expect_verdicts(f"{found:.4f}", "0.045")
    results["blur"] = {"latencies_ms": l.latencies, "answer": found, "verdict": message}
    # A student's own picture, through the file picker: the figure comes back for it.
    own = os.path.join("Data", "builtin", "chelsea.png")
    if os.path.exists(own):
        before = l.updates()
        dt.set_file("#upload", os.path.abspath(own))
        dt.wait_for(f"Number(document.body.dataset.updates || 0) > {before} && window.lastFigure.image.startsWith('u')",
                    "blur: the figure of the uploaded picture", 60)
        if not l.picture("sharp") or l.number("psnr_blurred") is None:
            fail("blur: no figure for the uploaded picture")
        dt.evaluate("document.getElementById('standard').click()")
        dt.wait_for("window.lastFigure.image === 'astronaut' || !window.lastFigure.image.startsWith('u')", "blur: back to the built-in picture", 60)
        results["blur"]["upload"] = "ok"
    l.screenshot(out_dir)

    # 2. Wiener's trade-off: the NSR slider (log scale), the answer read off the curve's optimum.
    l = Lesson(dt, base, "wiener")
    l.changed("restored", "psnr_restored", lambda: l.set("nsr", "-3"))
    for v in ["-2.5", "-2", "-1.5", "-1", "-0.5", "-1.7"]:
        l.set("nsr", v)
    message = l.expect_verdicts(f"{l.number('nsr_best'):.4g}", "0.0001")
    results["wiener"] = {"latencies_ms": l.latencies, "verdict": message}
    l.screenshot(out_dir)

    # 3. Richardson–Lucy: the figure comes with its iterates; scrub them and time each step.
    l = Lesson(dt, base, "rl")
    frames = dt.evaluate("window.rlFrames.length")
    scrub = []
    for i in [0, 5, 10, frames // 2, frames - 1, 3]:
        ms = dt.evaluate(f"""(async () => {{
            const s = document.getElementById('iteration'), img = document.getElementById('frame');
            const t0 = performance.now(); s.value = {i}; s.dispatchEvent(new Event('input'));
            await img.decode(); return performance.now() - t0; }})()""")
        scrub.append(float(ms))
    caption = dt.evaluate("document.getElementById('frame-caption').textContent")
    if "iteration" not in caption:
        fail(f"rl: the frame caption does not name the iteration: {caption!r}")
    peak = int(l.number("peak_iteration_0.02"))
    message = l.expect_verdicts(str(peak), str(int(dt.evaluate("window.rlFrames[window.rlFrames.length - 1].step"))))
    # Switching the variant asks for new iterates.
    frame, score = dt.evaluate("document.getElementById('frame').src"), l.number("peak_psnr_0.02")
    l.set("variant", "tv")
    if dt.evaluate("document.getElementById('frame').src") == frame or l.number("peak_psnr_0.02") == score:
        fail("rl: switching to total variation changed neither the iterate shown nor the peak score")
    results["rl"] = {"latencies_ms": l.latencies, "scrub_ms": scrub, "frames": frames, "verdict": message}
    l.screenshot(out_dir)

    # 4. Borders: each border handling on honest blur; the best one is the answer.
    l = Lesson(dt, base, "borders")
    l.changed("restored", "psnr_restored", lambda: l.set("border", "reflect"))
    for b in ["taper", "none", "reflect", "none", "taper"]:
        l.set("border", b)
    l.set("blur", "circular")
    l.set("blur", "valid")
    scores = {b: l.number(f"psnr_valid_{b}") for b in ["none", "reflect", "taper"]}
    best = max(scores, key=scores.get)
    worst = min(scores, key=scores.get)
    message = l.expect_verdicts(best, worst)
    l.set("border", best)
    results["borders"] = {"latencies_ms": l.latencies, "valid": scores, "verdict": message}
    l.screenshot(out_dir)

    # 5. The PSF: move the guess onto the hidden blur, ask the estimator.
    l = Lesson(dt, base, "psf")
    before = dt.evaluate("document.querySelector('svg.overlay').innerHTML")
    l.set("angle", "35")
    l.set("length", "17")
    if dt.evaluate("document.querySelector('svg.overlay').innerHTML") == before:
        fail("psf: the overlay of predicted zeros did not move")
    dt.evaluate("(() => { const e = document.getElementById('estimate'); e.checked = true; e.dispatchEvent(new Event('input')); })()")
    dt.wait_for("window.lastFigure.numbers.estimated_length !== undefined", "psf: the estimator's answer", 120)
    message = l.expect_verdicts("17,35", "9,0")
    results["psf"] = {"latencies_ms": l.latencies, "estimated": [l.number("estimated_length"), l.number("estimated_angle")], "verdict": message}
    l.screenshot(out_dir)

    # 6. Classical versus learned: every method once, then the plug-and-play iterates stepped through.
    l = Lesson(dt, base, "versus")
    rows = dt.evaluate("document.querySelectorAll('#rows tr').length")
    if rows < 4:
        fail(f"versus: the score table has {rows} rows, expected a header and at least blurred, classical, one learned")
    steps = int(dt.evaluate("Number(document.getElementById('step').max)"))
    classical = l.number("psnr_1")
    overtake = None
    for k in range(1, steps + 1):
        dt.evaluate(f"(() => {{ const s = document.getElementById('step'); s.value = {k}; s.dispatchEvent(new Event('input')); }})()")
        caption = dt.evaluate("document.getElementById('caption-z').textContent")
        if f"iteration {k}:" not in caption:
            fail(f"versus: stepping to iteration {k} left the caption at {caption!r}")
        psnr = l.number(f"psnr_z_{k}")
        if overtake is None and psnr > classical:
            overtake = k
    message = l.expect_verdicts(str(overtake) if overtake else "never", "never" if overtake else "1")
    l.changed("row-1", "psnr_1", lambda: l.set("size", "9"))
    results["versus"] = {"latencies_ms": l.latencies, "overtake": overtake, "verdict": message}
    l.screenshot(out_dir)
    return results


def main():
    chromium, base, out_dir = sys.argv[1:4]
    report = sys.argv[5] if len(sys.argv) > 5 and sys.argv[4] == "--json" else None
    os.makedirs(out_dir, exist_ok=True)
    browser, dt = launch(chromium, width=1280, height=900)
    try:
        results = drive(dt, base, out_dir)
    finally:
        browser.terminate()
        try:
            browser.wait(timeout=10)
        except subprocess.TimeoutExpired:
            browser.kill()
    for name, r in results.items():
        lat = r["latencies_ms"]
        extra = f", scrub median {statistics.median(r['scrub_ms']):.1f} ms (max {max(r['scrub_ms']):.1f})" if "scrub_ms" in r else ""
        print(f"lessons-drive: {name}: {len(lat)} updates, median {statistics.median(lat):.0f} ms, max {max(lat):.0f} ms{extra}; "
              f"exercise told right from wrong")
    if report:
        with open(report, "w") as f:
            json.dump(results, f, indent=2)
    print(f"lessons-drive: passed; screenshots in {out_dir}")


if __name__ == "__main__":
    try:
        main()
    except Exception as error:
        print(f"lessons-drive: FAILED: {error}", file=sys.stderr)
        sys.exit(1)
