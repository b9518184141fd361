"""Benchmark publish against the tools authors use today, on the real book and on 4x and 16x books.

Run from the repository: ``python3 benchmarks/run.py`` (``--runs N``, ``--sizes 1,4,16``,
``--markdown FILE`` to also write the table as Markdown). Every figure is the median of N runs
(min and max beside it) of a fresh process, timed by wall clock, with the peak memory of the
whole process tree (sampled from /proc, so parallel layout workers count too). Jobs are
interleaved run by run, so a slow patch of the machine hurts them all alike.

``--shapes 16x,notes,long,diary`` builds books of other shapes instead (``benchmarks/shapes.py``:
note-heavy, one chapter thirty times the others, 7 MB with 5,000 notes, against the 16x book) with
``publish pdf --no-cache`` and reports seconds per MB of Markdown, the parallel efficiency (the
CPU seconds the engine logs for each part, added up, ÷ cores ÷ wall seconds) and the peak memory
of the whole process tree, of the recipe's own process and of the largest layout process.
``--serve`` times ``publish serve`` instead: from saving one chapter to the new PDF on disk.

Anchors: pandoc's EPUB (the ``pypandoc-binary`` package) on the same chapters, and one WeasyPrint
process laying out the same HTML the PDF is made from. Nothing here is asserted; the script prints.

Every command runs as on a machine that caches Python's bytecode: where PYTHONDONTWRITEBYTECODE is
set (this project's CI and sandboxes set it), it is unset for the commands, so that the untimed
first build leaves publish's compiled modules behind as an installed package would have them
(WeasyPrint's, pandoc's and the other libraries' are compiled when installed).
"""

from __future__ import annotations

import argparse
import os
import platform
import queue
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHILD_ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
MANUSCRIPT = ROOT / "manuscript"
PROOF_CHAPTER = 7


@dataclass
class Job:
    name: str
    size: int
    command: Callable[[int], list[str]]
    """The command line for run number ``i``."""
    prepare: Callable[[int], None] = lambda i: None
    """Work before run ``i`` that is not timed (an edit to the chapter, clearing a cache)."""
    times: list[float] = field(default_factory=list)
    peaks: list[int] = field(default_factory=list)


def make_book(size: int, folder: Path) -> Path:
    """The default book with every chapter repeated ``size`` times, note labels kept distinct."""
    from shapes import repeat

    return repeat(MANUSCRIPT, folder, size)


def edit_chapter(book: Path, index: int, run: int) -> None:
    """A real edit that changes one word of one chapter, different on every run."""
    chapter = sorted(book.glob("[0-9]*.md"))[index - 1]
    text = chapter.read_text(encoding="utf-8")
    text, count = re.subn(r" the(?:\d+)? ", f" the{run} ", text, count=1)
    assert count == 1, f"nothing to edit in {chapter.name}"
    chapter.write_text(text, encoding="utf-8")


def peak_tree_rss(pid: int, stop: threading.Event, result: list[int]) -> None:
    """Highest total resident memory of ``pid`` and all its descendants, sampled every 10 ms;
    then the highest of ``pid`` alone and of any one of its descendants (what holds the memory)."""
    peak = own = other = 0
    while not stop.is_set():
        total = 0
        for proc in _tree(pid):
            try:
                with open(f"/proc/{proc}/status") as status:
                    for line in status:
                        if line.startswith("VmRSS:"):
                            rss = int(line.split()[1]) * 1024
                            total += rss
                            own, other = (max(own, rss), other) if proc == pid else (own, max(other, rss))
                            break
            except OSError:
                continue
        peak = max(peak, total)
        stop.wait(0.01)
    result += [peak, own, other]


def _tree(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parents[int(entry)] = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, frontier = [root], [root]
    while frontier:
        frontier = [child for child, parent in parents.items() if parent in frontier]
        tree += frontier
    return tree


@dataclass(frozen=True)
class Measured:
    """One run of a command."""

    seconds: float
    peak: int
    """Bytes: the whole process tree's highest total."""
    own_peak: int
    """Bytes: the command's own process at its highest."""
    other_peak: int
    """Bytes: the largest of the processes it started, at its highest."""
    stderr: str


def run_once(command: list[str], cwd: Path) -> tuple[float, int]:
    measured = run_measured(command, cwd)
    return measured.seconds, measured.peak


def run_measured(command: list[str], cwd: Path) -> Measured:
    """Wall seconds and peak memory of a fresh process, and what it wrote on stderr."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=CHILD_ENV)
    stop, result = threading.Event(), list[int]()
    sampler = threading.Thread(target=peak_tree_rss, args=(process.pid, stop, result))
    sampler.start()
    _, err = process.communicate()
    elapsed = time.perf_counter() - start
    stop.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{err.decode()[-2000:]}")
    return Measured(elapsed, result[0], result[1], result[2], err.decode("utf-8", "replace"))


def pandoc_command(book: Path, out: Path) -> list[str]:
    import pypandoc  # type: ignore[import-untyped]

    chapters = [str(p) for p in sorted(book.glob("[0-9]*.md"))]
    return [pypandoc.get_pandoc_path(), *chapters, "-o", str(out), "--metadata", "title=Benchmark",
            "--metadata", "lang=en"]


def jobs_for(size: int, book: Path, work: Path) -> list[Job]:
    publish = [sys.executable, "-m", "publish"]
    html = work / f"single-{size}x.html"
    subprocess.run([*publish, "pdf", "--book", str(book), "--html-only", str(html)], cwd=work, check=True,
                   env=CHILD_ENV, stdout=subprocess.DEVNULL)
    single = [sys.executable, "-c",
              "import sys, weasyprint; weasyprint.HTML(filename=sys.argv[1]).write_pdf(sys.argv[2])",
              str(html), str(work / f"single-{size}x.pdf")]
    edited = PROOF_CHAPTER
    return [
        Job("publish epub", size, lambda i: [*publish, "epub", "--book", str(book), "-o", str(work / "b.epub")]),
        Job("pandoc epub", size, lambda i: pandoc_command(book, work / "p.epub")),
        Job("publish pdf (full, no cache)", size,
            lambda i: [*publish, "pdf", "--no-cache", "--book", str(book), "-o", str(work / "b.pdf")]),
        Job("weasyprint, one process", size, lambda i: single),
        Job("publish pdf after editing one chapter", size,
            lambda i: [*publish, "pdf", "--book", str(book), "-o", str(work / "e.pdf")],
            prepare=lambda i: edit_chapter(book, edited + 5, i)),
        Job(f"publish proof {PROOF_CHAPTER} (cold, edited)", size,
            lambda i: [*publish, "proof", str(PROOF_CHAPTER), "--book", str(book), "-o", str(work / "proof.pdf")],
            prepare=lambda i: edit_chapter(book, PROOF_CHAPTER, 1000 + i)),
    ]


LOGGED_PUBLISH = (
    "import logging, sys; handler = logging.StreamHandler(); logger = logging.getLogger('publish.pdf'); "
    "logger.setLevel(logging.INFO); logger.addHandler(handler); sys.argv[0] = 'publish'; "
    "from publish.cli import run; run()"
)
"""``publish`` with its PDF log on stderr: the engine logs each part's CPU seconds there."""
PART_CPU = re.compile(r"laid out \d+ of \d+ parts: (\S+), (\d+) pages, ([\d.]+) s of CPU")


@dataclass
class ShapeRuns:
    """``publish pdf --no-cache`` on one book shape, run after run."""

    shape: str
    book: Path
    megabytes: float
    runs: list[Measured] = field(default_factory=list)


def part_cpu(stderr: str) -> list[tuple[str, int, float]]:
    """Each part laid out, as the engine logged it: name, pages, CPU seconds."""
    return [(name, int(pages), float(cpu)) for name, pages, cpu in PART_CPU.findall(stderr)]


def run_shapes(names: list[str], runs: int, work: Path, jobs: int | None) -> str:
    """Every shape built in full, without the cache, run after run (shapes interleaved)."""
    from shapes import SHAPES, markdown_bytes

    measured = []
    for name in names:
        book = SHAPES[name](MANUSCRIPT, work)
        measured.append(ShapeRuns(name, book, markdown_bytes(book) / 1e6))
    for run in range(runs):
        for shape in measured:
            extra = ["--jobs", str(jobs)] if jobs else []
            command = [sys.executable, "-c", LOGGED_PUBLISH, "pdf", "--no-cache", *extra, "--book", str(shape.book),
                       "-o", str(work / f"{shape.shape}.pdf")]
            shape.runs.append(run_measured(command, work))
            print(f"run {run + 1}/{runs} {shape.shape}: {shape.runs[-1].seconds:.1f} s, "
                  f"{shape.runs[-1].peak / 2**20:.0f} MiB", file=sys.stderr)
    return shapes_report(measured, jobs or os.cpu_count() or 1)


def shapes_report(measured: list[ShapeRuns], cores: int) -> str:
    lines = ["| shape | MB of Markdown | pages | parts | median s | min–max s | s per MB | × 16x's s/MB "
             "| layout CPU s | longest part CPU s | efficiency | peak MiB (tree) | recipe's process MiB "
             "| largest layout process MiB |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    per_mb = {shape.shape: statistics.median(r.seconds for r in shape.runs) / shape.megabytes for shape in measured}
    for shape in measured:
        seconds = [r.seconds for r in shape.runs]
        median_run = sorted(shape.runs, key=lambda r: r.seconds)[len(shape.runs) // 2]
        parts = part_cpu(median_run.stderr)
        cpu = sum(c for _, _, c in parts)
        longest = max((c for _, _, c in parts), default=0.0)
        pages = sum(p for name, p, _ in parts if not name.startswith("sheet"))
        # Efficiency: how much of the cores' time over the whole build went into layout.
        efficiency = cpu / cores / median_run.seconds
        against = f"{per_mb[shape.shape] / per_mb['16x']:.2f}" if "16x" in per_mb else ""
        lines.append(
            f"| {shape.shape} | {shape.megabytes:.2f} | {pages} | {len(parts)} | {median_run.seconds:.1f} "
            f"| {min(seconds):.1f}–{max(seconds):.1f} | {per_mb[shape.shape]:.1f} | {against} | {cpu:.1f} "
            f"| {longest:.1f} | {efficiency:.2f} | {mib(r.peak for r in shape.runs)} "
            f"| {mib(r.own_peak for r in shape.runs)} | {mib(r.other_peak for r in shape.runs)} |")
    return "\n".join(lines) + "\n"


def time_serve(sizes: list[int], runs: int, work: Path) -> str:
    """``publish serve`` on the default book and its copies: seconds from saving one chapter to the
    new PDF on disk (its atomic rename), run after run, with the server's engine kept warm."""
    from shapes import markdown_bytes

    lines = ["| size | MB of Markdown | first build s | save → new PDF on disk, median s | min–max s | runs |",
             "|---|---|---|---|---|---|"]
    for size in sizes:
        book = make_book(size, work / f"serve-{size}")
        started = time.perf_counter()
        # Ctrl-C as from a terminal: a shell that starts this script in the background has it ignore
        # SIGINT, and the server would inherit that.
        server = subprocess.Popen([sys.executable, "-m", "publish", "serve", "--book", str(book), "--port", "0"],
                                  cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                  env=CHILD_ENV, preexec_fn=_interrupt_as_from_terminal)
        said: queue.Queue[str] = queue.Queue()
        assert server.stderr is not None
        # Read all the server says, always: a full pipe would stop it.
        threading.Thread(target=_drain, args=(server.stderr, said), daemon=True).start()
        _wait_for_line(said, "serving ")  # after the first build
        first = time.perf_counter() - started
        time.sleep(1)  # the server takes its first look at the files after it says where it serves
        [pdf] = (book / "build").glob("*.pdf")
        times = []
        for run in range(runs):
            before = _file_state(pdf)
            saved = save_chapter(book, PROOF_CHAPTER + 5, run)
            while _file_state(pdf) == before:
                time.sleep(0.005)
            times.append(time.perf_counter() - saved)
            _wait_for_line(said, "built in ")  # the build finished (the EPUB written too)
            print(f"serve {size}x run {run + 1}/{runs}: {times[-1]:.2f} s", file=sys.stderr)
        server.send_signal(2)  # Ctrl-C
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            print(f"serve {size}x did not stop on Ctrl-C within 60 s", file=sys.stderr)
        lines.append(f"| {size}x | {markdown_bytes(book) / 1e6:.2f} | {first:.1f} | {statistics.median(times):.2f} "
                     f"| {min(times):.2f}–{max(times):.2f} | {runs} |")
    return "\n".join(lines) + "\n"


def _interrupt_as_from_terminal() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _drain(stream: Iterable[str], lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line)


def _wait_for_line(lines: queue.Queue[str], start: str) -> None:
    while not lines.get(timeout=3600).startswith(start):
        pass


def save_chapter(book: Path, index: int, run: int) -> float:
    """``edit_chapter``, saved as most editors save (a new file renamed over the old), so that the
    server never reads half a file; the time of the save."""
    chapter = sorted(book.glob("[0-9]*.md"))[index - 1]
    text, count = re.subn(r" the(?:\d+)? ", f" the{run} ", chapter.read_text(encoding="utf-8"), count=1)
    assert count == 1, f"nothing to edit in {chapter.name}"
    temporary = chapter.with_name(f".{chapter.name}.saving")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(chapter)
    return time.perf_counter()


def _file_state(path: Path) -> tuple[int, int, int]:
    info = path.stat()
    return info.st_ino, info.st_mtime_ns, info.st_size


def mib(values: Iterable[int]) -> str:
    return f"{max(values) / 2**20:.0f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", default="1,4,16")
    parser.add_argument("--markdown", type=Path, help="also write the results table to this file")
    parser.add_argument("--only", default="", help="run only the jobs whose name contains this text")
    parser.add_argument("--shapes", default="",
                        help="instead, build books of these shapes (16x,notes,long,diary; benchmarks/shapes.py) "
                             "and report seconds per MB, parallel efficiency and peak memory")
    parser.add_argument("--jobs", type=int, help="with --shapes: layout processes (default: one per core)")
    parser.add_argument("--serve", action="store_true",
                        help="instead, time publish serve from saving one chapter to the new PDF (--sizes, --runs)")
    args = parser.parse_args()
    if args.serve:
        with tempfile.TemporaryDirectory(prefix="publish-serve-") as tmp:
            table = time_serve([int(s) for s in args.sizes.split(",")], args.runs, Path(tmp))
        print(table)
        if args.markdown:
            args.markdown.write_text(environment() + "\n" + table, encoding="utf-8")
        return 0
    if args.shapes:
        with tempfile.TemporaryDirectory(prefix="publish-shapes-") as tmp:
            table = run_shapes(args.shapes.split(","), args.runs, Path(tmp), args.jobs)
        print(table)
        if args.markdown:
            args.markdown.write_text(environment() + "\n" + table, encoding="utf-8")
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="publish-bench-") as tmp:
        work = Path(tmp)
        all_jobs: list[Job] = []
        for size in sizes:
            book = make_book(size, work)
            # Build once so that "after editing" and "cold proof" start from a built book.
            subprocess.run([sys.executable, "-m", "publish", "build", "--book", str(book)], cwd=work, check=True,
                           env=CHILD_ENV,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            all_jobs += [job for job in jobs_for(size, book, work) if args.only in job.name]
        for run in range(args.runs):
            for job in all_jobs:
                job.prepare(run)
                elapsed, peak = run_once(job.command(run), work)
                job.times.append(elapsed)
                job.peaks.append(peak)
                print(f"run {run + 1}/{args.runs} {job.size:>2}x {job.name}: {elapsed:.2f} s", file=sys.stderr)
    table = report(all_jobs)
    print(table)
    if args.markdown:
        args.markdown.write_text(environment() + "\n" + table, encoding="utf-8")
    return 0


def report(jobs: list[Job]) -> str:
    by = {(j.name, j.size): j for j in jobs}
    med = {key: statistics.median(j.times) for key, j in by.items()}
    anchors = {
        "publish epub": ("pandoc epub", 0.25),
        "publish pdf (full, no cache)": ("weasyprint, one process", 0.6),
        "publish pdf after editing one chapter": ("publish pdf (full, no cache)", 0.2),
    }
    lines = ["| job | size | median s | min–max s | peak MiB | ratio | target |", "|---|---|---|---|---|---|---|"]
    for job in jobs:
        key = (job.name, job.size)
        ratio, target = "", ""
        if job.name in anchors:
            anchor, limit = anchors[job.name]
            target = f"≤ {limit}"
            if (anchor, job.size) in med:
                ratio = f"{med[key] / med[(anchor, job.size)]:.2f} × {anchor}"
        elif job.name.startswith("publish proof"):
            target = "< 2 s"
        if job.size != 1 and job.name.startswith("publish") and (job.name, 1) in med:
            scale = med[key] / med[(job.name, 1)]
            ratio += f"{'; ' if ratio else ''}{scale:.1f} × its 1x"
            target += f"{'; ' if target else ''}≤ 18 × 1x, ≤ 1024 MiB"
        lines.append(f"| {job.name} | {job.size}x | {med[key]:.2f} | {min(job.times):.2f}–{max(job.times):.2f} "
                     f"| {max(job.peaks) / 2**20:.0f} | {ratio} | {target} |")
    return "\n".join(lines) + "\n"


def environment() -> str:
    versions = ", ".join(f"{name} {metadata.version(name)}" for name in
                         ("weasyprint", "pypdf", "ebooklib", "markdown", "pypandoc-binary"))
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory = next((line.split(":", 1)[1].strip() for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), "?")
    return (f"Machine: {os.cpu_count()} cores, {cpu}, {memory} memory; Python {platform.python_version()}; "
            f"{versions}; pandoc {pandoc_version()} from pypandoc-binary\n")


def pandoc_version() -> str:
    import pypandoc

    return str(pypandoc.get_pandoc_version())


if __name__ == "__main__":
    raise SystemExit(main())
