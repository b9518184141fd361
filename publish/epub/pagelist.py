"""The print edition's page numbers in the EPUB: a marker where each printed page begins, and the list.

Takes the EPUB's pages (parsed XHTML, before packaging) and the print edition's pages
(``printed.PrintedBook``); puts a page-break marker (an empty ``span``: ``epub:type="pagebreak"``,
``role="doc-pagebreak"``, the folio as ``aria-label``, an id) before the first word each printed
page sets, and returns the page list (folio, href) for the navigation document. Also reads each
chapter's and each note's words as the EPUB sets them (``shown_words``), in ``publish.words``'s
form, for the comparison of the two editions.

The one design decision: a printed page is found by its words, not by counting. The lines the
layout set for a part are lined up with the text of the part's EPUB page (``words.align``); the
marker goes before the first word the page sets, or before the next word when the page opens
inside a word hyphenated across the break (a word belongs to the page it starts on), and before
the block that opens with that word (a note, a heading, a paragraph), so that a page that opens
with a note has its marker before the note's number. The front matter, which the EPUB sets
differently (no half-title; its own title page), is placed by element: the title page, the
copyright lines, the contents and each of its entries.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from lxml import etree

from publish.epub.xhtml import EPUB_TYPE, XHTML
from publish.printed import PrintedBook, PrintedPart
from publish.words import REF, align, line_starts

# What the EPUB's templates add around the author's words (note numbers, links back, a missing
# image's alt text), and the sections whose headings they write ("Notes", a chapter's group).
ADDED_CLASSES = frozenset({"note-number", "backlink", "image-alt"})
ADDED_HEADINGS = frozenset({"notes", "notes-chapter", "chapter-notes"})
BLOCKS = frozenset({
    "p", "div", "li", "ol", "ul", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre",
    "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption", "figure", "figcaption", "section", "aside",
    "header", "footer", "nav", "hr", "br",
})
# Elements whose children may only be list items, rows, cells: a marker goes inside the child.
_HOLDERS = frozenset({"ol", "ul", "dl", "table", "thead", "tbody", "tfoot", "tr", "colgroup"})
_INVISIBLE = frozenset("\u200b\u2060\u00ad\ufeff")
_NOTE_ID = re.compile(r"^note-\d+$")
FRONT_PLACES = (("half-title", "titlepage.xhtml", "titlepage"), ("title-page", "titlepage.xhtml", "titlepage"),
                ("copyright", "copyright.xhtml", "imprint"), ("contents", "contents.xhtml", "contents"))
"""Where each page of the print edition's front matter begins in the EPUB: by the element that
opens it in print, the element of the EPUB that holds the same text."""
NOTES_FILE = "notes.xhtml"

Place = tuple[etree._Element, str, int]
"""A character's place in a page: (element, "text" | "tail" | "ref", offset)."""


@dataclass(frozen=True)
class Text:
    """A part's words as the EPUB sets them, each character with its place in the page."""

    text: str
    places: tuple[Place | None, ...]
    """Per character; None for a space."""
    owners: tuple[str, ...]
    """Per character: the note it belongs to (``note-N``), or ""."""
    first: Mapping[etree._Element, int]
    """Element → the index of the first character it holds."""

    def only(self, owners: set[str]) -> Text:
        """The text of the given owners alone."""
        chars: list[str] = []
        places: list[Place | None] = []
        kept: list[str] = []
        moved: dict[int, int] = {}
        for index, (ch, place, owner) in enumerate(zip(self.text, self.places, self.owners, strict=True)):
            if owner not in owners or (ch == " " and (not chars or chars[-1] == " ")):
                continue
            moved[index] = len(chars)
            chars.append(ch)
            places.append(place)
            kept.append(owner)
        while chars and chars[-1] == " ":
            chars.pop(), places.pop(), kept.pop()
        first = {element: moved[index] for element, index in self.first.items() if index in moved}
        return Text("".join(chars), tuple(places), tuple(kept), first)

    def words_by_owner(self) -> dict[str, str]:
        """Each owner's words ("" for the part's own), in one pass over the text."""
        found: dict[str, list[str]] = {}
        for ch, owner in zip(self.text, self.owners, strict=True):
            found.setdefault(owner, []).append(ch)
        return {owner: " ".join("".join(chars).split()) for owner, chars in found.items()}


def read_text(root: etree._Element) -> Text:
    """The words of ``root`` (a chapter's section, the Notes' section) in ``publish.words``'s form."""
    chars: list[str] = []
    places: list[Place | None] = []
    owners: list[str] = []
    first: dict[etree._Element, int] = {}
    waiting: list[etree._Element] = []
    space = [False]

    def emit(text: str, element: etree._Element, kind: str, owner: str) -> None:
        for offset, ch in enumerate(text):
            if ch in _INVISIBLE:
                continue
            if ch.isspace():
                space[0] = True
                continue
            if space[0] and chars:
                chars.append(" ")
                places.append(None)
                owners.append(owner)
            space[0] = False
            for opened in waiting:
                first[opened] = len(chars)
            waiting.clear()
            chars.append(ch)
            places.append((element, kind, offset))
            owners.append(owner)

    def visit(element: etree._Element, owner: str) -> None:
        local = etree.QName(element).localname
        classes = set((element.get("class") or "").split())
        if _added(element, local, classes):
            return
        block = local in BLOCKS
        space[0] = space[0] or block
        if local == "li" and _NOTE_ID.match(element.get("id") or ""):
            owner = element.get("id") or ""
        waiting.append(element)
        if local == "sup" and "noteref" in classes:
            emit(REF, element, "ref", owner)
        else:
            emit(element.text or "", element, "text", owner)
            for child in element:
                if isinstance(child.tag, str):
                    visit(child, owner)
                emit(child.tail or "", child, "tail", owner)
        if waiting and waiting[-1] is element:
            waiting.pop()
        space[0] = space[0] or block

    visit(root, "")
    return Text("".join(chars), tuple(places), tuple(owners), first)


def _added(element: etree._Element, local: str, classes: set[str]) -> bool:
    if classes & ADDED_CLASSES or element.get(EPUB_TYPE) == "pagebreak":
        return True
    parent = element.getparent()
    return local in ("h1", "h2") and parent is not None and bool(
        set((parent.get("class") or "").split()) & ADDED_HEADINGS)


def part_roots(pages: Mapping[str, etree._Element], names: Sequence[str]) -> dict[str, etree._Element]:
    """Each part's section in the EPUB's pages: ``chNN`` in ``chNN.xhtml``, the Notes in notes.xhtml."""
    roots = {}
    for name in names:
        page = pages.get(NOTES_FILE if name == "notes" else f"{name}.xhtml")
        found = page.find(f".//{{{XHTML}}}section[@id='{name}']") if page is not None else None
        if found is not None:
            roots[name] = found
    return roots


def shown_words(pages: Mapping[str, etree._Element], chapters: Sequence[str]) -> dict[str, str]:
    """Each chapter's words (title and text: key ``chNN``) and each note's (``note-N``), as the
    EPUB sets them, wherever it sets them."""
    found: dict[str, str] = {}
    for name, root in part_roots(pages, [*chapters, "notes"]).items():
        for owner, text in read_text(root).words_by_owner().items():
            if owner:
                found[owner] = text
            elif name != "notes":
                found[name] = text
    return found


def mark_pages(pages: Mapping[str, etree._Element], printed: PrintedBook) -> list[tuple[str, str]]:
    """Put a marker where each printed page begins; the page list, (folio, href), in page order."""
    roots = part_roots(pages, [part.name for part in printed.parts])
    listed: list[tuple[str, str]] = []
    for part in printed.parts:
        if part.name == "front":
            listed += _mark_front(pages, part)
        elif part.name in roots:
            file = NOTES_FILE if part.name == "notes" else f"{part.name}.xhtml"
            listed += [(folio, f"{file}#{marker_id(folio)}") for folio in _mark_part(roots[part.name], part)]
    return listed


def marker_id(folio: str) -> str:
    return f"page-{folio}"


def marker(folio: str) -> etree._Element:
    return etree.Element(f"{{{XHTML}}}span", {EPUB_TYPE: "pagebreak", "role": "doc-pagebreak",
                                               "id": marker_id(folio), "aria-label": folio})


def _mark_part(root: etree._Element, part: PrintedPart) -> list[str]:
    """The markers of one part (a chapter, the Notes) placed in its section; the folios placed."""
    lines = part.flow_lines()
    printed = "\n".join(line.text for line in lines)
    starts = line_starts([line.text for line in lines])
    text = read_text(root).only({"", *(line.owner for line in lines)})
    alignment = align(printed, text.text)
    targets: list[int | None] = []
    for first in part.starts():
        found = alignment.shown_at(starts[first]) if first >= 0 else -1
        targets.append(_word_start(text.text, found) if found >= 0 else None)
    # A page without text (blank, or only the end of a footnote) is marked where the next begins;
    # after the part's last text, at its end. Markers never go back in the text.
    end = len(text.text)
    placed = [end] * len(targets)
    following = end
    for index in range(len(targets) - 1, -1, -1):
        target = targets[index]
        if target is not None:
            following = target
        placed[index] = following
    for index in range(1, len(placed)):
        placed[index] = max(placed[index], placed[index - 1])
    groups: dict[int, list[str]] = {}
    for folio, at in zip(part.folios, placed, strict=True):
        groups.setdefault(at, []).append(folio)
    # From the last place to the first: a place before another is not moved by putting markers there.
    for at in sorted(groups, reverse=True):
        spans = [marker(folio) for folio in groups[at]]
        if at >= end:
            root.extend(spans)
        else:
            _insert(text, root, at, spans)
    return list(part.folios)


def _word_start(text: str, index: int) -> int:
    """``index``, or the start of the next word when ``index`` is inside a word."""
    if index <= 0 or text[index - 1] == " ":
        return index
    following = text.find(" ", index)
    return following + 1 if following >= 0 else len(text)


def _insert(text: Text, root: etree._Element, at: int, spans: list[etree._Element]) -> None:
    """Put ``spans`` before the character ``at``: before the outermost element that opens with it,
    or, inside a run of text, at that point of the text."""
    place = text.places[at]
    if place is None:
        return
    element, kind, offset = place
    holder = element if kind in ("text", "ref") else element.getparent()
    if holder is None:
        return
    if text.first.get(holder) != at:
        # Inside a run of text: split it.
        if kind == "text":
            spans[-1].tail, element.text = (element.text or "")[offset:], (element.text or "")[:offset]
            for index, span in enumerate(spans):
                element.insert(index, span)
        else:
            spans[-1].tail, element.tail = (element.tail or "")[offset:], (element.tail or "")[:offset]
            position = holder.index(element) + 1
            for index, span in enumerate(spans):
                holder.insert(position + index, span)
        return
    outer = holder
    while outer is not root:
        parent = outer.getparent()
        if parent is None or text.first.get(parent) != at:
            break
        outer = parent
    while etree.QName(outer).localname in _HOLDERS:
        inner = next((child for child in outer if isinstance(child.tag, str) and text.first.get(child) == at), None)
        if inner is None:
            break
        outer = inner
    parent = outer.getparent()
    if outer is root or parent is None or etree.QName(parent).localname in _HOLDERS:
        spans[-1].tail, outer.text = outer.text, None
        for index, span in enumerate(spans):
            outer.insert(index, span)
    else:
        position = parent.index(outer)
        for index, span in enumerate(spans):
            parent.insert(position + index, span)


def _mark_front(pages: Mapping[str, etree._Element], part: PrintedPart) -> list[tuple[str, str]]:
    """The front matter's pages, each marked at the EPUB's element for what opens it in print."""
    places = [_front_place(pages, part, page) for page in range(len(part.folios))]
    following: tuple[str, etree._Element] | None = None
    for page in range(len(places) - 1, -1, -1):
        following = places[page] or following
        places[page] = following
    listed = []
    contents = pages.get("contents.xhtml")
    end = contents.find(f".//{{{XHTML}}}section[@id='contents']") if contents is not None else None
    # (element, whether the markers go at its end) → the folios marked there, in page order.
    groups: dict[tuple[int, bool], tuple[etree._Element, list[str]]] = {}
    for folio, place in zip(part.folios, places, strict=True):
        if place is not None:
            file, target, at_end = place[0], place[1], False
        elif end is not None:
            file, target, at_end = "contents.xhtml", end, True  # blank pages after the contents
        else:
            continue
        groups.setdefault((id(target), at_end), (target, []))[1].append(folio)
        listed.append((folio, f"{file}#{marker_id(folio)}"))
    for (_, at_end), (target, folios) in groups.items():
        spans = [marker(folio) for folio in folios]
        if at_end:
            target.extend(spans)
        else:
            spans[-1].tail, target.text = target.text, None
            for index, span in enumerate(spans):
                target.insert(index, span)
    return listed


def _front_place(pages: Mapping[str, etree._Element], part: PrintedPart,
                 page: int) -> tuple[str, etree._Element] | None:
    """The EPUB element the front matter's ``page`` opens with in print, if the EPUB has it."""
    opened = [name for name, at in part.openings.items() if at == page]
    for name, file, target in FRONT_PLACES:
        if name in opened:
            found = _by_id(pages, file, target)
            if found is not None:
                return file, found
    for name in _contents_entries(part, page):
        found = _contents_item(pages, name.removeprefix("toc-page-"))
        if found is not None:
            return "contents.xhtml", found
    return None


def _contents_entries(part: PrintedPart, page: int) -> Iterator[str]:
    """The contents' entries that begin on ``page``, in their order."""
    yield from (name for name, at in part.openings.items() if at == page and name.startswith("toc-page-"))


def _by_id(pages: Mapping[str, etree._Element], file: str, element_id: str) -> etree._Element | None:
    page = pages.get(file)
    return page.find(f".//*[@id='{element_id}']") if page is not None else None


def _contents_item(pages: Mapping[str, etree._Element], target: str) -> etree._Element | None:
    """The EPUB contents' item that leads to ``target`` (a chapter, the Notes); sections are not
    listed there."""
    page = pages.get("contents.xhtml")
    if page is None:
        return None
    href = NOTES_FILE if target == "notes" else f"{target}.xhtml"
    link = page.find(f".//{{{XHTML}}}a[@href='{href}']")
    return link.getparent() if link is not None else None
