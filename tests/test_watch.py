"""`publish proof --watch`: a proof page open in a real browser shows an edit within 2 seconds, an
edit that breaks the chapter shows its error in the page, and a taken port is no obstacle."""

from __future__ import annotations

import json
import os
import queue
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import require

pytestmark = pytest.mark.slow  # a server, a browser and proofs made again and again

websocket = pytest.importorskip("websocket", reason="websocket-client drives the browser")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
BOOK = Path(__file__).parent / "data" / "proof-flags"
# The same package as this test run, whatever another installation on the machine says.
ENV = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
DEADLINE = 2.0


def wait_for(condition: Callable[[], object], timeout: float, what: str) -> object:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        process.kill()
        process.wait(timeout=10)


def start_watcher(tmp_path: Path, processes: list[subprocess.Popen[str]], port: int = 0) -> tuple[Path, str, list[str]]:
    """A copy of the book, watched; its URL and what the watcher said before serving (on stderr:
    stdout is for ``--format json`` only)."""
    book = tmp_path / "book"
    shutil.copytree(BOOK, book)
    watcher = subprocess.Popen(
        [sys.executable, "-m", "publish", "proof", "2", "--book", str(book), "--html", "--watch", "--port", str(port)],
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=ENV,
    )
    processes.append(watcher)
    assert watcher.stderr is not None
    lines: queue.Queue[str] = queue.Queue()
    stream = watcher.stderr
    threading.Thread(target=lambda: [lines.put(line) for line in stream], daemon=True).start()
    said: list[str] = []
    end = time.monotonic() + 60
    while time.monotonic() < end:
        try:
            line = lines.get(timeout=max(end - time.monotonic(), 0.01))
        except queue.Empty:
            break
        said.append(line.rstrip("\n"))
        if line.startswith("serving "):
            return book, line.split()[1], said
    raise AssertionError(f"the watcher did not say where it serves the proof on stderr: {said}")


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return str(response.read().decode("utf-8"))


class Browser:
    """Headless Chromium on one page, read through its debugging protocol."""

    def __init__(self, url: str, tmp_path: Path, processes: list[subprocess.Popen[str]]) -> None:
        require(CHROMIUM, "Debian's chromium")
        profile = Path(tempfile.mkdtemp(dir=tmp_path))
        processes.append(subprocess.Popen(
            [str(CHROMIUM), "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--remote-debugging-port=0", url],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True,
        ))
        port_file = profile / "DevToolsActivePort"
        wait_for(lambda: port_file.is_file() and port_file.read_text().strip(), 30, "the browser's debugging port")
        port = port_file.read_text().split()[0]

        def page_socket() -> str:
            pages = json.loads(fetch(f"http://127.0.0.1:{port}/json/list"))
            return next((p["webSocketDebuggerUrl"] for p in pages if p.get("url") == url), "")

        self.connection = websocket.create_connection(wait_for(page_socket, 30, "the proof page to open"),
                                                      timeout=10)
        self.counter = iter(range(1, 10_000))

    def text(self) -> str:
        message_id = next(self.counter)
        self.connection.send(json.dumps({"id": message_id, "method": "Runtime.evaluate",
                                         "params": {"expression": "document.body ? document.body.innerText : ''"}}))
        while True:
            reply = json.loads(self.connection.recv())
            if reply.get("id") == message_id:
                return str(reply.get("result", {}).get("result", {}).get("value", ""))


def save(chapter: Path, old: str, new: str) -> float:
    text = chapter.read_text(encoding="utf-8")
    assert old in text
    chapter.write_text(text.replace(old, new), encoding="utf-8")
    return time.monotonic()


def test_page_reloads_after_the_chapter_is_saved(tmp_path: Path, processes: list[subprocess.Popen[str]]) -> None:
    book, url, _ = start_watcher(tmp_path, processes)
    browser = Browser(url, tmp_path, processes)
    wait_for(lambda: "Something else happened here." in browser.text(), 30, "the first proof to show")
    time.sleep(0.5)  # let the page's first version poll settle
    saved = save(book / "02-flags.md", "Something else happened here.", "A freshly saved sentence.")
    wait_for(lambda: "A freshly saved sentence." in browser.text(), DEADLINE, "the page to show the saved text")
    assert time.monotonic() - saved <= DEADLINE


def test_a_save_that_breaks_the_chapter_shows_its_error_in_the_page(
        tmp_path: Path, processes: list[subprocess.Popen[str]]) -> None:
    """Before, the browser reloaded onto the old proof with no sign that the save was not proofed."""
    book, url, _ = start_watcher(tmp_path, processes)
    browser = Browser(url, tmp_path, processes)
    wait_for(lambda: "Something else happened here." in browser.text(), 30, "the first proof to show")
    time.sleep(0.5)
    chapter = book / "02-flags.md"
    save(chapter, "Something else happened here.", "Something else happened here.[^nowhere]")
    shown = str(wait_for(lambda: "The proof was not made" in (t := browser.text()) and t, DEADLINE + 8,
                         "the error to show in the page"))
    assert "02-flags.md:5:" in shown and "error[note-undefined]" in shown and "[^nowhere]" in shown
    assert "Something else happened here." not in shown
    save(chapter, "Something else happened here.[^nowhere]", "The error is mended.")
    wait_for(lambda: "The error is mended." in browser.text(), DEADLINE + 8, "the proof to come back")


def test_a_taken_port_gives_the_next_free_one_and_the_proof_is_at_the_root(
        tmp_path: Path, processes: list[subprocess.Popen[str]]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        _, url, said = start_watcher(tmp_path, processes, port)
        assert said[-2] == f"port {port} is taken; using {url.rsplit(':', 1)[1].rstrip('/')}"
        assert url.endswith("/") and url != f"http://127.0.0.1:{port}/"
        page = fetch(url)
        assert "<h1 class=\"chapter-title\">Flags</h1>" in page and "Directory listing" not in page
        assert fetch(url + "__version") == "0"
