"""The page counts a proof numbers its chapter by: each chapter's, kept in the build cache.

Takes the book, its chapter sources, the print settings and the build cache; returns the count of
each chapter before the proofed one (or None where it must be laid out), the chapters to lay out
rendered as the book renders them, and stores the counts a build or a proof learns. A count is
keyed by cheap inputs (the chapter's Markdown, number, first note number and images, and a
digest of the print settings), so a proof reads it without rendering any other chapter.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from urllib.parse import unquote, urlsplit

from publish.cache import Cache
from publish.diagnostics import display_path
from publish.model import Book, Chapter
from publish.paths import styles_dir
from publish.pdf.cache import digest_folder
from publish.pdf.jobs import Settings
from publish.render import ChapterSource, count_notes, render_chapter

KIND = "pages"
"""Cache entries: one chapter's page count and number of notes, as ``{"pages": 3, "notes": 5}``."""
_LOCAL_REFERENCE = re.compile(r"\]\(\s*<?([^)\s>]+)|^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)|src=[\"']([^\"']+)",
                              re.MULTILINE)


def known_page_counts(
    book: Book, sources: Sequence[ChapterSource], settings: Settings, cache: Cache | None,
) -> tuple[list[int | None], list[str], list[int]]:
    """The cached page count (or None) of each chapter before ``book``'s one chapter, the keys of
    those chapters and of that one (last), and the indices of the counts missing.

    Each entry also holds the chapter's number of notes, which gives the next chapter's first
    note number (in its key) without counting the notes of every chapter in its Markdown.
    """
    number = book.chapters[0].number
    if cache is None:
        return [None] * (number - 1), [], list(range(number - 1))
    digest = settings_digest(book, settings)
    counts: list[int | None] = []
    keys, first = [], 1
    for source in sources:
        keys.append(page_count_key(cache, digest, source, first))
        if source.number == number:
            break
        entry = read_page_entry(cache, keys[-1])
        counts.append(entry[0] if entry else None)
        first += entry[1] if entry else count_notes(source.text, book.config.language)
    return counts, keys, [index for index, count in enumerate(counts) if count is None]


def record_page_counts(book: Book, settings: Settings, counts: Sequence[int], cache: Cache) -> None:
    """Store each chapter's page count (``counts`` in reading order) for later proofs."""
    digest = settings_digest(book, settings)
    first = 1
    for chapter, count in zip(book.chapters, counts, strict=True):
        source = ChapterSource(chapter.number, chapter.path, display_path(chapter.path), chapter.source)
        notes = len(chapter.notes)
        store_page_count(cache, page_count_key(cache, digest, source, first), count, notes)
        first += notes


def store_page_count(cache: Cache, key: str, pages: int | None, notes: int) -> None:
    if pages is not None and read_page_entry(cache, key) != (pages, notes):
        cache.put_json(KIND, key, {"pages": pages, "notes": notes})


def read_page_entry(cache: Cache, key: str) -> tuple[int, int] | None:
    """(pages, notes) of a chapter, or None."""
    stored = cache.get_json(KIND, key)
    if not isinstance(stored, dict):
        return None
    pages, notes = stored.get("pages"), stored.get("notes")
    if isinstance(pages, int) and pages > 0 and isinstance(notes, int) and notes >= 0:
        return pages, notes
    return None


def settings_digest(book: Book, settings: Settings) -> str:
    """Everything about the book that a chapter's page count depends on, beyond the chapter.

    A chapter is laid out alone, always opening on a right-hand page, so its count depends on its
    own HTML and the print settings only; its HTML on its Markdown, number, first note number (the
    numbers' widths), images, and on the book's settings (language, the title in the running
    heads, notes placement, trim): the styles folder (stylesheet, templates, fonts), the page CSS
    and the whole configuration stand for those. The cache key adds this package's code and the
    versions of WeasyPrint and the rest.
    """
    return hashlib.sha256("\0".join([
        digest_folder(styles_dir()), settings.page_css, repr(book.config),
    ]).encode("utf-8")).hexdigest()


def page_count_key(cache: Cache, digest: str, source: ChapterSource, first_note: int) -> str:
    return cache.key(KIND, digest, source.path.name, str(source.number), str(first_note), source.text,
                     image_digest(source))


def render_before(book: Book, sources: Sequence[ChapterSource], indices: Sequence[int]) -> list[Chapter]:
    """The chapters at ``indices`` (of ``sources``) rendered as the full book renders them."""
    if not indices:
        return []
    numbers = {source.path.name: source.number for source in sources}
    firsts, first = [], 1
    for source in sources[: max(indices) + 1]:
        firsts.append(first)
        first += count_notes(source.text, book.config.language)
    rendered = []
    for index in indices:
        chapter, _ = render_chapter(sources[index], language=book.config.language, first_note=firsts[index],
                                    chapter_numbers=numbers)
        rendered.append(chapter)
    return rendered


def image_digest(source: ChapterSource) -> str:
    """Digest of the local files the chapter's Markdown refers to (an image's size changes pages)."""
    digest = hashlib.sha256()
    if "![" not in source.text and "<img" not in source.text.lower():
        return ""
    for match in _LOCAL_REFERENCE.finditer(source.text):
        reference = unquote(next(group for group in match.groups() if group))
        if urlsplit(reference).scheme or reference.startswith("#") or reference.endswith(".md"):
            continue
        path = source.path.parent / reference.split("#", 1)[0]
        try:
            data = path.read_bytes()
        except OSError:
            continue
        digest.update(reference.encode("utf-8"))
        digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()
