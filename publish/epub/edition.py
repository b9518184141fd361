"""The EPUB edition: a ``Book`` → one EPUB 3.3 file, written whole or not at all.

Takes the rendered book and the target path; writes the EPUB and returns the warnings met (images
without alt text, raw HTML that HTML5 forbids, links that lead nowhere). Errors an author can fix
(a missing image, a page that is not XML) raise ``PublishError`` before anything is written, so
the previous EPUB stays in place. Stages, each in its own module:

1. media    (``epub.media``)     images and the cover as package resources
2. pages    (``epub.pages``)     every XHTML page from ``styles/templates/epub``, parsed and checked;
                                 with the print edition's pages, a marker where each begins
                                 (``epub.pagelist``)
3. package  (``epub.package``)   ebooklib writes the package: metadata (``epub.metadata``), manifest,
                                 spine, nav (with the page list), NCX; the fonts the pages use, cut
                                 to their characters (``epub.fonts``); ``epub.ocf`` re-packs its
                                 zip reproducibly
4. store    (``epub.stores``)    what the chosen store asks for beyond EPUB 3 (Kobo's sentence
                                 spans, Apple's display options), made last to the finished pages
5. write    (``output``)         temporary file, then rename

ebooklib is imported only by the ``epub*`` modules: the model and the print edition never see it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from publish.cache import Cache
from publish.diagnostics import Diagnostic, PublishError, Severity
from publish.epub.media import Media, collect_media
from publish.epub.metadata import Access, accessibility
from publish.epub.package import package_epub
from publish.epub.pagelist import mark_pages, shown_words
from publish.epub.pages import Pages, render_pages
from publish.epub.stores import STORES, adapt_pages, store_files
from publish.model import Book
from publish.output import write_atomic
from publish.printed import PrintedBook

LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class MadeEpub:
    data: bytes
    problems: list[Diagnostic]
    words: dict[str, str]
    """Each chapter's words and each note's as the EPUB sets them (``pagelist.shown_words``): what
    the print edition it follows is compared with; empty when it follows none."""


def write_epub(book: Book, target: Path, cache: Cache | None = None) -> list[Diagnostic]:
    made = make_epub(book, cache)
    LOG.info("Step 4 - writing %s", target)
    write_atomic(target, made.data)
    return made.problems


def make_epub(book: Book, cache: Cache | None = None, printed: PrintedBook | None = None,
              store: str = "generic") -> MadeEpub:
    """The EPUB's bytes, its words and the warnings met; ``PublishError`` for what stops it. With
    ``printed`` (the print edition's pages, once laid out) it marks where each printed page begins
    and lists the pages; ``store`` makes the changes a store asks for (``epub.stores``)."""
    pages, media, access, problems = _render(book, cache, printed)
    roots = {page.name: page.root for page in pages.pages}
    # The words the print edition is compared with, read before a store's markup is added.
    words = shown_words(roots, [chapter.id for chapter in book.chapters]) if printed is not None else {}
    page_list = mark_pages(roots, printed) if printed is not None else []
    chosen = STORES[store]
    adapt_pages(chosen, roots)
    LOG.info("Step 3 - packaging with ebooklib")
    data = package_epub(book, pages, media, access, page_list, cache, extra_files=store_files(chosen))
    return MadeEpub(data, problems, words)


def epub_words(book: Book, cache: Cache | None = None) -> tuple[dict[str, str], list[Diagnostic]]:
    """The EPUB's words (as ``MadeEpub.words``) and the warnings met, without packaging it."""
    pages, _media, _access, problems = _render(book, cache, None)
    return shown_words({page.name: page.root for page in pages.pages}, [c.id for c in book.chapters]), problems


def _render(book: Book, cache: Cache | None, printed: PrintedBook | None,
            ) -> tuple[Pages, Media, Access, list[Diagnostic]]:
    LOG.info("Step 1 - collecting images and the cover")
    media, problems = collect_media(book, cache)
    errors = [p for p in problems if p.severity is Severity.ERROR]
    if errors:
        raise PublishError(errors)
    LOG.info("Step 2 - rendering %d chapters into XHTML pages", len(book.chapters))
    access = accessibility(book, media, printed)
    pages = render_pages(book, media, access)
    return pages, media, access, problems + list(pages.problems)
