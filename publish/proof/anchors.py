"""Editorial flags carried into the book's layout of a chapter, to learn where the proof shows them.

Takes the chapter as the book renders it and the same chapter rendered with its flags marked;
returns the book's rendering with an empty, identified span where each flag points, and each
flag's label. The spans are found by the text around them, so the text laid out is the book's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from publish.model import Chapter

_FLAG_SPAN = re.compile(r'<span class="flag" data-flag="([^"]*)" title="[^"]*">'
                        r'<span class="flag-text">([^<]*)</span></span>')
_ANCHOR_ID = "proof-flag-{}"
_SPACE = re.compile(r"\s")
_NEXT_SUP = re.compile(r"\s*<sup\b")


@dataclass(frozen=True)
class FlagAnchor:
    """An editorial flag carried over to the book's HTML."""

    id: str
    code: str
    label: str
    """What the margin says: the flag's code and source line, ``doubled-word (l. 9)``."""


def anchor_flags(chapter: Chapter, flagged: Chapter) -> tuple[Chapter, dict[str, FlagAnchor]]:
    """``chapter`` (the book's rendering) with an empty, identified span where each flag points.

    The flagged rendering's spans are found in its HTML with the text around them, in the body,
    the title and each note; a flag whose place cannot be found there keeps only its terminal line.
    """
    anchors: dict[str, FlagAnchor] = {}

    def carry(marked: str, plain: str) -> str:
        return _carry_flags(marked, plain, anchors)

    notes = tuple(replace(note, html=carry(marked.html, note.html))
                  for note, marked in zip(chapter.notes, flagged.notes, strict=True))
    anchored = replace(chapter, title_html=carry(flagged.title_html, chapter.title_html),
                       html=carry(flagged.html, chapter.html), notes=notes)
    return anchored, anchors


def _carry_flags(marked: str, plain: str, anchors: dict[str, FlagAnchor]) -> str:
    offsets: list[tuple[int, FlagAnchor]] = []
    stripped, last, removed = [], 0, 0
    for match in _FLAG_SPAN.finditer(marked):
        stripped.append(marked[last:match.start()])
        last = match.end()
        place = match.start() - removed
        removed += match.end() - match.start()
        # "(l. 9)" stays on one line of the narrow margin.
        label = _unescape(match.group(2)).replace("(l. ", "(l.\u00a0")
        anchor = FlagAnchor(_ANCHOR_ID.format(len(anchors) + len(offsets) + 1), match.group(1), label)
        offsets.append((place, anchor))
    if not offsets:
        return plain
    stripped.append(marked[last:])
    text = "".join(stripped)
    inserts = []
    for place, anchor in offsets:
        found = _find_place(text, plain, place)
        if found is not None:
            inserts.append((_word_end(plain, found), anchor))
            anchors[anchor.id] = anchor
    out, last = [], 0
    for offset, anchor in sorted(inserts, key=lambda pair: pair[0]):
        out.append(plain[last:offset])
        out.append(_anchor_element(plain, offset, anchor.id))
        last = offset
    out.append(plain[last:])
    return "".join(out)


def _anchor_element(html: str, offset: int, anchor_id: str) -> str:
    """An empty element with the anchor's id that keeps the comma between adjacent references.

    A reference directly after another is marked ``noteref-next`` by the print markup and gets
    a comma; an anchor put after a reference is itself a ``sup.noteref``, so the next reference
    still directly follows one, and proof-print.css undoes a reference's look on the anchor.
    """
    tag, end = "span", offset
    while (start := html.rfind("<", 0, end)) != -1 and html.startswith("<wbr", start):
        end = start  # a <wbr/> becomes a zero-width space in print, not an element
    if start != -1 and html.startswith("</sup>", start):
        opening = html.rfind("<sup", 0, start)
        if opening != -1 and 'class="noteref"' in html[opening:html.find(">", opening)]:
            tag = "sup"
    classes = "noteref proof-flag-anchor" if tag == "sup" else "proof-flag-anchor"
    return f'<{tag} class="{classes}" id="{anchor_id}"></{tag}>'


def _find_place(text: str, plain: str, place: int) -> int | None:
    """Where ``place`` in ``text`` lies in ``plain``: equal but for a few characters the flag
    markers changed, so the text just before (or just after) the place is looked for nearby."""
    if text == plain:
        return place
    for size in (48, 24, 12):
        before = text[max(0, place - size):place]
        if len(before) == size or place < size:
            found = _nearest(plain, before, place)
            if found is not None:
                return found + len(before)
        after = text[place:place + size]
        if after:
            found = _nearest(plain, after, place)
            if found is not None:
                return found
    return None


def _nearest(plain: str, needle: str, around: int) -> int | None:
    """The occurrence of ``needle`` in ``plain`` whose position is closest to ``around``."""
    best: int | None = None
    start = plain.find(needle, max(0, around - 400 - len(needle)))
    while start != -1 and start <= around + 400:
        if best is None or abs(start - around) < abs(best - around):
            best = start
        start = plain.find(needle, start + 1)
    return best


def _word_end(html: str, offset: int) -> int:
    """The first place at or after ``offset`` where an empty element changes nothing in the text.

    That is before the next space, line break or closing tag: between two letters (or a letter
    and its full stop) a new box would split the run HarfBuzz shapes, losing a kerning pair, and
    after the space a line break would carry the anchor to the next line. An element met on the
    way (a note reference) is stepped over whole, and so is a note reference that follows
    another (the print markup puts the comma between them). Never inside
    a tag or a link (the print markup rewrites a link's text as a whole).
    """
    if html.rfind("<", 0, offset) > html.rfind(">", 0, offset):
        offset = html.find(">", offset) + 1
    if html.rfind("<a ", 0, offset) > html.rfind("</a>", 0, offset):
        end = html.find("</a>", offset)
        offset = end + len("</a>") if end != -1 else len(html)
    while offset < len(html):
        if html.startswith("</sup>", offset - len("</sup>")) and (sup := _NEXT_SUP.match(html, offset)):
            offset = _element_end(html, sup.end() - len("<sup"))
        elif _SPACE.match(html, offset) or html.startswith(("</", "<br"), offset):
            break
        elif html[offset] == "<":
            offset = _element_end(html, offset)
        else:
            offset += 1
    return offset


def _element_end(html: str, start: int) -> int:
    """The end of the element whose start tag begins at ``start`` (elements of one name do not nest
    inside inline markup)."""
    tag_end = html.find(">", start)
    if tag_end == -1:
        return len(html)
    if html[tag_end - 1] == "/":
        return tag_end + 1
    name = re.match(r"<([\w:-]+)", html[start:tag_end + 1])
    close = html.find(f"</{name.group(1)}>", tag_end) if name else -1
    return close + len(name.group(1)) + 3 if name and close != -1 else tag_end + 1


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")
