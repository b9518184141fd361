"""What each e-book store takes beyond EPUB 3: one table of stores, and the changes each asks for.

Takes the store's name and the EPUB's finished pages; changes the pages in place (``adapt_pages``:
Kobo's sentence spans) and gives the files the store wants beside them (``store_files``: Apple's
display options) and the output's file name (``Store.suffix``). ``generic`` changes nothing. The
one design decision: a store's changes are made last, to the pages as the generic EPUB has them
(page markers placed, the editions compared), and add markup only, never text: every store's
EPUB carries the same words.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from lxml import etree

from publish.epub.xhtml import XHTML


@dataclass(frozen=True)
class Store:
    name: str
    suffix: str
    """The output file's ending: Kobo's readers take a file as a KEPUB by its name."""
    sentence_spans: bool = False
    display_options: bool = False


STORES: Mapping[str, Store] = MappingProxyType({
    "generic": Store("generic", ".epub"),
    # Kobo: a KEPUB is an EPUB whose name ends ".kepub.epub" and whose text is cut into
    # sentences, each in <span class="koboSpan" id="kobo.B.S"> (B: the block, S: the sentence in
    # it, both from 1), which Kobo's reader keeps the reading position, bookmarks and highlights
    # by; the body's content sits in div#book-columns > div#book-inner, which it lays out into
    # columns (Kobo's EPUB guidelines, github.com/kobolabs/epub-spec; the KEPUBs Kobo's store sells).
    "kobo": Store("kobo", ".kepub.epub", sentence_spans=True),
    # Apple Books: META-INF/com.apple.ibooks.display-options.xml with the option
    # "specified-fonts" set to true, or it sets the text in its own default face (Apple Books
    # Asset Guide, "Embedded fonts").
    "apple": Store("apple", ".apple.epub", display_options=True),
})
DISPLAY_OPTIONS = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<display_options>\n'
    b'  <platform name="*">\n'
    b'    <option name="specified-fonts">true</option>\n'
    b'  </platform>\n'
    b'</display_options>\n'
)
DISPLAY_OPTIONS_PATH = "META-INF/com.apple.ibooks.display-options.xml"
_BLOCKS = frozenset({
    "body", "p", "div", "li", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "td", "th",
    "caption", "figcaption", "figure", "section", "aside", "header", "footer", "nav", "ol", "ul", "dl", "table",
})
_UNTOUCHED = frozenset({"head", "script", "style", "svg", "math"})
# A sentence ends at . ! ? or … (and any closing quotes or brackets) followed by a space.
_SENTENCE = re.compile(r".*?[.!?…]+[\"'”’»)\]]*\s+|.+\Z", re.DOTALL)


def adapt_pages(chosen: Store, pages: Mapping[str, etree._Element]) -> None:
    """Make the store's changes to the pages, in place."""
    if chosen.sentence_spans:
        for root in pages.values():
            _add_sentence_spans(root)


def store_files(chosen: Store) -> list[tuple[str, bytes]]:
    """Files the store wants in the package beside the pages, as (path in the zip, bytes)."""
    return [(DISPLAY_OPTIONS_PATH, DISPLAY_OPTIONS)] if chosen.display_options else []


def _add_sentence_spans(root: etree._Element) -> None:
    body = root.find(f"{{{XHTML}}}body")
    if body is None:
        return
    slots = list(_text_slots(body))
    blocks: dict[int, int] = {}
    counted: dict[int, int] = {}
    for element, tail, block in slots:
        text = element.tail if tail else element.text
        if not text or not text.strip():
            continue
        number = blocks.setdefault(id(block), len(blocks) + 1)
        spans = []
        for piece in sentences(text):
            counted[id(block)] = counted.get(id(block), 0) + 1
            span = etree.Element(f"{{{XHTML}}}span", {"class": "koboSpan", "id": f"kobo.{number}.{counted[id(block)]}"})
            span.text = piece
            spans.append(span)
        if tail:
            element.tail = None
            parent = element.getparent()
            position = parent.index(element) + 1 if parent is not None else 0
            for offset, span in enumerate(spans):
                if parent is not None:
                    parent.insert(position + offset, span)
        else:
            element.text = None
            for offset, span in enumerate(spans):
                element.insert(offset, span)
    _wrap_body(body)


def _text_slots(body: etree._Element) -> Iterator[tuple[etree._Element, bool, etree._Element]]:
    """(element, whether it is the element's tail, the block the text is in) for every piece of
    text under ``body``, in reading order."""

    def visit(element: etree._Element, block: etree._Element) -> Iterator[tuple[etree._Element, bool, etree._Element]]:
        if etree.QName(element).localname in _UNTOUCHED:
            return
        own = element if etree.QName(element).localname in _BLOCKS else block
        yield element, False, own
        for child in element:
            if isinstance(child.tag, str):
                yield from visit(child, own)
            yield child, True, own  # a child's tail is text of this element

    yield from visit(body, body)


def sentences(text: str) -> list[str]:
    """``text`` cut after each sentence's end (and the spaces after it): the pieces join up to it."""
    pieces = _SENTENCE.findall(text)
    return pieces if "".join(pieces) == text else [text]


def _wrap_body(body: etree._Element) -> None:
    columns = etree.Element(f"{{{XHTML}}}div", {"id": "book-columns"})
    inner = etree.SubElement(columns, f"{{{XHTML}}}div", {"id": "book-inner"})
    inner.text, body.text = body.text, None
    for child in list(body):
        inner.append(child)
    body.append(columns)
