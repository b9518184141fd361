"""The print edition's pages without the PDF: the book and the build cache → ``PrintedBook``.

Takes the book and the build cache; returns the pages of the layout an earlier ``publish pdf`` or
``publish build`` stored for this very book (``cached_printed_book``: ``publish epub`` follows
it), or None when the cache does not hold all of it. With the engine too, lays out (or takes from
the cache) whatever is missing, for ``publish check --editions`` (``lay_out_print_edition``), and
writes no PDF. The one design decision: the EPUB follows a layout only when every part of it is
the layout of this text with these settings, as the cache's keys (``pdf.cache``) prove; anything
less and the EPUB carries no page numbers rather than wrong ones.
"""

from __future__ import annotations

from collections.abc import Sequence

from publish.cache import Cache
from publish.model import Book
from publish.paths import styles_dir
from publish.pdf.cache import digest_folder, layout_key, read_layout
from publish.pdf.edition import text_jobs
from publish.pdf.engine import Engine, layout_run
from publish.pdf.jobs import notes_job, print_settings
from publish.pdf.pages import body_starts, locator_digits, part_pages, plan_pages, reference_folios
from publish.pdf.parts import PartLayout
from publish.pdf.printed import printed_book
from publish.printed import PrintedBook


def cached_printed_book(book: Book, cache: Cache) -> PrintedBook | None:
    """The print edition's pages from the layout the cache holds for this book, if it holds all of it."""
    digest = digest_folder(styles_dir())
    # Every edition sets the same pages (a printer's bleed and marks are the join's); only an inside
    # margin sized for a printer's page count (gutter = "auto") makes others, not looked for here.
    settings = print_settings(book)
    digits = locator_digits([chapter.source for chapter in book.chapters], book.config.trim)
    jobs = text_jobs(book, settings, digits)
    layouts = [read_layout(cache, layout_key(cache, job, digest)) for job in jobs]
    chapters = layouts[1 : len(book.chapters) + 1]
    if jobs[-1].name == "notes" and layouts[-1] is None and all(chapters):
        # The Notes laid out again with more room, as make_pdf does when the book outgrew it.
        wider = notes_job(book, _digits_needed([c for c in chapters if c is not None]), settings)
        layouts[-1] = read_layout(cache, layout_key(cache, wider, digest))
    found = [layout for layout in layouts if layout is not None]
    if len(found) != len(jobs):
        return None
    return printed_book(found, plan_pages([part_pages(part) for part in found]))


def lay_out_print_edition(book: Book, cache: Cache | None, engine: Engine | None) -> PrintedBook:
    """The print edition's pages: its text laid out in ``engine``'s processes or taken from the
    cache, without the numbers drawn over the pages or the join."""
    settings = print_settings(book)
    run = layout_run(engine, cache, styles_dir())
    digits = locator_digits([chapter.source for chapter in book.chapters], book.config.trim)
    jobs = text_jobs(book, settings, digits)
    layouts = run.run(jobs)
    needed = _digits_needed(layouts[1 : len(book.chapters) + 1])
    if jobs[-1].name == "notes" and needed > digits:
        layouts[-1] = run.run([notes_job(book, needed, settings)])[0]
    return printed_book(layouts, plan_pages([part_pages(part) for part in layouts]))


def _digits_needed(chapters: Sequence[PartLayout]) -> int:
    openings = body_starts([part.page_count for part in chapters])
    references = reference_folios({part.name: part.anchors for part in chapters},
                                  {part.name: folio for part, folio in zip(chapters, openings, strict=True)})
    return len(max(references.values(), key=len, default=""))
