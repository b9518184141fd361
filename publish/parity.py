"""The two editions compared word for word: what the PDF's layout set against what the EPUB's pages say.

Takes the book, the print edition's lines (``printed.PrintedBook``, recorded by the layout) and the
EPUB's words (``epub.pagelist.shown_words``); returns a ``Parity``: how many chapters and notes
were compared, and a warning ``editions-differ`` for every stretch that one edition sets and the
other does not, or sets differently, with the chapter file and the line it was written on. Each
chapter's text (title and body) and each note are compared on their own, wherever each edition
puts its notes (at the foot of the page, after the chapter, in the Notes).

The one design decision: the PDF's words are the lines the layout itself set, never text read back
out of the PDF (no PDF reader, no guessing at a reading order); both editions take their
typography from one model, the alignment (``words.align``) undoes hyphenation and line ends, and
each edition's reader leaves out only what that edition adds (labels, numbers, running heads).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from publish.diagnostics import Diagnostic, display_path, warning
from publish.model import Book, Chapter
from publish.printed import PrintedBook
from publish.words import Difference, align, readable

CODE = "editions-differ"
EXCERPT = 60


@dataclass(frozen=True)
class Parity:
    chapters: int
    notes: int
    differences: tuple[Diagnostic, ...]

    def summary(self) -> str:
        if self.differences:
            count = len(self.differences)
            return f"the editions differ in {count} place{'s' if count != 1 else ''}"
        return (f"the editions are at parity: {self.chapters} chapters and {self.notes} notes, "
                "word for word in the PDF and the EPUB")


def printed_words(printed: PrintedBook) -> dict[str, str]:
    """Each chapter's text as laid out (key ``chNN``: the lines of its part that are no note's)
    and each note's (``note-N``: its lines wherever they are set), lines joined by ``"\\n"``."""
    found: dict[str, list[str]] = {}
    for part in printed.parts:
        if part.name == "front":
            continue
        for line in part.lines:
            key = line.owner or part.name
            if key != "notes":
                found.setdefault(key, []).append(line.text)
    return {key: "\n".join(lines) for key, lines in found.items()}


def compare_editions(book: Book, printed: PrintedBook, shown: Mapping[str, str]) -> Parity:
    """Every chapter and every note of ``book``, as printed and as shown (see the module docstring)."""
    laid = printed_words(printed)
    found: list[Diagnostic] = []
    for chapter in book.chapters:
        source = _Source(chapter)
        keys = [(chapter.id, f"chapter {chapter.number}", 0),
                *((note.id, f"note {note.number}", note.line) for note in chapter.notes)]
        for key, what, line in keys:
            if key not in laid and key not in shown:
                continue
            if key not in laid or key not in shown:
                missing, present = ("PDF", "EPUB") if key not in laid else ("EPUB", "PDF")
                found.append(warning(source.shown, line or 1, 0, CODE,
                                     f"{what} is in the {present} but not in the {missing}"))
                continue
            alignment = align(laid[key], shown[key])
            found += [_report(source, what, line, laid[key], shown[key], difference)
                      for difference in alignment.differences]
    return Parity(len(book.chapters), len(book.notes), tuple(found))


def _report(source: _Source, what: str, line: int, printed: str, shown: str, difference: Difference) -> Diagnostic:
    ours = readable(printed[slice(*difference.printed)])
    theirs = readable(shown[slice(*difference.shown)])
    if not theirs:
        message = f"{what}: the PDF sets “{_excerpt(ours)}”, which the EPUB lacks"
    elif not ours:
        message = f"{what}: the EPUB has “{_excerpt(theirs)}”, which the PDF does not set"
    else:
        message = f"{what}: the EPUB has “{_excerpt(theirs)}” where the PDF sets “{_excerpt(ours)}”"
    at = source.find(theirs or ours)
    return warning(source.shown, at[0] or line or 1, at[1], CODE, message)


def _excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1].rstrip() + "…"


@dataclass(frozen=True)
class _Source:
    chapter: Chapter

    @property
    def shown(self) -> str:
        return display_path(self.chapter.path)

    @cached_property
    def _letters(self) -> tuple[str, list[int]]:
        # Typography changed quotes, dashes and spaces: letters and digits are what survive.
        kept, offsets = [], []
        for offset, ch in enumerate(self.chapter.source):
            if ch.isalnum():
                kept.append(ch.lower())
                offsets.append(offset)
        return "".join(kept), offsets

    def find(self, text: str) -> tuple[int, int]:
        """Line and column where ``text`` was written in the chapter's Markdown; (0, 0) if not found."""
        letters, offsets = self._letters
        wanted = "".join(ch.lower() for ch in text if ch.isalnum())
        for length in (40, 16, 8):
            needle = wanted[:length]
            if len(needle) >= min(length, 4):
                index = letters.find(needle)
                if index >= 0:
                    source = self.chapter.source
                    offset = offsets[index]
                    return source.count("\n", 0, offset) + 1, offset - (source.rfind("\n", 0, offset) + 1) + 1
        return 0, 0
