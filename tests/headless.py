"""A page opened in real headless Chromium (Debian's `chromium`), driven over the DevTools
protocol: what the console said, which requests the page made, what it drew (a screenshot), and
how long it took. Tests skip with the reason where Chromium or the client libraries are missing."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def chromium_or_reason() -> tuple[str | None, str]:
    """(the browser's path, "") or (None, why the browser tests cannot run here)."""
    found = next((p for p in map(shutil.which, CHROMIUM_NAMES) if p), None)
    if found is None:
        return None, ("no chromium on PATH: install Debian's with `apt-get install -y chromium` "
                      "(.ci/run does) to run the browser checks of the HTML export")  # fmt: skip
    try:
        import PIL  # noqa: F401
        import websocket  # noqa: F401
    except ImportError as exc:
        return None, f"the browser checks need the test extras ({exc.name} is missing)"
    return found, ""


@dataclass
class PageRun:
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)  # every URL the page asked for
    load_ms: float = 0.0  # navigation to the page's first full drawing
    values: dict[str, Any] = field(default_factory=dict)  # what the `measure` expressions gave
    screenshots: dict[str, bytes] = field(default_factory=dict)  # element selector -> PNG


class Browser:
    """One headless Chromium with its own throwaway profile; `open` loads a page in a tab."""

    def __init__(self, binary: str, width: int = 1400, height: int = 1800) -> None:
        self.profile = tempfile.mkdtemp(prefix="partnerkb-chromium-")
        self.process = subprocess.Popen(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--no-default-browser-check", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--hide-scrollbars",
             "--disable-dev-shm-usage",
             "--force-device-scale-factor=1", f"--window-size={width},{height}",
             "--remote-debugging-port=0", f"--user-data-dir={self.profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        self.port = self._port()

    def _port(self) -> int:
        deadline = time.monotonic() + 60
        assert self.process.stderr is not None
        while time.monotonic() < deadline:
            line = self.process.stderr.readline()
            if not line and self.process.poll() is not None:
                raise RuntimeError("chromium ended before it listened")
            found = re.search(r"DevTools listening on ws://[^:]+:(\d+)/", line)
            if found:
                return int(found.group(1))
        raise RuntimeError("chromium did not start its DevTools server within 60 s")

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)

    def open(self, page: Path, *, measure: dict[str, str], screenshot: tuple[str, ...] = (),
             timeout: float = 600) -> PageRun:  # fmt: skip
        """Load `page` in a new tab, wait for it to set body[data-rendered], evaluate each
        `measure` JavaScript expression and screenshot each element of `screenshot`.
        `timeout` (seconds) only guards against a hang: a loaded machine drew the corpus page in
        over 120 s, so it is no measure of speed (the load time is printed, never asserted)."""
        import websocket

        with _put(f"http://127.0.0.1:{self.port}/json/new?about:blank") as answer:
            target = json.load(answer)
        ws = websocket.create_connection(target["webSocketDebuggerUrl"], timeout=timeout,
                                         suppress_origin=True)  # fmt: skip
        run = PageRun()
        counter = iter(range(1, 1_000_000))

        def handle(message: dict[str, Any]) -> None:
            method, params = message.get("method"), message.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                run.console_errors.append(" ".join(str(a.get("value", a.get("description")))
                                                   for a in params.get("args", [])))  # fmt: skip
            elif method == "Runtime.exceptionThrown":
                details = params.get("exceptionDetails", {})
                run.console_errors.append(str(details.get("exception", {}).get("description")
                                              or details.get("text")))  # fmt: skip
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                run.console_errors.append(params["entry"].get("text", ""))
            elif method == "Network.requestWillBeSent":
                run.requests.append(params.get("request", {}).get("url", ""))

        def call(method: str, **params: Any) -> dict[str, Any]:
            number = next(counter)
            ws.send(json.dumps({"id": number, "method": method, "params": params}))
            while True:
                message = json.loads(ws.recv())
                if message.get("id") == number:
                    if "error" in message:
                        raise RuntimeError(f"{method}: {message['error']}")
                    return dict(message.get("result", {}))
                handle(message)

        def evaluate(expression: str) -> Any:
            result = call("Runtime.evaluate", expression=expression, returnByValue=True)
            if "exceptionDetails" in result:
                raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
            return result.get("result", {}).get("value")

        try:
            for domain in ("Runtime", "Log", "Network", "Page"):
                call(f"{domain}.enable")
            started = time.monotonic()
            call("Page.navigate", url=page.resolve().as_uri())
            deadline = started + timeout
            while not evaluate("document.body && document.body.hasAttribute('data-rendered')"):
                if run.console_errors:  # the script failed: it will never finish
                    raise RuntimeError(f"{page.name}: {run.console_errors}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{page.name} did not finish drawing in {timeout} s")
                time.sleep(0.05)
            run.load_ms = (time.monotonic() - started) * 1000
            for name, expression in measure.items():
                run.values[name] = evaluate(expression)
            for selector in screenshot:
                box = evaluate(
                    f"(function () {{ var r = document.querySelector({json.dumps(selector)})"
                    ".getBoundingClientRect(); return [r.left + window.scrollX, r.top + "
                    "window.scrollY, r.width, r.height]; })()"
                )
                shot = call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                            clip={"x": box[0], "y": box[1], "width": box[2], "height": box[3],
                                  "scale": 1})  # fmt: skip
                run.screenshots[selector] = base64.b64decode(shot["data"])
            # what arrived after the last call (a late console error, a late request)
            ws.settimeout(0.3)
            try:
                while True:
                    handle(json.loads(ws.recv()))
            except websocket.WebSocketTimeoutException:
                pass
        finally:
            ws.close()
        return run


def _put(url: str) -> Any:
    """Chromium's /json/new wants PUT (GET is refused by newer versions)."""
    return urllib.request.urlopen(urllib.request.Request(url, method="PUT"))


def marks_in(png: bytes, *, saturation: int = 12) -> int:
    """How many separate coloured shapes a screenshot holds: connected groups of pixels whose
    channels differ by more than `saturation` (white, greys and grey text are background)."""
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    width, height = image.size
    pixels = image.load()
    coloured = bytearray(width * height)
    for y in range(height):
        for x in range(width):
            r, g, b = pixels[x, y]
            if max(r, g, b) - min(r, g, b) > saturation:
                coloured[y * width + x] = 1
    seen = bytearray(width * height)
    groups = 0
    for start in range(width * height):
        if not coloured[start] or seen[start]:
            continue
        groups += 1
        stack = [start]
        seen[start] = 1
        while stack:
            at = stack.pop()
            x, y = at % width, at // width
            for nx, ny in ((x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)):
                if 0 <= nx < width and 0 <= ny < height:
                    near = ny * width + nx
                    if coloured[near] and not seen[near]:
                        seen[near] = 1
                        stack.append(near)
    return groups


def colours_in(png: bytes) -> set[tuple[int, int, int]]:
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    return {colour for _, colour in image.getcolors(maxcolors=1 << 24) or []}

