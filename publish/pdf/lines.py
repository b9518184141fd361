"""The lines of a laid-out part, read as plain data: what the typesetting checks look at.

Takes WeasyPrint's laid-out pages (through ``weasyprint_boxes``, the one module that knows their
boxes); returns a ``Line`` for every line of text in the text block and the footnote area: its
page, the block it belongs to (the ``data-block`` number ``pdf.fit.number_blocks`` gave each
element of the part's HTML), its text, whether it ends with a hyphen the line breaker added,
whether it opens or ends its block, and how wide its word spaces came out. The one design
decision: a line's word space is measured against the face's own space (``SPACE_EM``), not
against the other lines, so "loose" means the same in every book and in every chapter.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from publish.pdf.weasyprint_boxes import boxes, extra_word_space, page_box, style_value

SPACE_EM = 0.2
"""The advance of EB Garamond's space (U+0020 and U+00A0), 200 units of 1,000, in the regular and
italic faces the running text is set in (the bold faces' is 0.237 em): the normal word space the
loose-line measure compares with (tests/test_internals.py reads it from the bundled fonts)."""
LOOSE = 2.0
"""A line whose word spaces average more than twice the normal space is loose."""
HYPHEN = "\u2010"
"""The hyphen the line breaker adds (print.css sets ``hyphenate-character`` to it): an author's
own hyphen is U+002D, so a line that ends a compound such as "Russian-" is not counted as
hyphenated."""


@dataclass(frozen=True)
class Line:
    page: int
    """0-based page within the part."""
    block: int
    """The ``data-block`` number of the element the line belongs to; -1 when it has none."""
    element_id: str
    """The id of the nearest element that has one: where the source map looks first."""
    text: str
    first: bool
    """The first line of its block (on whatever page)."""
    last: bool
    """The last line of its block."""
    hyphenated: bool
    """Ends with a hyphen the line breaker added."""
    justified: bool
    """Set justified and not the block's last line: its spaces were stretched to fill it."""
    spaces: int
    space_ratio: float
    """Average word space over the face's normal space (1.0: not stretched); 0 without spaces."""
    footnote: bool
    """In the footnote area, not the text block."""

    @property
    def loose(self) -> bool:
        return self.justified and self.spaces > 0 and self.space_ratio > LOOSE


def read_lines(pages: Sequence[Any]) -> list[Line]:
    """Every line with text on the pages, in reading order (each page's text block, then its
    footnote area)."""
    raw: list[tuple[int, Any, Any, str, bool]] = []
    for number, page in enumerate(pages):
        for container, element_id, footnote in _containers(page_box(page), "", False):
            for child in container.children:
                if isinstance(child, boxes.LineBox) and _text(child).strip():
                    raw.append((number, container, child, element_id, footnote))
    last_seen: dict[int, int] = {}
    for index, (_number, container, _line, _id, _footnote) in enumerate(raw):
        last_seen[_element_key(container)] = index
    first_seen: set[int] = set()
    lines = []
    for index, (number, container, line, element_id, footnote) in enumerate(raw):
        key = _element_key(container)
        first = key not in first_seen
        first_seen.add(key)
        last = last_seen[key] == index
        text = _text(line).rstrip(" ")
        spaces, ratio = _word_space(line)
        justified = style_value(container, "text_align_all") == "justify" and not last
        block = container.element.get("data-block") if container.element is not None else None
        lines.append(Line(
            page=number, block=int(block) if block and block.isdigit() else -1, element_id=element_id,
            text=text, first=first, last=last, hyphenated=text.endswith(HYPHEN), justified=justified,
            spaces=spaces, space_ratio=round(ratio, 3), footnote=footnote,
        ))
    return lines


def _containers(box: Any, element_id: str, footnote: bool) -> Iterator[tuple[Any, str, bool]]:
    """Block containers holding lines, with the nearest id, outside the margin boxes."""
    if isinstance(box, boxes.MarginBox):
        return
    element = getattr(box, "element", None)
    if element is not None and element.get("id"):
        element_id = element.get("id")
    footnote = footnote or isinstance(box, boxes.FootnoteAreaBox)
    children = getattr(box, "children", ())
    if isinstance(box, boxes.BlockContainerBox) and any(isinstance(c, boxes.LineBox) for c in children):
        yield box, element_id, footnote
    for child in children:
        if not isinstance(child, boxes.LineBox):
            yield from _containers(child, element_id, footnote)


def _element_key(container: Any) -> int:
    """One key for every fragment of the same element on whatever page."""
    return id(container.element) if container.element is not None else id(container)


def _text(box: Any) -> str:
    if isinstance(box, boxes.TextBox):
        return str(box.text)
    return "".join(_text(child) for child in getattr(box, "children", ()))


def _word_space(line: Any) -> tuple[int, float]:
    """Spaces between words on the line and their average width over the normal space."""
    spaces, normal, drawn = 0, 0.0, 0.0
    texts = list(_text_boxes(line))
    for number, box in enumerate(texts):
        # A space that ends the line is not between words.
        text = box.text.rstrip(" ") if number == len(texts) - 1 else box.text
        count = text.count(" ") + text.count("\xa0")
        if not count:
            continue
        size = float(style_value(box, "font_size"))
        space = SPACE_EM * size
        spaces += count
        normal += count * space
        drawn += count * (space + float(style_value(box, "word_spacing")) + extra_word_space(box))
    return spaces, (drawn / normal if normal else 0.0)


def _text_boxes(box: Any) -> Iterator[Any]:
    if isinstance(box, boxes.TextBox):
        yield box
    elif isinstance(box, boxes.LineBox | boxes.InlineBox):
        for child in box.children:
            yield from _text_boxes(child)
