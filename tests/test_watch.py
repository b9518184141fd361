"""`publish proof --watch`: a proof page open in a real browser shows an edit within 2 seconds."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import require

pytestmark = pytest.mark.slow  # whole books laid out by WeasyPrint

websocket = pytest.importorskip("websocket", reason="websocket-client drives the browser")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
BOOK = Path(__file__).parent / "data" / "proof-flags"
DEADLINE = 2.0


def wait_for(condition: object, timeout: float, what: str) -> object:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = condition()  # type: ignore[operator]
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


def test_page_reloads_after_the_chapter_is_saved(tmp_path: Path, processes: list[subprocess.Popen[str]]) -> None:
    require(CHROMIUM, "Debian's chromium")
    book = tmp_path / "book"
    shutil.copytree(BOOK, book)
    watcher = subprocess.Popen(
        [sys.executable, "-m", "publish", "proof", "2", "--book", str(book), "--html", "--watch", "--port", "0"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    processes.append(watcher)
    assert watcher.stdout is not None
    url = ""
    while not url:
        line = watcher.stdout.readline()
        assert line, "the watcher exited before serving"
        if line.startswith("serving "):
            url = line.split()[1]

    profile = Path(tempfile.mkdtemp(dir=tmp_path))
    browser = subprocess.Popen(
        [str(CHROMIUM), "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", "--remote-debugging-port=0", url],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True,
    )
    processes.append(browser)
    port_file = profile / "DevToolsActivePort"
    wait_for(lambda: port_file.is_file() and port_file.read_text().strip(), 30, "the browser's debugging port")
    port = port_file.read_text().split()[0]

    def page_socket() -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as response:
            pages = json.load(response)
        return next((p["webSocketDebuggerUrl"] for p in pages if p.get("url") == url), "")

    connection = websocket.create_connection(wait_for(page_socket, 30, "the proof page to open"), timeout=10)
    counter = iter(range(1, 10_000))

    def page_text() -> str:
        message_id = next(counter)
        connection.send(json.dumps({"id": message_id, "method": "Runtime.evaluate",
                                    "params": {"expression": "document.body ? document.body.innerText : ''"}}))
        while True:
            reply = json.loads(connection.recv())
            if reply.get("id") == message_id:
                return str(reply.get("result", {}).get("result", {}).get("value", ""))

    wait_for(lambda: "Something else happened here." in page_text(), 30, "the first proof to show")
    time.sleep(0.5)  # let the page's first version poll settle

    chapter = book / "02-flags.md"
    chapter.write_text(chapter.read_text().replace("Something else happened here.", "A freshly saved sentence."))
    saved = time.monotonic()
    wait_for(lambda: "A freshly saved sentence." in page_text(), DEADLINE, "the page to show the saved text")
    assert time.monotonic() - saved <= DEADLINE
    connection.close()
