"""The layout engine: processes that lay out parts, started before the book is read.

Takes the number of processes, then batches of part jobs; returns each batch's layouts, in the
jobs' order, from the build cache where a part's inputs are unchanged and from the processes
otherwise. ``publish pdf`` and ``publish proof`` start the engine first: its first process
imports WeasyPrint and warms up (about half a second, as long as laying out three chapters)
while this one reads the book, then forks the others, which start warm. With one process, parts
are laid out in this one, and WeasyPrint is imported only once a part is missing from the cache.

A batch is sent at once and waited for later (``LayoutRun.start``), so independent parts (the
chapters and the Notes; the front matter and the stamps) share the processes. Parts go one task
each, the longest first, so that no process ends the batch on a long part while the others idle.
Each part's CPU seconds come back with it and are logged (``publish.pdf`` at INFO), so that the
benchmarks can tell how busy the processes were (``benchmarks/run.py --shapes``).
"""

from __future__ import annotations

import ctypes
import gc
import logging
import multiprocessing
import os
import queue
import signal
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from publish.cache import Cache
from publish.diagnostics import EngineError
from publish.paths import styles_dir
from publish.pdf.cache import digest_folder, layout_key, read_layout, store_layout
from publish.pdf.parts import PartJob, PartLayout

LOGGER = logging.getLogger("publish.pdf")
STYLESHEET = "print.css"
"""The print edition's stylesheet, under styles/: every part is laid out with it."""
MAX_PROOF_PROCESSES = 4
LONG_PART = 24
"""Pages from which a part's layout leaves enough garbage to be worth collecting at once."""
STOPPED_DEADLINE = 10.0
"""Seconds a layout process may stay stopped (SIGSTOP, a debugger) while the build waits for it:
then the build ends with an error naming the part it was laying out, instead of waiting forever.
A build stopped as a whole (Ctrl-Z) is not affected: this process is stopped with it."""
POLL = 0.5
"""Seconds between looks at the processes while waiting for a layout."""


@contextmanager
def start_engine(processes: int, stylesheet: Path) -> Iterator[Engine | None]:
    """``processes`` layout processes, starting as this returns; None for one (this process).
    A ``with`` block terminates them, whatever they are doing."""
    if processes <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        # Without fork (Windows) a process would start cold and import everything again.
        yield None
        return
    engine = Engine(processes, stylesheet)
    try:
        yield engine
    finally:
        engine.close()


def start_print_engine(processes: int) -> AbstractContextManager[Engine | None]:
    """``start_engine`` with the print edition's stylesheet. Callers start it before importing the
    stages that use it (pypdf, fontTools: a fifth of a second), which load meanwhile."""
    return start_engine(processes, styles_dir() / STYLESHEET)


class Engine:
    """Layout processes: the first imports WeasyPrint, warms up, then forks the others.

    Forked after the import, the others start warm: two processes cost one import, not two, and
    this process, which never imports WeasyPrint, reads the book meanwhile. Jobs go out on one
    queue (whichever process is free takes the next) and layouts come back on another.
    """

    def __init__(self, processes: int, stylesheet: Path) -> None:
        context = multiprocessing.get_context("fork")
        self.processes = processes
        self._channel = Channel(context.Queue(), context.Queue())
        # Not a daemon: daemons may not start processes. ``close`` and _end_with_parent stop it.
        self._first = context.Process(target=_serve_first, args=(self._channel, processes, stylesheet))
        self._first.start()
        self._workers = {self._first.pid or 0}
        self._sent = 0
        self._received: dict[int, tuple[str, object]] = {}
        self._names: dict[int, str] = {}
        """Ticket → the part's name, for messages."""
        self._holders: dict[int, int] = {}
        """Ticket → the process laying it out (once a process has taken it)."""
        self._stopped: dict[int, float] = {}
        """Process → when it was first seen stopped (and not running since)."""

    def submit(self, job: PartJob) -> int:
        """Send a job to whichever process is free; its ticket for ``result``."""
        ticket = self._sent
        self._sent += 1
        self._names[ticket] = job.name
        self._channel.tasks.put((ticket, job))
        return ticket

    def first_result(self, tickets: Collection[int]) -> tuple[int, PartLayout, float]:
        """Wait for whichever of the jobs with ``tickets`` is laid out first (the lowest ticket
        among those already done); its ticket, layout and the CPU seconds its layout took."""
        while not any(ticket in self._received for ticket in tickets):
            try:
                ticket_in, kind, value = self._channel.results.get(timeout=POLL)
            except queue.Empty:
                self._look_at_processes(tickets)
                continue
            if kind == "started":
                self._workers.add(int(str(value)))
            elif kind == "taken":
                self._holders[ticket_in] = int(str(value))
            else:
                self._received[ticket_in] = (kind, value)
        ticket = min(ticket for ticket in tickets if ticket in self._received)
        kind, value = self._received.pop(ticket)
        if kind != "done" or not isinstance(value, tuple) or not isinstance(value[0], PartLayout):
            raise EngineError(str(value))
        return ticket, value[0], float(value[1])

    def _look_at_processes(self, tickets: Collection[int]) -> None:
        """Raise ``EngineError`` for a process that died, or that has been stopped for
        ``STOPPED_DEADLINE`` seconds, naming the parts it leaves undone."""
        now = time.monotonic()
        for pid in self._workers:
            state = _state(pid)
            if state in ("Z", "X", ""):
                raise EngineError(f"a layout process stopped unexpectedly (out of memory?) while laying out "
                                  f"{self._waiting_for(pid, tickets)}")
            if state not in ("T", "t"):
                self._stopped.pop(pid, None)
                continue
            since = self._stopped.setdefault(pid, now)
            if now - since >= STOPPED_DEADLINE:
                raise EngineError(f"the layout process {pid} laying out {self._waiting_for(pid, tickets)} has been "
                                  f"stopped (SIGSTOP) for {STOPPED_DEADLINE:g} s; the build gives up rather than wait "
                                  "for it: run it again")

    def _waiting_for(self, pid: int, tickets: Collection[int]) -> str:
        held = [self._names[t] for t in tickets if self._holders.get(t) == pid and t not in self._received]
        waiting = [self._names[t] for t in tickets if t not in self._received]
        return ", ".join(held) if held else "nothing yet (" + ", ".join(waiting) + " waiting)"

    def close(self) -> None:
        """Stop the processes: at once if they are still busy, or stopped (SIGKILL reaches a
        stopped process, where SIGTERM would wait for it to be continued)."""
        for _ in range(self.processes):
            self._channel.tasks.put(None)
        self._first.join(timeout=1)
        if self._first.is_alive():
            self._first.kill()
            self._first.join()
        for pid in self._workers - {self._first.pid or 0}:
            with suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        self._channel.tasks.cancel_join_thread()
        self._channel.tasks.close()
        self._channel.results.close()


@dataclass(frozen=True)
class Channel:
    """The two queues as a layout process sees them."""

    tasks: multiprocessing.Queue[tuple[int, PartJob] | None]
    results: multiprocessing.Queue[tuple[int, str, object]]

    def serve(self) -> None:
        """Lay out jobs until told to stop (None)."""
        while (task := self.tasks.get()) is not None:
            ticket, job = task
            self.results.put((ticket, "taken", os.getpid()))
            try:
                layout, cpu = lay_out_timed(job)
                message: tuple[int, str, object] = (ticket, "done", (layout, cpu))
            except Exception as failure:  # reported to the owner, which stops the build with it
                message = (ticket, "failed", f"laying out {job.name}: {type(failure).__name__}: {failure}")
            self.results.put(message)
            if message[1] != "done" or layout.page_count > LONG_PART:
                _give_back_memory()


def _serve_first(channel: Channel, processes: int, stylesheet: Path) -> None:
    _end_with_parent()
    _leave_interrupt_to_parent()
    from publish.pdf.layout import warm_up

    warm_up(stylesheet)
    context = multiprocessing.get_context("fork")
    for _ in range(processes - 1):
        process = context.Process(target=_serve_forked, args=(channel,), daemon=True)
        process.start()
    channel.serve()


def _serve_forked(channel: Channel) -> None:
    _end_with_parent()
    _leave_interrupt_to_parent()
    channel.results.put((-1, "started", os.getpid()))
    channel.serve()


def _give_back_memory() -> None:
    """Hand the memory a long part took back to the system: a process that has laid out a
    300-page Notes would otherwise keep its peak to the end of the build."""
    gc.collect()
    with suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)


def _end_with_parent() -> None:
    """Have Linux stop this process when the one that started it ends, however it ends: the
    processes the first one forks are not the build's children, and nothing else would. SIGKILL,
    which also ends a process that is itself stopped; a layout process holds nothing to clean up."""
    with suppress(OSError, AttributeError):
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _leave_interrupt_to_parent() -> None:
    """Ctrl-C reaches every process of the terminal's group: the layout processes leave it to the
    one that started them, which stops them (``Engine.close``) and exits quietly. Left to Python,
    each would print a traceback of wherever the interrupt found it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _state(pid: int) -> str:
    """A process's state letter (R, S, D; T stopped; Z a zombie, which the first process reaps
    for the ones it forked); empty when it is gone. Without /proc: R if it exists."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        try:
            os.kill(pid, 0)
        except OSError:
            return ""
        return "R"


def engine_size(wanted: int | None, parts: int | None = None) -> int:
    """Processes to start: ``wanted``, or one per core; never more than there are parts."""
    count = wanted or os.cpu_count() or 1
    return max(1, min(count, parts)) if parts is not None else max(1, count)


def proof_engine_size() -> int:
    """Two processes lay out a proof's chapter and its flagged twin side by side; more only speed
    up laying out the chapters of a book never built, and each costs an import of WeasyPrint."""
    return min(os.cpu_count() or 1, MAX_PROOF_PROCESSES)


def lay_out_timed(job: PartJob) -> tuple[PartLayout, float]:
    """A part laid out in this process, and the CPU seconds that took (this process's alone: the
    benchmarks add them up to see how busy the processes were, ``benchmarks/run.py``)."""
    start = time.process_time()
    layout = lay_out_here([job])[0]
    return layout, time.process_time() - start


def lay_out_here(jobs: Sequence[PartJob]) -> list[PartLayout]:
    """Lay out parts in this process (WeasyPrint imported now, not before)."""
    from publish.pdf.layout import lay_out_parts

    return lay_out_parts(jobs)


@dataclass(frozen=True)
class LayoutRun:
    """Parts laid out in the engine's processes, or here, each served from the cache when it is there."""

    engine: Engine | None
    cache: Cache | None
    styles_digest: str
    """``pdf.edition.cache.digest_folder`` of styles/ (part of every key); empty without a cache."""

    def start(self, jobs: Sequence[PartJob],
              on_layout: Callable[[int, PartLayout], None] | None = None) -> Callable[[], list[PartLayout]]:
        """Send the jobs that are not in the cache; the function returned waits for them, stores
        them in the cache and returns every job's layout in the jobs' order. ``on_layout`` is
        called with each job's index and layout as soon as it has it: the cached ones now, while
        the processes work, and the others as they come, in any order."""
        cache = self.cache
        keys = [layout_key(cache, job, self.styles_digest) for job in jobs] if cache is not None else []
        found: list[PartLayout | None] = ([read_layout(cache, key) for key in keys] if cache is not None
                                          else [None] * len(jobs))
        missing = sorted((i for i, layout in enumerate(found) if layout is None), key=lambda i: -len(jobs[i].html))
        engine = self.engine
        tickets = {engine.submit(jobs[index]): index for index in missing} if engine is not None else {}
        if on_layout is not None:
            for index, layout in enumerate(found):
                if layout is not None:
                    on_layout(index, layout)

        def arrived(index: int, layout: PartLayout, done: int, cpu: float) -> None:
            if cache is not None:
                store_layout(cache, keys[index], layout)
            found[index] = layout
            # The benchmarks read this line: the CPU figures give the processes' parallel efficiency.
            LOGGER.info("laid out %d of %d parts: %s, %d pages, %.3f s of CPU", done, len(missing), layout.name,
                        layout.page_count, cpu)
            if on_layout is not None:
                on_layout(index, layout)

        def wait() -> list[PartLayout]:
            if engine is None:
                for done, index in enumerate(missing, 1):
                    layout, cpu = lay_out_timed(jobs[index])
                    arrived(index, layout, done, cpu)
            else:
                pending = dict(tickets)
                while pending:
                    ticket, layout, cpu = engine.first_result(pending)
                    arrived(pending.pop(ticket), layout, len(missing) - len(pending), cpu)
            return [layout for layout in found if layout is not None]

        return wait

    def run(self, jobs: Sequence[PartJob],
            on_layout: Callable[[int, PartLayout], None] | None = None) -> list[PartLayout]:
        return self.start(jobs, on_layout)()


def layout_run(engine: Engine | None, cache: Cache | None, styles: Path) -> LayoutRun:
    return LayoutRun(engine, cache, digest_folder(styles) if cache is not None else "")
