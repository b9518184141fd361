"""Watch mode: proof again on every save and serve the proof page so a browser reloads itself.

Takes the folder the proof page lives in, the files to watch and a function that makes the
proof; serves the folder on localhost (plus ``/__version``, the number of proofs made so far, that
the page polls) and calls the function whenever a watched file changes, until interrupted.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Iterable
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

POLL_SECONDS = 0.1


class _Counter:
    """The proof number, shared between the watch loop and the server threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value = 0

    def bump(self) -> None:
        with self._lock:
            self._value += 1

    @property
    def value(self) -> int:
        with self._lock:
            return self._value


class _ProofHandler(SimpleHTTPRequestHandler):
    counter: _Counter

    def __init__(self, *args: Any, counter: _Counter, **kwargs: Any) -> None:
        self.counter = counter
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:
        if self.path.split("?")[0] == "/__version":
            body = str(self.counter.value).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the terminal is for proof messages and editorial flags."""


def watch(
    folder: Path,
    watched: Callable[[], Iterable[Path]],
    make_proof: Callable[[], None],
    *,
    port: int,
    announce: Callable[[str], None],
    page: str,
) -> None:
    """Serve ``folder`` and re-run ``make_proof`` on every change to a watched file; stops on Ctrl-C."""
    counter = _Counter()
    handler = functools.partial(_ProofHandler, directory=str(folder), counter=counter)
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    announce(f"serving http://127.0.0.1:{server.server_address[1]}/{page}")
    try:
        stamps = _stamps(watched())
        while True:
            time.sleep(POLL_SECONDS)
            current = _stamps(watched())
            if current == stamps:
                continue
            stamps = current
            make_proof()
            counter.bump()
    finally:
        server.shutdown()
        server.server_close()


def _stamps(paths: Iterable[Path]) -> dict[Path, tuple[int, int]]:
    stamps = {}
    for path in paths:
        try:
            info = path.stat()
        except OSError:
            continue
        stamps[path] = (info.st_mtime_ns, info.st_size)
    return stamps
