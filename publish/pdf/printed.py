"""The print edition's pages for the EPUB: laid-out parts → ``printed.PrintedBook``.

Takes the parts as laid out (front matter, chapters, Notes) and the page plan; returns each part's
folios, the lines of text on each of its pages and the page each of its elements begins on. The
one design decision: the EPUB gets the layout's own data (the lines WeasyPrint set), never text
read back from the PDF, so it needs no PDF reader and sees exactly what was laid out.
"""

from __future__ import annotations

from collections.abc import Sequence

from publish.pdf.pages import PagePlan
from publish.pdf.parts import PartLayout
from publish.printed import PrintedBook, PrintedPart


def printed_book(parts: Sequence[PartLayout], plan: PagePlan) -> PrintedBook:
    """The parts (front matter, chapters, Notes, in the order of the book) as the EPUB needs them."""
    printed = []
    for part in parts:
        start = plan.starts[part.name]
        padded = part.page_count + part.page_count % 2
        printed.append(PrintedPart(
            name=part.name, folios=tuple(plan.folio(start + page) for page in range(padded)), lines=part.lines,
            openings={name: page for name, (page, _x, _y) in part.anchors.items()},
        ))
    return PrintedBook(tuple(printed))
