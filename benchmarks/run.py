"""Benchmark publish against the tools authors use today, on the real book and on 4x and 16x books.

Run from the repository: ``python3 benchmarks/run.py`` (``--runs N``, ``--sizes 1,4,16``,
``--markdown FILE`` to also write the table as Markdown). Every figure is the median of N runs
(min and max beside it) of a fresh process, timed by wall clock, with the peak memory of the
whole process tree (sampled from /proc, so parallel layout workers count too). Jobs are
interleaved run by run, so a slow patch of the machine hurts them all alike.

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
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
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
    book = folder / f"book-{size}x"
    book.mkdir(parents=True)
    text = (MANUSCRIPT / "book.toml").read_text(encoding="utf-8")
    (book / "book.toml").write_text(text, encoding="utf-8")
    chapters = sorted(MANUSCRIPT.glob("[0-9]*.md"))
    number = 0
    for copy in range(size):
        for chapter in chapters:
            number += 1
            source = chapter.read_text(encoding="utf-8")
            if copy:
                source = re.sub(r"\[\^([^\]]+)\]", rf"[^r{copy}-\1]", source)
            slug = chapter.stem.split("-", 1)[1]
            (book / f"{number:03d}-{slug}.md").write_text(source, encoding="utf-8")
    return book


def edit_chapter(book: Path, index: int, run: int) -> None:
    """A real edit that changes one word of one chapter, different on every run."""
    chapter = sorted(book.glob("[0-9]*.md"))[index - 1]
    text = chapter.read_text(encoding="utf-8")
    text, count = re.subn(r" the(?:\d+)? ", f" the{run} ", text, count=1)
    assert count == 1, f"nothing to edit in {chapter.name}"
    chapter.write_text(text, encoding="utf-8")


def peak_tree_rss(pid: int, stop: threading.Event, result: list[int]) -> None:
    """Highest total resident memory of ``pid`` and all its descendants, sampled every 10 ms."""
    peak = 0
    while not stop.is_set():
        total = 0
        for proc in _tree(pid):
            try:
                with open(f"/proc/{proc}/status") as status:
                    for line in status:
                        if line.startswith("VmRSS:"):
                            total += int(line.split()[1]) * 1024
                            break
            except OSError:
                continue
        peak = max(peak, total)
        stop.wait(0.01)
    result.append(peak)


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


def run_once(command: list[str], cwd: Path) -> tuple[float, int]:
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
    return elapsed, result[0]


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", default="1,4,16")
    parser.add_argument("--markdown", type=Path, help="also write the results table to this file")
    parser.add_argument("--only", default="", help="run only the jobs whose name contains this text")
    args = parser.parse_args()
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
