"""Watch mode: proof again on every save and serve the proof page so a browser reloads itself.

Takes the proof page's path, the files to watch and a function that makes the proof and returns
the problems that stopped it (none when it was made); serves the page at ``/`` on localhost (the
files beside it under their names, and ``/__version``, the number of proofs tried so far, which
the page polls) and calls the function whenever a watched file changes, until interrupted. The
one design decision: a proof that fails is shown, not hidden. While the last try failed, ``/``
is a page listing its problems with their file and line, which polls like the proof and turns
back into the proof once a save fixes them; the browser never sits on an old proof with no sign
that the newest save did not make it.
"""

from __future__ import annotations

import errno
import functools
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from publish.assemble import template_environment
from publish.diagnostics import Diagnostic

POLL_SECONDS = 0.1
PORTS_TRIED = 20
"""Ports tried after the one asked for is taken, one after another, before any free port."""


class _State:
    """The proof number and the problems of the last try, shared with the server threads."""

    def __init__(self, problems: Sequence[Diagnostic]) -> None:
        self._lock = threading.Lock()
        self._version = 0
        self._problems = tuple(problems)

    def record(self, problems: Sequence[Diagnostic]) -> None:
        with self._lock:
            self._version += 1
            self._problems = tuple(problems)

    def read(self) -> tuple[int, tuple[Diagnostic, ...]]:
        with self._lock:
            return self._version, self._problems


class _ProofHandler(SimpleHTTPRequestHandler):
    def __init__(self, *args: Any, state: _State, page: Path, **kwargs: Any) -> None:
        self.state = state
        self.page = page
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        version, problems = self.state.read()
        if path == "/__version":
            self._send(str(version).encode(), "text/plain")
        elif path in ("/", f"/{self.page.name}"):
            if problems or not self.page.is_file():
                self._send(problems_page(self.page.name, problems).encode("utf-8"), "text/html; charset=utf-8")
            else:
                self._send(self.page.read_bytes(), "text/html; charset=utf-8")
        else:
            super().do_GET()

    def _send(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the terminal is for proof messages and editorial flags."""


def problems_page(page: str, problems: Sequence[Diagnostic]) -> str:
    """The page shown at ``/`` while the newest save cannot be proofed."""
    return template_environment().get_template("proof/problems.html").render(page=page, problems=problems)


def open_server(port: int, handler: Callable[..., SimpleHTTPRequestHandler]) -> ThreadingHTTPServer:
    """A server on ``port`` or, when it is taken, on the next free one (any free one at last)."""
    candidates = [port] if port == 0 else [*range(port, min(port + PORTS_TRIED, 65536)), 0]
    for candidate in candidates:
        try:
            return ThreadingHTTPServer(("127.0.0.1", candidate), handler)
        except OSError as exc:
            if exc.errno not in (errno.EADDRINUSE, errno.EACCES) or candidate == 0:
                raise
    raise AssertionError("unreachable: port 0 always binds or raises")


def watch(
    page: Path,
    watched: Callable[[], Iterable[Path]],
    make_proof: Callable[[], Sequence[Diagnostic]],
    *,
    port: int,
    announce: Callable[[str], None],
    problems: Sequence[Diagnostic] = (),
) -> None:
    """Serve ``page`` at ``/`` and re-run ``make_proof`` on every change to a watched file; stops
    on Ctrl-C. ``problems`` are those of the first try, when it failed."""
    state = _State(problems)
    handler = functools.partial(_ProofHandler, directory=str(page.parent), state=state, page=page)
    server = open_server(port, handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    if port and server.server_address[1] != port:
        announce(f"port {port} is taken; using {server.server_address[1]}")
    announce(f"serving http://127.0.0.1:{server.server_address[1]}/")
    try:
        stamps = _stamps(watched())
        while True:
            time.sleep(POLL_SECONDS)
            current = _stamps(watched())
            if current == stamps:
                continue
            stamps = current
            state.record(make_proof())
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
