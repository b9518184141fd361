"""Books of other shapes than the default one, generated from its own prose for the benchmarks.

Takes the default book (``manuscript/``) and a folder; writes a book and returns its folder. The
same arguments always give the same bytes (a seeded generator), so runs on different days lay
out the same pages. The text is the default book's paragraphs and notes, reshuffled, so that
hyphenation, line breaking and the figures are those of real prose, not of word salad:

- ``repeat``: every chapter repeated ``size`` times (the 16x book is the reference shape);
- ``note_heavy``: ten notes a paragraph, each note of two to four paragraphs, so that the Notes
  are most of the book;
- ``long_chapter``: the default book four times over, with one chapter thirty times as long as
  the average chapter;
- ``diary``: about 7 MB of Markdown in 116 chapters with 5,000 notes.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

_NOTE_REF = re.compile(r"\[\^[^\]]+\]")


@dataclass(frozen=True)
class Prose:
    """The default book taken apart: its paragraphs (note references removed) and its notes' text."""

    config: str
    paragraphs: tuple[str, ...]
    notes: tuple[str, ...]


def read_prose(manuscript: Path) -> Prose:
    paragraphs, notes = [], []
    for chapter in sorted(manuscript.glob("[0-9]*.md")):
        for block in chapter.read_text(encoding="utf-8").split("\n\n"):
            block = block.strip()
            if block.startswith("[^"):
                notes.append(block.split("]:", 1)[1].strip())
            elif block and not block.startswith("#"):
                paragraphs.append(_NOTE_REF.sub("", block))
    return Prose((manuscript / "book.toml").read_text(encoding="utf-8"), tuple(paragraphs), tuple(notes))


def repeat(manuscript: Path, folder: Path, size: int) -> Path:
    """The default book with every chapter repeated ``size`` times, note labels kept distinct."""
    book = _start(folder, f"book-{size}x", read_prose(manuscript).config)
    chapters = sorted(manuscript.glob("[0-9]*.md"))
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


def note_heavy(manuscript: Path, folder: Path, chapters: int = 35, paragraphs: int = 6) -> Path:
    """Ten notes a paragraph, each of two to four paragraphs: the Notes are most of the book."""
    prose, rng = read_prose(manuscript), random.Random(17)
    book = _start(folder, "book-notes", prose.config)
    for number in range(1, chapters + 1):
        body, definitions = [f"# Chapter {number}: {_title(prose, rng)}"], []
        for paragraph in range(1, paragraphs + 1):
            words = rng.choice(prose.paragraphs).split(" ")
            # Ten references spread through the paragraph, each after a word.
            for index, spot in enumerate(sorted(rng.sample(range(len(words)), min(10, len(words)))), 1):
                words[spot] += f"[^{paragraph}-{index}]"
                note = [rng.choice(prose.notes)] + [_sentences(prose, rng, rng.randint(1, 3))
                                                    for _ in range(rng.randint(1, 3))]
                definitions.append(f"[^{paragraph}-{index}]: " + "\n\n    ".join(note))
            body.append(" ".join(words))
        _write(book, number, "notes", body + definitions)
    return book


def long_chapter(manuscript: Path, folder: Path, times: int = 30, base: int = 4) -> Path:
    """The default book ``base`` times over, and one chapter ``times`` as long as the average."""
    book = repeat(manuscript, folder / "long-base", base).rename(folder / "book-long")
    prose, rng = read_prose(manuscript), random.Random(30)
    existing = sorted(book.glob("[0-9]*.md"))
    average = sum(len(path.read_text(encoding="utf-8")) for path in existing) // len(existing)
    body, definitions, size = ["# The Long Chapter"], [], 0
    while size < times * average:
        paragraph = rng.choice(prose.paragraphs)
        if rng.random() < 0.5:
            label = len(definitions) + 1
            paragraph += f"[^long-{label}]"
            definitions.append(f"[^long-{label}]: {rng.choice(prose.notes)}")
        if rng.random() < 0.04:
            body.append(f"# {_title(prose, rng)}")
        body.append(paragraph)
        size += len(paragraph)
    # In the middle of the book, where its page numbers run to three figures.
    middle = len(existing) // 2
    for path in reversed(existing[middle:]):
        number, slug = path.name.split("-", 1)
        path.rename(book / f"{int(number) + 1:03d}-{slug}")
    _write(book, middle + 1, "long", body + definitions)
    return book


def diary(manuscript: Path, folder: Path, megabytes: float = 7.0, chapters: int = 116, notes: int = 5000) -> Path:
    """About ``megabytes`` MB of Markdown in ``chapters`` chapters with ``notes`` notes."""
    prose, rng = read_prose(manuscript), random.Random(7)
    book = _start(folder, "book-diary", prose.config)
    per_chapter = int(megabytes * 1_000_000 / chapters)
    for number in range(1, chapters + 1):
        wanted = notes // chapters + (1 if number <= notes % chapters else 0)
        body, definitions = [f"# Day {number}: {_title(prose, rng)}"], []
        for label in range(1, wanted + 1):
            definitions.append(f"[^{label}]: {rng.choice(prose.notes)}")
        paragraphs, size = [], sum(len(d) + 2 for d in definitions)
        while size < per_chapter:
            paragraphs.append(rng.choice(prose.paragraphs))
            size += len(paragraphs[-1]) + 2
        # References spread evenly over the paragraphs, a few to a paragraph.
        for label in range(1, wanted + 1):
            index = (label - 1) * len(paragraphs) // wanted
            paragraphs[index] += f"[^{label}]"
        _write(book, number, "day", body + paragraphs + definitions)
    return book


SHAPES = {
    "16x": lambda manuscript, folder: repeat(manuscript, folder, 16),
    "notes": note_heavy,
    "long": long_chapter,
    "diary": diary,
}
"""The shapes ``benchmarks/run.py --shapes`` knows, by name."""


def markdown_bytes(book: Path) -> int:
    return sum(path.stat().st_size for path in book.glob("*.md"))


def _start(folder: Path, name: str, config: str) -> Path:
    book = folder / name
    book.mkdir(parents=True)
    (book / "book.toml").write_text(config, encoding="utf-8")
    return book


def _write(book: Path, number: int, slug: str, blocks: list[str]) -> None:
    (book / f"{number:03d}-{slug}.md").write_text("\n\n".join(blocks) + "\n", encoding="utf-8")


def _title(prose: Prose, rng: random.Random) -> str:
    words = [w.strip(".,;:\"()") for w in rng.choice(prose.paragraphs).split()[:6]]
    return " ".join(w for w in words if w) or "Untitled"


def _sentences(prose: Prose, rng: random.Random, count: int) -> str:
    sentences = [s for s in re.split(r"(?<=\.) ", rng.choice(prose.paragraphs)) if s]
    start = rng.randrange(len(sentences))
    return " ".join(sentences[start:start + count])
