#!/usr/bin/env python3
"""Drives the web app's page in headless Chromium through the DevTools protocol, as a person would.

    browser_drive.py CHROMIUM PAGE_URL BLURRED.png SHARP.png NOT_AN_IMAGE.png OUT.png

Steps: open the page; choose a text file renamed .png with the file picker and press Restore (the page
must show the server's message); choose the blurred photo with the picker and drop its sharp reference
on the reference zone (drag and drop), tick Wiener, Tikhonov
and RL accelerated, type the PSF spec, press Restore; wait for the side-by-side panels and the metrics
table; move the before/after slider and zoom all panels to 200 %; then zoom back to Fit and save a
full-page screenshot. Standard library only (a minimal WebSocket client), loopback only, bounded waits.
Exits non-zero with a message on the first failed check.
"""
import base64, json, os, re, socket, struct, subprocess, sys, tempfile, time, urllib.request


class DevTools:
    """A minimal WebSocket (RFC 6455) client speaking the Chrome DevTools protocol to one page."""

    def __init__(self, ws_url):
        m = re.match(r"ws://([^:/]+):(\d+)(/.*)", ws_url)
        self.sock = socket.create_connection((m.group(1), int(m.group(2))), timeout=120)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {m.group(3)} HTTP/1.1\r\nHost: {m.group(1)}:{m.group(2)}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        header = b""
        while b"\r\n\r\n" not in header:
            header += self.sock.recv(1)
        if b" 101 " not in header.split(b"\r\n")[0]:
            raise RuntimeError(f"WebSocket handshake refused: {header[:80]!r}")
        self.next_id = 0
        self.events = []

    def _send(self, text):
        payload = text.encode()
        mask = os.urandom(4)
        n = len(payload)
        head = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack(">H", n)
                                if n < 65536 else bytes([0x80 | 127]) + struct.pack(">Q", n))
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def _read_exact(self, n):
        data = bytearray()
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise RuntimeError("DevTools connection closed")
            data += chunk
        return bytes(data)

    def _receive(self):
        message = b""
        while True:
            b0, b1 = self._read_exact(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read_exact(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read_exact(8))[0]
            payload = self._read_exact(n)
            if b0 & 0x0F == 0x8:
                raise RuntimeError("DevTools closed the connection")
            message += payload
            if b0 & 0x80:
                return json.loads(message)

    def call(self, method, **params):
        self.next_id += 1
        self._send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = self._receive()
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression, what, timeout=180):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.evaluate(expression):
                return
            time.sleep(0.2)
        raise RuntimeError(f"timed out after {timeout} s waiting for {what}")

    def set_file(self, selector, path):
        root = self.call("DOM.getDocument")["root"]["nodeId"]
        node = self.call("DOM.querySelector", nodeId=root, selector=selector)["nodeId"]
        self.call("DOM.setFileInputFiles", files=[path], nodeId=node)
        # Make sure the page's change handler (preview, file name) ran, as after a real pick.
        self.evaluate(f"document.querySelector({json.dumps(selector)}).dispatchEvent(new Event('change'))")



def launch(chromium, width, height):
    """Starts headless Chromium with remote debugging and returns (process, DevTools client of its page)."""
    profile = tempfile.mkdtemp(prefix="deblur-chromium-")
    browser = subprocess.Popen([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                                "--remote-debugging-port=0", f"--user-data-dir={profile}", "about:blank"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        port = None
        deadline = time.monotonic() + 30
        while port is None and time.monotonic() < deadline:
            line = browser.stderr.readline()
            m = re.search(r"DevTools listening on ws://127.0.0.1:(\d+)/", line)
            if m:
                port = int(m.group(1))
            elif not line and browser.poll() is not None:
                raise RuntimeError("Chromium exited before opening DevTools")
        if port is None:
            raise RuntimeError("Chromium did not open DevTools within 30 s")
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10))
        dt = DevTools(next(t for t in targets if t["type"] == "page")["webSocketDebuggerUrl"])
        dt.call("Page.enable")
        dt.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)
        return browser, dt
    except Exception:
        browser.kill()
        raise


def main():
    chromium, page_url, blurred, sharp, bogus, out = sys.argv[1:7]
    browser, dt = launch(chromium, width=1400, height=900)
    try:
        dt.call("Page.navigate", url=page_url)
        dt.wait_for("document.querySelectorAll('.methods input').length > 0", "the method list", 30)

        # 1. A text file renamed .png: the page shows the server's message and no results.
        dt.set_file("#dropImage input", bogus)
        dt.evaluate("document.getElementById('psf').value = 'motion:15,30'; document.getElementById('run').click()")
        dt.wait_for("getComputedStyle(document.getElementById('error')).display === 'block'", "the error message", 60)
        message = dt.evaluate("document.getElementById('error').textContent")
        if "neither a PNG nor a JPEG" not in message:
            raise RuntimeError(f"unexpected error message for a text file: {message!r}")
        print(f"browser-drive: bad upload → {message[:90]}…")

        # 2. The real photo and its reference, three classical methods, a typed PSF spec.
        dt.set_file("#dropImage input", blurred)
        # The reference arrives by drag and drop onto its drop zone, as from a file manager.
        box = dt.evaluate("(() => { const r = document.getElementById('dropReference').getBoundingClientRect();"
                          " return [r.left + r.width / 2, r.top + r.height / 2]; })()")
        drag = {"items": [], "files": [sharp], "dragOperationsMask": 1}
        for kind in ("dragEnter", "dragOver", "drop"):
            dt.call("Input.dispatchDragEvent", type=kind, x=box[0], y=box[1], data=drag)
        dt.wait_for("document.querySelector('#dropReference input').files.length === 1", "the dropped reference", 10)
        if dt.evaluate("document.querySelector('#dropImage .name').textContent").find(os.path.basename(blurred)) < 0:
            raise RuntimeError("the drop zone does not show the chosen file's name")
        dt.evaluate("""
            document.querySelectorAll('.methods input').forEach(b => b.checked = ['wiener', 'tikhonov', 'rl-accel'].includes(b.value));
            document.getElementById('psf').value = 'motion:15,30';
            document.getElementById('run').click();
        """)
        t0 = time.monotonic()
        dt.wait_for("document.querySelectorAll('.panel').length === 5 && !!document.querySelector('#metrics table')",
                    "the results", 300)
        dt.wait_for("[...document.images].every(i => i.complete && i.naturalWidth > 0)", "the result images", 60)
        print(f"browser-drive: results rendered {time.monotonic() - t0:.1f} s after pressing Restore")
        if dt.evaluate("getComputedStyle(document.getElementById('error')).display") != "none":
            raise RuntimeError("the error box is still shown after a successful run")
        rows = dt.evaluate("document.querySelectorAll('#metrics tr').length")
        if rows != 5:  # header, baseline, three methods
            raise RuntimeError(f"the metrics table has {rows} rows, expected 5")
        if not dt.evaluate("location.hash.startsWith('#result=')"):
            raise RuntimeError("the page did not record the result in its address")

        # 3. The before/after slider and the synchronised zoom respond.
        clip = dt.evaluate("""
            const s = document.getElementById('slider'); s.value = 30; s.dispatchEvent(new Event('input'));
            document.getElementById('cmpTopWrap').style.clipPath""")
        if "70%" not in clip:
            raise RuntimeError(f"the slider did not move the before/after split (clip-path {clip!r})")
        synced = dt.evaluate("""
            document.querySelector('.zoom[data-zoom="2"]').click();
            const vps = [...document.querySelectorAll('.viewport')];
            vps[1].scrollLeft = 120; vps[1].dispatchEvent(new Event('scroll'));
            vps.every(v => v.scrollLeft === 120)""")
        if not synced:
            raise RuntimeError("scrolling one zoomed panel did not scroll the others")
        dt.evaluate("document.querySelector('.zoom[data-zoom=\"0\"]').click(); document.getElementById('slider').value = 50;"
                    "document.getElementById('slider').dispatchEvent(new Event('input')); window.scrollTo(0, 0)")

        height = dt.evaluate("Math.ceil(document.documentElement.scrollHeight)")
        dt.call("Emulation.setDeviceMetricsOverride", width=1400, height=height, deviceScaleFactor=1, mobile=False)
        time.sleep(0.5)
        shot = dt.call("Page.captureScreenshot", format="png")["data"]
        with open(out, "wb") as f:
            f.write(base64.b64decode(shot))
        print(f"browser-drive: screenshot {out} (1400×{height})")
    finally:
        browser.terminate()
        try:
            browser.wait(timeout=10)
        except subprocess.TimeoutExpired:
            browser.kill()


if __name__ == "__main__":
    try:
        main()
    except Exception as error:
        print(f"browser-drive: FAILED: {error}", file=sys.stderr)
        sys.exit(1)
