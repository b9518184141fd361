"""The book as immutable data: ``Book`` → ``Chapter`` → ``Heading``, ``Note``, ``Image``.

Every stage after reading the manuscript works on these values. HTML held here is a well-formed
XHTML fragment whose every internal link is a fragment (``#note-12``, ``#ch03-heading``) naming an
id that is unique across the whole book; an edition only rewrites the file part of an href.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from publish.config import BookConfig


@dataclass(frozen=True)
class Heading:
    level: int
    """2..6; the level-1 heading is the chapter title."""
    text: str
    """Plain text, for contents pages and navigation."""
    id: str
    line: int
    section: bool = False
    """Written ``#`` after the chapter's title: a section of the chapter, listed in the contents."""


@dataclass(frozen=True)
class Note:
    number: int
    """Book-wide number in reading order: 1..N across all chapters."""
    label: str
    """The label as written in the chapter (``[^label]``); local to its chapter."""
    chapter: int
    """Number of the chapter whose text refers to it."""
    html: str
    """The note's block content (paragraphs), without any backlink."""
    text: str
    ref_ids: tuple[str, ...]
    """Ids of the references in the text, in order; a note referenced twice has two."""
    line: int
    """Line of the definition in the chapter file."""
    cited_in: int = 0
    """The number of the note whose text first cites this one; 0 when the body does."""

    @property
    def id(self) -> str:
        return f"note-{self.number}"


@dataclass(frozen=True)
class Image:
    src: str
    """Path relative to the book folder, with forward slashes."""
    alt: str
    line: int
    col: int = 0


@dataclass(frozen=True)
class Chapter:
    number: int
    """1-based position in the book."""
    stem: str
    """File name without ``.md`` (``07-belarus-tatarstan``); names the chapter's outputs."""
    slug: str
    """The stem without its number prefix (``belarus-tatarstan``)."""
    path: Path
    source: str
    """The chapter's Markdown, decoded, with LF line endings."""
    title: str
    """Plain-text title for running heads, contents and navigation."""
    title_html: str
    """The title as inline XHTML (it may hold a note reference)."""
    html: str
    """Body XHTML after the title, without the notes."""
    headings: tuple[Heading, ...]
    notes: tuple[Note, ...]
    images: tuple[Image, ...]

    @property
    def id(self) -> str:
        return chapter_id(self.number)


@dataclass(frozen=True)
class Book:
    root: Path
    config: BookConfig
    chapters: tuple[Chapter, ...]

    @property
    def notes(self) -> tuple[Note, ...]:
        return tuple(note for chapter in self.chapters for note in chapter.notes)

    @property
    def slug(self) -> str:
        """Name of the output files, e.g. ``build/<slug>.epub``."""
        return slugify(self.config.title) or "book"


def chapter_id(number: int) -> str:
    return f"ch{number:02d}"


def slugify(text: str, max_words: int = 8) -> str:
    """Lower-case words joined by hyphens; Unicode letters kept so non-Latin titles still slug."""
    words = "".join(ch.lower() if ch.isalnum() else " " for ch in text).split()
    return "-".join(words[:max_words])
