"""The print edition as the EPUB needs it: each page's folio and the words set on it, as plain data.

Takes nothing; defines the frozen values the PDF stages make from their layout (``pdf.printed``)
and the EPUB (``epub.pagelist``) and the editions' comparison (``parity``) read, so that neither
edition imports the other. The one design decision: the print edition's text is kept as the
words of each laid-out line (``publish.words``), with the page it is on and the note it belongs
to, rather than as page offsets alone: the EPUB finds where each printed page begins by matching
words, and the same words prove that both editions carry the same text.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Line:
    """One laid-out line of a part's text."""

    page: int
    """The page of the part it is set on, from 0."""
    owner: str
    """``note-N`` for a line of note N; "" for the part's own text."""
    text: str
    """Its words, as ``publish.words.line_words`` gives them."""
    flow: bool = True
    """False for a footnote: set at the foot of its page, apart from the text's flow."""


@dataclass(frozen=True)
class PrintedPart:
    """One part as printed: ``front``, ``chNN`` (a chapter) or ``notes``."""

    name: str
    folios: tuple[str, ...]
    """The number of each of its pages in the book (``iv``, ``23``), the blank one that pads the
    part to an even count included."""
    lines: tuple[Line, ...]
    openings: Mapping[str, int] = field(default_factory=dict)
    """Element id → the page of the part it begins on (the front matter is placed by these)."""

    def starts(self) -> list[int]:
        """Per page: the index of its first line of text in ``flow_lines``, or -1 for a page that
        sets none (a blank page, or one that only ends a footnote)."""
        found = [-1] * len(self.folios)
        for index, line in enumerate(self.flow_lines()):
            if 0 <= line.page < len(found) and found[line.page] < 0:
                found[line.page] = index
        return found

    def flow_lines(self) -> list[Line]:
        return [line for line in self.lines if line.flow]


@dataclass(frozen=True)
class PrintedBook:
    """The print edition's parts in reading order, the front matter first."""

    parts: tuple[PrintedPart, ...]

    def part(self, name: str) -> PrintedPart | None:
        return next((part for part in self.parts if part.name == name), None)

    def folios(self) -> Iterator[str]:
        for part in self.parts:
            yield from part.folios
