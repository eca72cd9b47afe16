"""A headless Chromium driven through the DevTools protocol over a pipe (the standard
library only: no websocket client, no Playwright), for tests that look at a page in a
real browser: :func:`find` the browser, then ``with Browser() as b: b.open(url)`` and
evaluate, screenshot, print to PDF. Every request the page makes is recorded
(:attr:`Browser.requests`), and so is every console or log message
(:attr:`Browser.messages`).
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable",
         "chrome-headless-shell")  # fmt: skip


def find() -> str | None:
    """The browser to use: ``$PPKS_CHROMIUM``, else the first of :data:`NAMES` on
    ``PATH``; None when there is none."""
    given = os.environ.get("PPKS_CHROMIUM")
    if given:
        return given if os.access(given, os.X_OK) else None
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


class BrowserError(RuntimeError):
    pass


class Browser:
    """One headless browser process and one page. Commands wait at most ``timeout``
    seconds for their answer."""

    def __init__(self, executable: str | None = None, timeout: float = 30.0) -> None:
        self.executable = executable or find()
        if self.executable is None:
            raise BrowserError("no Chromium found")
        self.timeout = timeout
        self.requests: list[str] = []
        self.messages: list[str] = []
        self.events: list[dict[str, Any]] = []
        self._id = 0
        self._buffer = b""

    def __enter__(self) -> Browser:
        self._profile = tempfile.TemporaryDirectory(prefix="ppks-chromium-")
        to_r, self._to_w = os.pipe()
        self._from_r, from_w = os.pipe()

        def fds() -> None:  # the protocol's pipe: the browser reads fd 3, writes fd 4
            import fcntl

            a = fcntl.fcntl(to_r, fcntl.F_DUPFD, 10)
            b = fcntl.fcntl(from_w, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)

        args = [self.executable, "--headless", "--remote-debugging-pipe", "--no-sandbox",
                "--disable-gpu", "--no-first-run", "--no-default-browser-check",
                "--disable-extensions", "--disable-background-networking", "--disable-sync",
                "--hide-scrollbars", "--mute-audio", f"--user-data-dir={self._profile.name}",
                "about:blank"]  # fmt: skip
        self._process = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, preexec_fn=fds, close_fds=False,
        )  # fmt: skip
        os.close(to_r)
        os.close(from_w)
        try:
            target = self.send("Target.createTarget", url="about:blank")["targetId"]
            self._session = self.send("Target.attachToTarget", targetId=target,
                                      flatten=True)["sessionId"]  # fmt: skip
            for domain in ("Page", "Network", "Runtime", "Log"):
                self.send(f"{domain}.enable", session=True)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc) -> None:
        try:
            if self._process.poll() is None:
                try:
                    self.send("Browser.close")
                except (BrowserError, OSError):
                    pass
                try:
                    self._process.wait(10)
                except subprocess.TimeoutExpired:
                    self._process.kill()
                    self._process.wait()
        finally:
            for fd in (self._to_w, self._from_r):
                try:
                    os.close(fd)
                except OSError:
                    pass
            self._profile.cleanup()

    # --- the protocol ---

    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError("the browser did not answer in time")
            ready, _w, _x = select.select([self._from_r], [], [], left)
            if ready:
                chunk = os.read(self._from_r, 1 << 20)
                if not chunk:
                    raise BrowserError("the browser closed the pipe")
                self._buffer += chunk
        message, _sep, self._buffer = self._buffer.partition(b"\0")
        return json.loads(message)

    def _note(self, event: dict[str, Any]) -> None:
        self.events.append(event)
        method, params = event.get("method"), event.get("params", {})
        if method == "Network.requestWillBeSent":
            self.requests.append(params["request"]["url"])
        elif method == "Log.entryAdded":
            self.messages.append(f"{params['entry']['level']}: {params['entry']['text']}")
        elif method == "Runtime.consoleAPICalled":
            self.messages.append(f"console.{params['type']}")
        elif method == "Runtime.exceptionThrown":
            self.messages.append("exception: " + json.dumps(params)[:300])

    def send(self, method: str, session: bool = False, **params: Any) -> dict[str, Any]:
        """Send one command (to the page when ``session``) and return its result."""
        self._id += 1
        message = {"id": self._id, "method": method, "params": params}
        if session:
            message["sessionId"] = self._session
        os.write(self._to_w, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            answer = self._read(deadline)
            if answer.get("id") == self._id:
                if "error" in answer:
                    raise BrowserError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            self._note(answer)

    def wait_for(self, method: str) -> dict[str, Any]:
        """Wait for the page's next event ``method`` (or one already received)."""
        for event in self.events:
            if event.get("method") == method:
                self.events.remove(event)
                return event
        deadline = time.monotonic() + self.timeout
        while True:
            event = self._read(deadline)
            self._note(event)
            if event.get("method") == method:
                self.events.remove(event)
                return event

    # --- what a test does with a page ---

    def open(self, url: str, width: int = 900, height: int = 1200) -> None:
        """Load ``url`` in a ``width`` × ``height`` window and wait until it has loaded."""
        self.send("Emulation.setDeviceMetricsOverride", session=True, width=width,
                  height=height, deviceScaleFactor=1, mobile=False)  # fmt: skip
        self.events.clear()
        self.send("Page.navigate", session=True, url=url)
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript ``expression`` in the page (DevTools evaluates it
        whatever the page's own policy allows its scripts)."""
        result = self.send("Runtime.evaluate", session=True, expression=expression,
                           returnByValue=True)  # fmt: skip
        if "exceptionDetails" in result:
            raise BrowserError(json.dumps(result["exceptionDetails"])[:500])
        return result["result"].get("value")

    def screenshot(self, path: Path) -> Path:
        """A PNG of the whole page (beyond the window) at ``path``."""
        size = self.send("Page.getLayoutMetrics", session=True)["cssContentSize"]
        data = self.send("Page.captureScreenshot", session=True, format="png",
                         captureBeyondViewport=True,
                         clip={"x": 0, "y": 0, "width": size["width"],
                               "height": size["height"], "scale": 1})["data"]  # fmt: skip
        path.write_bytes(base64.b64decode(data))
        return path

    def pdf(self) -> bytes:
        """The page printed to PDF as the browser prints it (the page's ``@page`` size)."""
        data = self.send("Page.printToPDF", session=True, printBackground=True,
                         preferCSSPageSize=True, displayHeaderFooter=False)["data"]  # fmt: skip
        return base64.b64decode(data)
