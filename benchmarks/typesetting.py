"""Measure the text block of a book: loose lines, hyphen runs, lone fragments, short endings.

Usage: ``python3 benchmarks/typesetting.py [BOOK] [--no-mend]``. Lays out every chapter and the
Notes in this process, as ``publish pdf`` does (``pdf.layout.fit_job``), reads the laid-out
lines from WeasyPrint's boxes (``pdf.lines``) and prints, for the whole book: full justified
lines, loose lines (word spaces averaging over twice the face's space), the median and worst
word space as a multiple of that space, hyphen runs over two, lone fragments, chapters ending
with fewer than three lines, pages holding only a paragraph's end, and the layouts spent.
``--no-mend`` gives the first layout of each part, before the fitting. It measures quality,
not time: the time it prints (wall clock and this process's CPU time, which a busy machine
disturbs less) is only to say what the fitting costs.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from publish.build import read_book  # noqa: E402
from publish.pdf.jobs import chapter_job, notes_job, print_settings  # noqa: E402
from publish.pdf.layout import fit_job  # noqa: E402
from publish.pdf.pages import locator_digits  # noqa: E402


def main(argv: list[str]) -> None:
    args = [arg for arg in argv if not arg.startswith("--")]
    mend = "--no-mend" not in argv
    book, _ = read_book(Path(args[0]) if args else ROOT / "manuscript")
    settings = print_settings(book)
    jobs = [chapter_job(book, chapter, settings) for chapter in book.chapters]
    if book.config.notes == "book" and book.notes:
        jobs.append(notes_job(book, locator_digits([c.source for c in book.chapters], book.config.trim), settings))
    totals = dict.fromkeys(("full lines", "loose", "hyphen runs over 2", "lone fragments", "short endings",
                            "tail pages", "layouts", "pages"), 0)
    ratios: list[float] = []
    started, cpu = time.perf_counter(), time.process_time()
    for job in jobs:
        fitted = fit_job(job, mend=mend)
        found = fitted.findings
        full = [line.space_ratio for line in found.lines if line.justified and line.spaces]
        ratios += full
        totals["full lines"] += len(full)
        totals["loose"] += len(found.loose)
        totals["hyphen runs over 2"] += len(found.hyphen_runs)
        totals["lone fragments"] += len(found.fragments)
        totals["short endings"] += bool(found.short_ending)
        totals["tail pages"] += len(found.tail_pages)
        totals["layouts"] += fitted.layouts
        totals["pages"] += found.page_count
        if not fitted.fit.empty:
            print(f"{job.name}: {'; '.join(fitted.fit.describe())}")
    ratios.sort()
    for name, value in totals.items():
        print(f"{name:>20}: {value}")
    if ratios:
        print(f"{'median word space':>20}: {ratios[len(ratios) // 2]:.3f} × the face's space")
        print(f"{'widest word space':>20}: {ratios[-1]:.3f} ×")
    print(f"{'seconds':>20}: {time.perf_counter() - started:.1f} (one process)")
    print(f"{'CPU seconds':>20}: {time.process_time() - cpu:.1f}")


if __name__ == "__main__":
    main(sys.argv[1:])
