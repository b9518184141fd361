"""Where a new build of the PDF first differs from the one before: the page a preview opens at.

Takes the parts of the previous build (``Drawn``: each part's PDF by name) and the parts and page
starts of the new one; returns the index of the first page of the joined PDF whose drawing
changed, or None when no part did. The one design decision: parts are compared, not the joined
PDFs. An edit changes one or two parts (its chapter; the Notes when a note changed), and a part
whose bytes are unchanged is skipped without being parsed; only the first changed part is opened,
and in it only the pages up to the first that differs. Parsing the whole book after every save
would cost seconds on a long one. Page numbers, running heads and the contents are drawn over
the parts (sprites): a change that only moves them points at the first part that moved.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pypdf import PageObject, PdfReader

from publish.pdf.parts import PartLayout


@dataclass(frozen=True)
class Drawn:
    """A build's parts, kept until the next build to be compared with it."""

    pdfs: Mapping[str, bytes] = field(default_factory=dict)
    """Part name → the part's PDF as laid out."""
    starts: Mapping[str, int] = field(default_factory=dict)
    """Part name → index of its first page in the joined PDF."""


def drawn_parts(parts: Sequence[PartLayout], starts: Mapping[str, int]) -> Drawn:
    return Drawn({part.name: part.pdf for part in parts}, dict(starts))


def first_changed_page(before: Drawn, after: Drawn) -> int | None:
    """The index in ``after``'s PDF of the first page drawn differently from ``before``; None when
    every part is as it was (a change that moved no part moved nothing the eye would look for)."""
    for name, start in sorted(after.starts.items(), key=lambda item: item[1]):
        old, new = before.pdfs.get(name), after.pdfs.get(name)
        if new is None or old == new:
            if before.starts.get(name, start) != start:
                return start  # the part moved: the pages before it grew or shrank
            continue
        if old is None:
            return start
        return start + _first_different_page(old, new)
    return None


def _first_different_page(old: bytes, new: bytes) -> int:
    """The first page whose drawing differs between two PDFs of one part (pages are parsed one
    at a time, as they are compared)."""
    old_pages, new_pages = PdfReader(io.BytesIO(old)).pages, PdfReader(io.BytesIO(new)).pages
    for index in range(min(len(old_pages), len(new_pages))):
        if _page_digest(old_pages[index]) != _page_digest(new_pages[index]):
            return index
    # The same pages as far as both go: the first page one has and the other has not.
    return max(0, min(len(old_pages), len(new_pages) - 1))


def _page_digest(page: PageObject) -> str:
    contents = page.get_contents()
    return hashlib.sha256(contents.get_data() if contents is not None else b"").hexdigest()
