"""Test books of other shapes than the default book, generated (the same bytes for the same seed).

``write_scholarly`` writes a book of 1,200 notes and more: labels restart at ``[^1]`` in every
chapter; italic titles, links, URLs and code inside notes; notes of several paragraphs with lists,
block quotes and code; notes on headings, in table cells, in lists and block quotes; notes cited
only from other notes; several ``#`` headings per chapter. ``write_shapes`` writes a small book
with one of each of those, quick to build in every notes mode.
"""

from __future__ import annotations

import random
from pathlib import Path

WORDS = (
    "the", "state", "of", "trade", "and", "the", "sale", "of", "grain", "at", "the", "river", "ports", "was",
    "in", "the", "hands", "of", "a", "few", "merchants", "whose", "letters", "survive", "in", "archives",
    "at", "Vitebsk", "Riga", "Danzig", "and", "Königsberg", "although", "the", "records", "are", "incomplete",
    "and", "the", "prices", "they", "quote", "must", "be", "read", "with", "care", "since", "measures",
    "differed", "from", "town", "to", "town", "and", "year", "to", "year", "cooperation", "agreement",
    "ministry", "delegation", "exhibition", "representatives", "international", "Œuvre", "naïve", "café",
    "façade", "Zürich", "Łódź", "Dvořák", "Ærø", "São", "Paulo",
)
TITLES = ("The Gallic Wars", "Golden Legend", "Annals of the Four Masters", "A History of Trade",
          "Letters from Riga", "The Grain Ledger")


def book_toml(title: str, notes: str, language: str = "en") -> str:
    return (f'title = "{title}"\nauthor = "Test Author"\nlanguage = "{language}"\n'
            f'identifier = "urn:uuid:00000000-0000-4000-8000-000000000c0{len(title) % 10}"\n'
            f'date = "2026-03-01"\nnotes = "{notes}"\n')


def _sentence(rng: random.Random, words: int) -> str:
    picked = [rng.choice(WORDS) for _ in range(words)]
    picked[0] = picked[0].capitalize()
    return " ".join(picked) + "."


def _citation(rng: random.Random) -> str:
    kind = rng.randrange(6)
    title = rng.choice(TITLES)
    if kind == 0:
        return f"Caesar, *{title}*, book {rng.randint(1, 9)}."
    if kind == 1:
        page = f"https://example.org/catalogue/{rng.randint(1, 99)}-items?page=2"
        return f"See the *{title}* and [the catalogue]({page})."
    if kind == 2:
        pages = f"pp. {rng.randint(1, 99)}-{rng.randint(100, 200)}"
        return f"Cited as `MS {rng.randint(100, 999)}` in the {title}, {pages}."
    if kind == 3:
        return f"Available at https://example.org/archive/{rng.randint(1000, 9999)}/letters-and-papers.html."
    if kind == 4:
        return f"\"{_sentence(rng, 6)[:-1]}\" - so the *{title}* says... {_sentence(rng, 5)}"
    return _sentence(rng, rng.randint(4, 14))


def _chapter(rng: random.Random, number: int, notes: int, sections: int) -> str:
    """A chapter whose labels start again at 1, with ``notes`` notes and ``sections`` # sections."""
    body: list[str] = [f"# Chapter {number}: {rng.choice(TITLES)}[^1]", ""]
    definitions: list[str] = ["[^1]: A note on the chapter's title."]
    label = 1
    per_section = max(1, (notes - 1) // max(sections, 1))

    def note(text: str) -> str:
        nonlocal label
        label += 1
        definitions.append(f"[^{label}]: {text}")
        return f"[^{label}]"

    for section in range(1, sections + 1):
        body += [f"# Section {number}.{section}{note('A note on a section heading.') if section == 1 else ''}", ""]
        made = 0
        while made < per_section and label < notes:
            shape = rng.randrange(8)
            if shape == 0:
                body += [f"> {_sentence(rng, 12)}{note(_citation(rng))} {_sentence(rng, 8)}", ""]
            elif shape == 1:
                body += [f"- {_sentence(rng, 6)}{note(_citation(rng))}", f"- {_sentence(rng, 7)}", ""]
            elif shape == 2:
                body += ["| Year | Port | Note |", "|---|---|---|",
                         f"| {rng.randint(1700, 1900)} | Riga | in a cell{note(_citation(rng))} |",
                         f"| {rng.randint(1700, 1900)} | Danzig | plain |", ""]
            elif shape == 3:
                # A note of several paragraphs, with a list, a quotation and code.
                label += 1
                definitions += [
                    f"[^{label}]: {_citation(rng)}", "",
                    f"    {_sentence(rng, 10)}", "",
                    f"    - {_sentence(rng, 4)}", f"    - {_sentence(rng, 4)}", "",
                    f"    > {_sentence(rng, 6)}", "",
                    "        code_in_a_note(x) + 1", "",
                ]
                body += [f"{_sentence(rng, 14)}[^{label}] {_sentence(rng, 9)}", ""]
            elif shape == 4:
                # A note cited only from another note's text.
                inner = label + 2
                outer = note(f"{_citation(rng)} See also the next remark.[^{inner}]")
                label += 1
                definitions.append(f"[^{label}]: An inner note on *{rng.choice(TITLES)}*.")
                body += [f"{_sentence(rng, 16)}{outer} {_sentence(rng, 6)}", ""]
            elif shape == 5:
                body += [f"{_sentence(rng, 9)} *{rng.choice(TITLES)}* {_sentence(rng, 7)}{note(_citation(rng))}", ""]
            else:
                body += [f"{_sentence(rng, 20)}{note(_citation(rng))} {_sentence(rng, 11)}"
                         f"{note(_citation(rng))} {_sentence(rng, 8)}", ""]
            made += 1
        body += [f"## A subsection of {number}.{section}", "", _sentence(rng, 18), ""]
    return "\n".join(body + definitions) + "\n"


def write_scholarly(folder: Path, notes_mode: str = "book", *, chapters: int = 12, notes: int = 104,
                    seed: int = 12) -> Path:
    """A book of ``chapters`` × about ``notes`` notes (1,248 by default)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "book.toml").write_text(book_toml("A Scholarly Test Book", notes_mode), encoding="utf-8")
    for number in range(1, chapters + 1):
        text = _chapter(rng, number, notes, sections=3)
        (folder / f"{number:02d}-chapter.md").write_text(text, encoding="utf-8")
    return folder


def write_shapes(folder: Path, notes_mode: str = "book") -> Path:
    """Two short chapters holding one of every shape, quick to build in every notes mode."""
    return write_scholarly(folder, notes_mode, chapters=2, notes=18, seed=7)
