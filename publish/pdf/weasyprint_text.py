"""WeasyPrint's laid-out text, read: the one module that relies on how its boxes hold the words.

Takes the pages of a rendered WeasyPrint document; gives every line of text the part sets, in
reading order, as ``printed.Line``: the page it is on, the note it belongs to (``note-N``, from the
nearest element with that id), whether it is in the text's flow or at the foot of the page (a
footnote), and its words in ``publish.words``'s form. Left out, as what the print edition adds
around the author's words: the margin boxes (running heads, folios), generated content (list
markers, the comma between two references), the chapter's "Chapter N" label, each note's number
and the room of its "p. N" (``ADDED_CLASSES``), the headings the Notes set (``ADDED_HEADINGS``), and
a table's header where it is repeated at the top of a page. A note reference (a ``noteref`` sup,
the call of a footnote) is ``words.REF``.

None of this is WeasyPrint's public API: the box classes (``LineBox``, ``TextBox``, ``MarginBox``,
``FootnoteAreaBox``), a pseudo-element's boxes named ``tag::name`` in ``element_tag``, the hyphen
the layout adds in ``style["hyphenate_character"]``. ``check_text_internals`` says loudly when a
new release changes them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from weasyprint.formatting_structure import boxes

from publish.pdf.weasyprint_boxes import page_box
from publish.printed import Line
from publish.words import REF, line_words

ADDED_CLASSES = frozenset({"chapter-number", "note-number", "note-page", "locator-room"})
"""Elements of the print templates that hold the edition's words, not the author's."""
ADDED_HEADINGS = frozenset({"notes", "chapter-notes"})
"""Sections whose own headings the edition writes ("Notes", a chapter's group in the Notes)."""
_NOTE_ID = re.compile(r"^note-\d+$")
_REPEATED = ("thead", "tfoot")


def read_lines(pages: list[Any]) -> list[Line]:
    """Every line of text the pages set, in reading order (see the module docstring)."""
    lines: list[Line] = []
    seen: set[int] = set()
    for number, page in enumerate(pages):
        for child in page_box(page).children:
            if isinstance(child, boxes.MarginBox):
                continue
            flow = not isinstance(child, boxes.FootnoteAreaBox)
            lines += _block_lines(child, number, flow, "", seen)
    return lines


def _block_lines(box: Any, page: int, flow: bool, owner: str, seen: set[int]) -> Iterator[Line]:
    """The lines under a box, each with the note it belongs to."""
    # (box, the note it is in, the element of the nearest box above it that is another element's)
    stack: list[tuple[Any, str, Any]] = [(box, owner, None)]
    while stack:
        box, owner, above = stack.pop()
        element = getattr(box, "element", None)
        tag = box.element_tag or ""
        if "::" in tag:
            continue  # generated content: a list's marker, a rule's ornament
        if _added(element, tag, above):
            continue
        if tag in _REPEATED and element is not None and isinstance(box, boxes.TableRowGroupBox):
            if id(element) in seen:
                continue  # a header or footer repeated at the top or foot of the next page
            seen.add(id(element))
        element_id = element.get("id", "") if element is not None else ""
        if _NOTE_ID.match(element_id):
            owner = element_id
        if isinstance(box, boxes.LineBox):
            text = _line_text(box)
            if text:
                yield Line(page, owner, text, flow)
            continue
        stack.extend((child, owner, above if getattr(child, "element", None) is element else element)
                     for child in reversed(getattr(box, "children", ())))


def _added(element: Any, tag: str, above: Any) -> bool:
    """An element of the print templates that holds the edition's words, not the author's."""
    if element is None:
        return False
    if set((element.get("class") or "").split()) & ADDED_CLASSES:
        return True
    return tag in ("h1", "h2") and above is not None and bool(set((above.get("class") or "").split())
                                                              & ADDED_HEADINGS)


def _line_text(line: Any) -> str:
    """A line's words: its text boxes in order, references as ``REF``, the edition's words left out."""
    pieces: list[str] = []
    hyphen = ""
    stack = list(reversed(line.children))
    while stack:
        box = stack.pop()
        tag = box.element_tag or ""
        element = getattr(box, "element", None)
        if tag.endswith("::footnote-call"):
            # The call of a note set at the foot of the page; a nested note's call is empty.
            if any(isinstance(inner, boxes.TextBox) and inner.text.strip() for inner in _descendants(box)):
                pieces.append(REF)
            continue
        if "::" in tag:
            continue
        classes = set((element.get("class") or "").split()) if element is not None else set()
        if classes & ADDED_CLASSES:
            continue
        if tag == "sup" and "noteref" in classes:
            pieces.append(REF)
            continue
        if isinstance(box, boxes.TextBox):
            pieces.append(box.text)
            hyphen = box.style["hyphenate_character"] or ""
            continue
        if isinstance(box, boxes.LineBox):
            pieces.append(" ")  # a line inside an inline block
        stack.extend(reversed(getattr(box, "children", ())))
    return line_words("".join(pieces), hyphen)


def _descendants(box: Any) -> Iterator[Any]:
    for child in getattr(box, "children", ()):
        yield child
        yield from _descendants(child)


def check_text_internals(document: Any) -> None:
    """What this module relies on, on a real document with a note at the foot of its page."""
    missing = [name for name in ("LineBox", "TextBox", "MarginBox", "FootnoteAreaBox", "TableRowGroupBox")
               if not isinstance(getattr(boxes, name, None), type)]
    if missing:
        raise RuntimeError(f"WeasyPrint's boxes have no {', '.join(missing)}: publish/pdf/weasyprint_text.py "
                           "(the print edition's words) must be looked at again")
    texts = [box for page in document.pages for box in _descendants(page_box(page))
             if isinstance(box, boxes.TextBox)]
    try:
        hyphen = texts[0].style["hyphenate_character"] if texts else None
    except (KeyError, TypeError):
        hyphen = None
    if not isinstance(hyphen, str):
        raise RuntimeError("WeasyPrint's text boxes no longer have style['hyphenate_character']: "
                           "publish/pdf/weasyprint_text.py must be looked at again")
    tags = {box.element_tag for page in document.pages for box in _descendants(page_box(page))}
    if not any(tag and tag.endswith("::footnote-call") for tag in tags):
        raise RuntimeError("WeasyPrint no longer names a footnote's call 'tag::footnote-call': "
                           "publish/pdf/weasyprint_text.py must be looked at again")
    if not any(isinstance(box, boxes.FootnoteAreaBox) for page in document.pages
               for box in page_box(page).children):
        raise RuntimeError("WeasyPrint's page boxes no longer hold a FootnoteAreaBox: "
                           "publish/pdf/weasyprint_text.py must be looked at again")
