"""How the cost of a build grows with what is in one chapter: time at n and 4n, and the exponent.

Run from the repository: ``python3 benchmarks/cost.py`` (``--runs N``, ``--only notes``, ``--pdf``
to also time the PDF, ``--markdown FILE`` to write the table, ``--fuzz SECONDS`` to run the CLI
fuzz of tests/test_fuzz.py for that long instead of its minute in CI). Three chapters that grow
past what a book holds, each at n and 4n:

- one note cited n times (2,000 at 4n);
- n notes in one chapter, each cited once (10,000 at 4n);
- one paragraph of n bytes (5 MB at 4n), prose with a note, an emphasis, a quote, a link or a
  code span every few sentences.

For each: ``publish check`` (read, render and check the book, in this process: the stage where the
cost was) and ``publish epub`` (the same, then the EPUB), medians of ``--runs`` runs after one
untimed run, and the exponent log(t(4n) / t(n)) / log 4: 1 is linear, 2 quadratic. Times are CPU
seconds (``time.process_time``; for ``--pdf``, the CPU of the command and all its layout
processes), which a machine shared with other work disturbs far less than the clock on the wall.
Before it times anything the script checks that the chapter's HTML at n is Python-Markdown's own
(its inline processor, not ``markdown_notes.LinearInline``) byte for byte. Nothing here is
asserted; the script prints.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TOML = ('title = "Cost"\nauthor = "A. Author"\nlanguage = "en"\ndate = "2026-01-01"\n'
        'identifier = "urn:uuid:6f1c2a9e-0000-4000-8000-00000000c057"\n')
WORDS = ("the", "of", "and", "to", "in", "a", "is", "that", "for", "it", "as", "was", "with", "be", "by", "on",
         "not", "he", "this", "are", "or", "his", "from", "at", "which", "but", "have", "an", "they", "you",
         "were", "her", "she", "all", "trade", "region", "partner", "export")


def one_note_cited(n: int) -> str:
    return "# One note\n\n" + "\n\n".join(f"Claim {i} rests on it[^a]." for i in range(n)) + "\n\n[^a]: The source.\n"


def many_notes(n: int) -> str:
    body = "\n\n".join(f"Paragraph {i} says something[^n{i}]." for i in range(n))
    return "# Many notes\n\n" + body + "\n\n" + "\n".join(f"[^n{i}]: Note {i}, *with* a word." for i in range(n)) + "\n"


def one_paragraph(size: int) -> str:
    """Prose of ``size`` bytes in one paragraph; the same seed gives the same text's beginning."""
    chance = random.Random(18)
    sentences, length, notes = [], 0, 0
    while length < size:
        words = [chance.choice(WORDS) for _ in range(chance.randint(8, 20))]
        kind = chance.random()
        if kind < 0.15:
            words[3] = f"*{words[3]}*"
        elif kind < 0.25:
            notes += 1
            words[-1] += f"[^n{notes % 50}]"
        elif kind < 0.35:
            words[2] += "'s"
        elif kind < 0.45:
            words[1], words[-1] = '"' + words[1], words[-1] + '"'
        elif kind < 0.5:
            words.append("[a source](https://example.org/a)")
        elif kind < 0.55:
            words.append("`code`")
        sentence = " ".join(words)
        sentences.append(sentence[0].upper() + sentence[1:] + ".")
        length += len(sentences[-1]) + 1
    notes_text = "\n".join(f"[^n{i}]: Note {i}." for i in range(50))
    return "# One paragraph\n\n" + " ".join(sentences) + "\n\n" + notes_text + "\n"


CASES: dict[str, tuple[str, int, Callable[[int], str]]] = {
    "refs": ("one note cited n times", 500, one_note_cited),
    "notes": ("n notes in one chapter", 2500, many_notes),
    "paragraph": ("one paragraph of n bytes", 1_250_000, one_paragraph),
}


def make_book(folder: Path, text: str) -> Path:
    book = folder / "book"
    book.mkdir(parents=True)
    (book / "book.toml").write_text(TOML, encoding="utf-8")
    (book / "01-chapter.md").write_text(text, encoding="utf-8")
    return book


def time_check(book: Path) -> float:
    from publish.manuscript import load_book

    started = time.process_time()
    loaded, problems = load_book(book)
    took = time.process_time() - started
    assert loaded is not None and not any(p.severity.value == "error" for p in problems), problems[:3]
    return took


def time_epub(book: Path) -> float:
    from publish.build import build_epub

    started = time.process_time()
    build_epub(book, book.parent / "out.epub")
    return time.process_time() - started


def time_pdf(book: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-m", "publish", "pdf", "--no-cache", "--book", str(book), "-o",
                    str(book.parent / "out.pdf")], env=env, check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def same_as_python_markdown(text: str) -> bool:
    """The chapter's HTML through LinearInline and through Python-Markdown's own inline processor."""
    import functools
    from unittest import mock

    from publish import markdown_notes, render

    ours = render._convert(text).html
    with mock.patch.object(markdown_notes, "convert", functools.partial(markdown_notes.convert, linear=False)):
        theirs = render._convert(text).html
    return ours == theirs


def exponent(small: float, large: float) -> float:
    return math.log(large / small) / math.log(4)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", help="comma-separated: " + ", ".join(CASES))
    parser.add_argument("--pdf", action="store_true", help="also time publish pdf --no-cache (minutes)")
    parser.add_argument("--no-verify", dest="verify", action="store_false",
                        help="skip the comparison with Python-Markdown's own output")
    parser.add_argument("--markdown", type=Path, help="also write the table here, as Markdown")
    parser.add_argument("--fuzz", type=float, metavar="SECONDS", help="run the CLI fuzz this long, and nothing else")
    args = parser.parse_args()
    if args.fuzz:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PUBLISH_FUZZ_SECONDS": str(args.fuzz)}
        sys.exit(subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                 str(ROOT / "tests" / "test_fuzz.py")], env=env, check=False).returncode)
    chosen = args.only.split(",") if args.only else list(CASES)
    stages: list[tuple[str, Callable[[Path], float]]] = [("check", time_check), ("epub", time_epub)]
    if args.pdf:
        stages.append(("pdf", time_pdf))
    rows = []
    for name in chosen:
        title, n, make = CASES[name]
        texts = {size: make(size) for size in (n, 4 * n)}
        verified = "not checked"
        if args.verify:
            verified = "same as Python-Markdown" if same_as_python_markdown(texts[n]) else "DIFFERENT"
        with tempfile.TemporaryDirectory() as folder:
            books = {size: make_book(Path(folder) / str(size), text) for size, text in texts.items()}
            for stage, measure in stages:
                measure(books[n])  # imports, the typeset cover: what any first build pays
                times = {size: [measure(book) for _ in range(args.runs)] for size, book in books.items()}
                small, large = statistics.median(times[n]), statistics.median(times[4 * n])
                rows.append((title, stage, n, small, 4 * n, large, exponent(small, large), verified))
                print(f"{title:28} {stage:6} n={n:>9,} {small:8.2f} s   4n={4 * n:>9,} {large:8.2f} s   "
                      f"exponent {exponent(small, large):.2f}   ({verified} at n)", flush=True)
    if args.markdown:
        lines = ["| chapter | stage | n | CPU s at n | 4n | CPU s at 4n | exponent |", "|---|---|---|---|---|---|---|"]
        lines += [f"| {t} | {s} | {a:,} | {ta:.2f} | {b:,} | {tb:.2f} | {e:.2f} |" for t, s, a, ta, b, tb, e, _ in rows]
        args.markdown.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
