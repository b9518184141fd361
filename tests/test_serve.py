"""`publish serve`: the whole book built with the real engine, served to a real browser that
reloads after each save onto the PDF at the page that changed; errors shown in the page with
their file and line while the last good files stay on disk; a taken port is no obstacle; Ctrl-C
stops the server and its layout processes without a traceback."""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import require
from test_watch import ENV, Browser, fetch, processes, save, wait_for

pytestmark = pytest.mark.slow  # a server, the layout engine and a browser

__all__ = ["processes"]  # the fixture, used by name
BOOK = Path(__file__).parent / "data" / "proof-flags"
SLOW_MACHINE = 60.0
"""Seconds a build may take here: the targets (under 1 s at 1x) are the benchmark's to measure."""


class Server:
    """``publish serve`` on a copy of a book, started in its own process group as a terminal would."""

    def __init__(self, tmp_path: Path, processes: list[subprocess.Popen[str]], port: int = 0) -> None:
        self.book = tmp_path / "book"
        shutil.copytree(BOOK, self.book)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "publish", "serve", "--book", str(self.book), "--port", str(port)],
            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=ENV,
            start_new_session=True,
        )
        processes.append(self.process)
        self.lines: queue.Queue[str] = queue.Queue()
        self.said: list[str] = []
        stream = self.process.stderr
        assert stream is not None
        threading.Thread(target=lambda: [self.lines.put(line) for line in stream], daemon=True).start()
        self.url = self.wait_for_line("serving ", SLOW_MACHINE).split()[1]

    def wait_for_line(self, start: str, timeout: float) -> str:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                line = self.lines.get(timeout=max(end - time.monotonic(), 0.01)).rstrip("\n")
            except queue.Empty:
                break
            self.said.append(line)
            if line.startswith(start):
                return line
        raise AssertionError(f"publish serve did not say '{start}…' within {timeout} s: {self.said}")

    @property
    def pdf(self) -> Path:
        [found] = (self.book / "build").glob("*.pdf")
        return found


def shown_pdf(browser: Browser) -> str:
    return browser.evaluate("(document.getElementById('book') || {}).src || ''")


def test_a_save_shows_the_whole_book_again_opened_at_the_page_it_changed(
        tmp_path: Path, processes: list[subprocess.Popen[str]]) -> None:
    server = Server(tmp_path, processes)
    browser = Browser(server.url, tmp_path, processes)
    first = str(wait_for(lambda: shown_pdf(browser), SLOW_MACHINE, "the preview to show the PDF"))
    assert first.endswith("#page=1") and "build=0" in first
    before = pdf_page_texts(server.pdf.read_bytes())
    chapter_page = next(i for i, text in enumerate(before) if "Something else happened here." in text)
    assert chapter_page > 0
    time.sleep(0.5)  # let the page's first version poll settle
    save(server.book / "02-flags.md", "Something else happened here.", "A freshly saved sentence.")
    shown = str(wait_for(lambda: "build=1" in (src := shown_pdf(browser)) and src, SLOW_MACHINE,
                         "the page to reload onto the new build"))
    # The viewer opens at the page the edit changed, and the PDF it is given there has the edit.
    page = int(shown.rsplit("#page=", 1)[1])
    assert page == chapter_page + 1
    served = fetch_bytes(shown.split("#", 1)[0])
    assert served == server.pdf.read_bytes()
    assert "A freshly saved sentence." in pdf_page_texts(served)[page - 1]
    assert any("EPUB" in line or line.endswith(".epub") for line in server.said)
    assert "A freshly saved sentence." in epub_text(server.book)


def test_a_save_that_breaks_the_book_shows_its_error_and_leaves_the_last_good_files(
        tmp_path: Path, processes: list[subprocess.Popen[str]]) -> None:
    server = Server(tmp_path, processes)
    browser = Browser(server.url, tmp_path, processes)
    wait_for(lambda: shown_pdf(browser), SLOW_MACHINE, "the preview to show the PDF")
    good = server.pdf.read_bytes()
    time.sleep(0.5)
    chapter = server.book / "02-flags.md"
    save(chapter, "Something else happened here.", "Something else happened here.[^nowhere]")
    shown = str(wait_for(lambda: "was not built" in (t := browser.text()) and t, SLOW_MACHINE,
                         "the error to show in the page"))
    assert "The book was not built" in shown
    assert "02-flags.md:5:" in shown and "error[note-undefined]" in shown
    assert server.pdf.read_bytes() == good  # never half a file, never a silent stale one
    save(chapter, "Something else happened here.[^nowhere]", "The error is mended.")
    wait_for(lambda: "build=2" in shown_pdf(browser), SLOW_MACHINE, "the book to come back")
    assert any("The error is mended." in text for text in pdf_page_texts(server.pdf.read_bytes()))


def test_a_taken_port_gives_the_next_free_one_and_ctrl_c_stops_everything(
        tmp_path: Path, processes: list[subprocess.Popen[str]]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = Server(tmp_path, processes, port)
        assert server.said[-2] == f"port {port} is taken; using {server.url.rsplit(':', 1)[1].rstrip('/')}"
        assert "<iframe" in fetch(server.url)
        group = os.getpgid(server.process.pid)
        layout = [pid for pid in group_members(group) if pid != server.process.pid]
        assert layout, "the engine's layout processes are kept warm"
        os.killpg(group, signal.SIGINT)  # what Ctrl-C in a terminal does
        assert server.process.wait(timeout=30) == 130
        rest = server.process.stderr.read() if server.process.stderr else ""
        said = "\n".join(server.said) + rest
        assert "Traceback" not in said and "internal error" not in said
        wait_for(lambda: not group_members(group), 10, "the layout processes to end")
        with pytest.raises(OSError):
            fetch(server.url)


def group_members(group: int) -> list[int]:
    """Live processes of a process group."""
    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[2]) == group and stat[0] not in ("Z", "X"):
                members.append(int(entry))
    return members


def pdf_page_texts(data: bytes) -> list[str]:
    """Each page's text, by Poppler's pdftotext (pages end in a form feed)."""
    require(shutil.which("pdftotext"), "pdftotext (poppler-utils)")
    done = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
    return done.stdout.decode("utf-8").split("\f")


def fetch_bytes(url: str) -> bytes:
    import urllib.request

    with urllib.request.urlopen(url, timeout=10) as response:
        return bytes(response.read())


def epub_text(book: Path) -> str:
    import zipfile

    [epub] = (book / "build").glob("*.epub")
    with zipfile.ZipFile(epub) as archive:
        return " ".join(re.sub(r"<[^>]+>", " ", archive.read(name).decode("utf-8"))
                        for name in archive.namelist() if name.endswith(".xhtml"))
