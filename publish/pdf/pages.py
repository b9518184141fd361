"""Page numbers as data: from the parts' page counts to folios, contents, "p. N" and stamps.

Takes page counts and page data of laid-out parts; returns folios, the page each reference is
printed on, and what is stamped on every page. Pure functions: no layout happens here, which is
what lets the chapters be laid out in parallel before any page number is known.

Numbering: the front matter is numbered i, ii, iii… (by its own layout: it always opens the
book); the body 1, 2, 3… from the first chapter. With ``openers = "right"`` every part opens on a
right-hand page, so a part with an odd page count is padded with a blank page, which carries no
folio; with ``openers = "any"`` a chapter opens on the page after the last one (``part_pads``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from publish.labels import ENGLISH, Labels
from publish.model import Book
from publish.pdf.html import Locator, Stamp, TypeScale, choose_scale, contents_page_id, locator_id, locator_text
from publish.pdf.parts import PartLayout

_NOTE_ID = re.compile(r"^note-(\d+)$")


@dataclass(frozen=True)
class PartPages:
    """What the page plan needs from one laid-out part."""

    name: str
    page_count: int
    """Pages as laid out; the join adds a blank page when the count is odd."""
    blank: tuple[bool, ...]
    """Pages that carry no folio: left blank, or covered by a full-page picture."""
    ids: tuple[frozenset[str], ...]
    pad: bool = True
    """Padded to an even count, so that the next part opens on a right-hand page."""

    @property
    def padded_count(self) -> int:
        return self.page_count + (self.page_count % 2 if self.pad else 0)


@dataclass(frozen=True)
class PagePlan:
    front_count: int
    starts: Mapping[str, int]
    """Part name → index of its first page in the joined PDF."""
    total: int

    def folio(self, index: int) -> str:
        """The number printed on (and shown by a viewer for) the page at ``index``."""
        if index < self.front_count:
            return to_roman(index + 1)
        return str(index - self.front_count + 1)


def part_pages(part: PartLayout, pad: bool = True) -> PartPages:
    """What the page plan needs from a laid-out part."""
    art = {image.page for image in part.images if image.art}
    return PartPages(part.name, part.page_count, tuple(blank or page in art for page, blank in enumerate(part.blank)),
                     part.ids, pad)


def part_pads(chapters: int, openers: str, notes_follow: bool) -> list[bool]:
    """Whether each chapter is padded to an even count: all of them when chapters open on the
    right; with ``any`` none, but the last when the Notes follow (back matter opens on the right)."""
    if openers == "right":
        return [True] * chapters
    return [notes_follow and number == chapters - 1 for number in range(chapters)]


def body_starts(counts: Sequence[int], pads: Sequence[bool] | None = None) -> list[int]:
    """Arabic page number each body part opens on, given the page counts of the parts (each
    padded to an even count unless ``pads`` says otherwise)."""
    starts, page = [], 1
    for index, count in enumerate(counts):
        starts.append(page)
        page += count + (count % 2 if pads is None or pads[index] else 0)
    return starts


def plan_pages(parts: Sequence[PartPages]) -> PagePlan:
    """Parts in reading order, the front matter first."""
    starts, index = {}, 0
    for part in parts:
        starts[part.name] = index
        index += part.padded_count
    return PagePlan(front_count=parts[0].padded_count if parts else 0, starts=starts, total=index)


def reference_folios(anchors: Mapping[str, Mapping[str, tuple[int, float, float]]],
                     first_folios: Mapping[str, int]) -> dict[str, str]:
    """Each note reference id → the folio it is printed on, from each chapter's anchors."""
    found = {}
    for part, part_anchors in anchors.items():
        for anchor, (page, _x, _y) in part_anchors.items():
            if anchor.startswith("noteref-"):
                found[anchor] = str(first_folios[part] + page)
    return found


def notes_heads(ids: Sequence[frozenset[str]], note_pages: Mapping[int, int], labels: Labels = ENGLISH) -> list[str]:
    """The running head of each Notes page: which text pages its notes refer to.

    ``note_pages`` maps a note's number to the page its (first) reference is on. The first page
    of the Notes is an opener and has no running head.
    """
    heads = []
    for number, page_ids in enumerate(ids):
        pages = sorted({note_pages[int(m.group(1))] for i in page_ids
                        if (m := _NOTE_ID.match(i)) and int(m.group(1)) in note_pages})
        if number == 0 or not pages:
            heads.append("")
        elif pages[0] == pages[-1]:
            heads.append(labels.notes_to_page.format(page=pages[0]))
        else:
            heads.append(labels.notes_to_pages.format(first=pages[0], last=pages[-1]))
    return heads


def part_stamps(part: PartPages, first_folio: int, heads: Sequence[str] = ()) -> list[Stamp]:
    """Folio (and head) for each page of a body part, the blank page that pads it included."""
    stamps = []
    for page in range(part.padded_count):
        pad = page >= part.page_count
        if pad or part.blank[page]:
            stamps.append(Stamp(folio="", head="", pad=pad))
        else:
            stamps.append(Stamp(folio=str(first_folio + page), head=heads[page] if page < len(heads) else ""))
    return stamps


def estimate_pages(sources: Sequence[str], trim: tuple[float, float]) -> int:
    """The book's page count guessed from the Markdown's length, before any layout: each chapter
    on whole leaves, at a book face's average of half an em a character."""
    scale = choose_scale(trim)
    width, height = trim
    lines = (height - scale.top_in - scale.bottom_in) * 72 / scale.leading_pt
    per_line = (width - scale.inside_in - scale.outside_in) * 72 / (scale.size_pt * 0.5)
    return max(sum(2 * math.ceil(max(len(text), 1) / (lines * per_line) / 2) for text in sources), 1)


def locator_digits(sources: Sequence[str], trim: tuple[float, float]) -> int:
    """Digits to make room for in each "p. N": those of twice the book's estimated page count.

    The Notes are laid out before any page number is known, so the room is reserved from the
    Markdown's length alone (the same in ``publish pdf`` and ``publish proof``); twice the
    estimate leaves a margin for notes, headings and images. A book that still outgrows it has
    its Notes laid out again with the digits it needs.
    """
    return len(str(2 * estimate_pages(sources, trim)))


def contents_locators(front: PartLayout, pages: Mapping[str, str], scale: TypeScale) -> dict[int, tuple[Locator, ...]]:
    """Each contents entry's page number, by page of the front matter, over its hidden figure;
    ``scale`` gives the margins the parts were laid out with."""
    found: dict[int, list[Locator]] = {}
    for target, page in pages.items():
        spot = front.anchors.get(contents_page_id(target))
        if spot is not None:
            found.setdefault(spot[0], []).append(_locator(scale, spot, page, "contents", contents_page_id(target)))
    return {index: tuple(locators) for index, locators in found.items()}


def _locator(scale: TypeScale, spot: tuple[int, float, float], text: str, kind: str, owner: str) -> Locator:
    """A locator at an anchor of a part: parts open on a right-hand page, so even pages of a part
    are rectos, with the inside margin on the left. Anchors are measured from the trim's corner."""
    page, x, y = spot
    left = (scale.inside_in if page % 2 == 0 else scale.outside_in) * 96
    return Locator(round(x - left, 3), round(y - scale.top_in * 96, 3), text, kind, owner)


def note_locators(book: Book, notes: PartLayout, references: Mapping[str, str],
                  scale: TypeScale) -> dict[int, tuple[Locator, ...]]:
    """Each note's "p. N", by page of the Notes, placed over the empty box its layout left."""
    found: dict[int, list[Locator]] = {}
    by_number = {note.number: note for note in book.notes}
    for note in book.notes:
        pages = [references[ref] for ref in note.ref_ids if ref in references]
        outer, seen = note, {note.number}
        while not pages and outer.cited_in in by_number and outer.cited_in not in seen:
            # A note cited only from another note's text gives the page that note refers to.
            outer = by_number[outer.cited_in]
            seen.add(outer.number)
            pages = [references[ref] for ref in outer.ref_ids if ref in references][:1]
        spot = notes.anchors.get(locator_id(note.number))
        if pages and spot is not None:
            found.setdefault(spot[0], []).append(_locator(scale, spot, locator_text(pages, book.config.labels), "note",
                                                          locator_id(note.number)))
    return {page: tuple(locators) for page, locators in found.items()}


def to_roman(number: int) -> str:
    values = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
              (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))
    out = []
    for value, letters in values:
        while number >= value:
            out.append(letters)
            number -= value
    return "".join(out)
