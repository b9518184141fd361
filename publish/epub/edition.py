"""The EPUB edition: a ``Book`` → one EPUB 3.3 file, written whole or not at all.

Takes the rendered book and the target path; writes the EPUB and returns the warnings met (images
without alt text, raw HTML that HTML5 forbids, links that lead nowhere). Errors an author can fix
(a missing image, a page that is not XML) raise ``PublishError`` before anything is written, so
the previous EPUB stays in place. Stages, each in its own module:

1. media    (``epub.edition.media``)    images, cover and fonts as package resources
2. pages    (``epub.edition.pages``)    every XHTML page from ``styles/templates/epub``, parsed and checked
3. package  (``epub.edition.package``)  ebooklib writes the package: metadata (``epub.edition.metadata``), manifest,
                                spine, nav, NCX; ``epub.edition.ocf`` re-packs its zip reproducibly
4. write    (``output``)        temporary file, then rename

ebooklib is imported only by the ``epub*`` modules: the model and the print edition never see it.
"""

from __future__ import annotations

import logging
from pathlib import Path

from publish.cache import Cache
from publish.diagnostics import Diagnostic, PublishError, Severity
from publish.epub.media import collect_media
from publish.epub.metadata import accessibility
from publish.epub.package import package_epub
from publish.epub.pages import render_pages
from publish.model import Book
from publish.output import write_atomic
from publish.printed import PrintedBook

LOG = logging.getLogger(__name__)


def write_epub(book: Book, target: Path, cache: Cache | None = None) -> list[Diagnostic]:
    data, problems = make_epub(book, cache)
    LOG.info("Step 4 - writing %s", target)
    write_atomic(target, data)
    return problems


def make_epub(book: Book, cache: Cache | None = None, printed: PrintedBook | None = None,
              ) -> tuple[bytes, list[Diagnostic]]:
    """The EPUB's bytes and the warnings met; ``PublishError`` for what stops it. With ``printed``
    (the print edition's pages, once laid out) it marks where each printed page begins."""
    LOG.info("Step 1 - collecting images, cover and fonts")
    media, problems = collect_media(book, cache)
    errors = [p for p in problems if p.severity is Severity.ERROR]
    if errors:
        raise PublishError(errors)
    LOG.info("Step 2 - rendering %d chapters into XHTML pages", len(book.chapters))
    access = accessibility(book, media, printed)
    pages = render_pages(book, media, access)
    problems += pages.problems
    LOG.info("Step 3 - packaging with ebooklib")
    return package_epub(book, pages, media, access, cache), problems
