"""Open a report in headless Chromium with the network off and record what it tried to do.

Chromium is started with every request sent to a proxy that refuses connections
(``127.0.0.1:9``, loopback included) and driven over the DevTools protocol: the page is
loaded from its file, and the console messages, uncaught exceptions, JavaScript dialogs
(``alert``) and requests it made are collected, with a screenshot as proof that it rendered.
JavaScript stays enabled, so that markup smuggled into a report would run and be seen.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    """The Chromium (or Chrome) executable on PATH, or None."""
    env = os.environ.get("WORKBENCH_CHROMIUM")
    if env:
        return env
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass
class PageVisit:
    """What a page did while it loaded and settled."""

    console: list[dict[str, Any]] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    log_entries: list[dict[str, Any]] = field(default_factory=list)
    screenshot: bytes = b""
    title: str = ""

    @property
    def errors(self) -> list[str]:
        """Console errors and warnings, uncaught exceptions and browser log errors."""
        out = [
            str(c.get("text") or c.get("args"))
            for c in self.console
            if c.get("type") in ("error", "warning", "assert")
        ]
        out += self.exceptions
        out += [
            str(e.get("text")) for e in self.log_entries if e.get("level") in ("error", "warning")
        ]
        return out


class _Session:
    """A minimal DevTools client: numbered commands, events into a queue."""

    def __init__(self, ws_url: str) -> None:
        import websocket  # websocket-client, installed with Jupyter

        self.ws = websocket.create_connection(ws_url, timeout=30, suppress_origin=True)
        self.ids = itertools.count(1)
        self.replies: dict[int, dict[str, Any]] = {}
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                message = json.loads(self.ws.recv())
            except Exception:
                return
            if "id" in message:
                with self._lock:
                    self.replies[message["id"]] = message
            else:
                self.events.put(message)

    def send(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        number = next(self.ids)
        payload: dict[str, Any] = {"id": number, "method": method, "params": params}
        if session:
            payload["sessionId"] = session
        self.ws.send(json.dumps(payload))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with self._lock:
                reply = self.replies.pop(number, None)
            if reply is not None:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return dict(reply.get("result", {}))
            time.sleep(0.01)
        raise TimeoutError(f"no answer to {method}")

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.ws.close()


@contextlib.contextmanager
def offline_chromium(executable: str) -> Iterator[_Session]:
    """Headless Chromium with all network traffic sent to a refusing proxy."""
    # Chromium's helper processes may still be closing files when the browser has exited
    with tempfile.TemporaryDirectory(prefix="wb-chromium-", ignore_cleanup_errors=True) as profile:
        args = [
            executable,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-default-apps",
            "--disable-extensions",
            "--no-first-run",
            "--no-default-browser-check",
            "--proxy-server=127.0.0.1:9",
            "--proxy-bypass-list=<-loopback>",
            f"--user-data-dir={profile}",
            "--remote-debugging-port=0",
            "about:blank",
        ]
        proc = subprocess.Popen(
            args,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # its own process group: the helpers end with it
        )
        try:
            ws_url = _devtools_url(proc)
            session = _Session(ws_url)
            try:
                yield session
            finally:
                session.close()
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


def _devtools_url(proc: subprocess.Popen[str]) -> str:
    assert proc.stderr is not None
    deadline = time.monotonic() + 30
    seen = []
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            if proc.poll() is not None:
                break
            continue
        seen.append(line)
        match = re.search(r"DevTools listening on (ws://\S+)", line)
        if match:
            # keep draining stderr so that Chromium never blocks on a full pipe
            threading.Thread(target=proc.stderr.read, daemon=True).start()
            return match.group(1)
    raise RuntimeError("Chromium did not start:\n" + "".join(seen[-20:]))


def visit(executable: str, page: Path, settle_s: float = 1.0) -> PageVisit:
    """Load ``page`` (a file) offline and record everything it did (see the module doc)."""
    result = PageVisit()
    with offline_chromium(executable) as browser:
        target = browser.send("Target.createTarget", url="about:blank")["targetId"]
        session = browser.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            browser.send(f"{domain}.enable", session)
        browser.send(
            "Network.emulateNetworkConditions",
            session,
            offline=True,
            latency=0,
            downloadThroughput=0,
            uploadThroughput=0,
        )
        browser.send("Page.navigate", session, url=page.resolve().as_uri())
        loaded_at: float | None = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if loaded_at is not None and time.monotonic() - loaded_at > settle_s:
                break
            try:
                event = browser.events.get(timeout=0.1)
            except queue.Empty:
                continue
            method, params = event.get("method", ""), event.get("params", {})
            if method == "Page.loadEventFired":
                loaded_at = time.monotonic()
            elif method == "Runtime.consoleAPICalled":
                texts = [a.get("value", a.get("description", "")) for a in params.get("args", [])]
                result.console.append(
                    {"type": params.get("type"), "text": " ".join(map(str, texts))}
                )
            elif method == "Runtime.exceptionThrown":
                details = params.get("exceptionDetails", {})
                result.exceptions.append(
                    str(details.get("text")) + " " + str(details.get("exception"))
                )
            elif method == "Log.entryAdded":
                result.log_entries.append(params.get("entry", {}))
            elif method == "Page.javascriptDialogOpening":
                result.dialogs.append(str(params.get("message")))
                browser.send("Page.handleJavaScriptDialog", session, accept=True)
            elif method == "Network.requestWillBeSent":
                result.requests.append(str(params.get("request", {}).get("url")))
        else:
            raise TimeoutError(f"{page} did not finish loading")
        evaluated = browser.send(
            "Runtime.evaluate", session, expression="document.title", returnByValue=True
        )
        result.title = str(evaluated.get("result", {}).get("value", ""))
        shot = browser.send("Page.captureScreenshot", session, format="png")
        result.screenshot = base64.b64decode(shot["data"])
    return result
