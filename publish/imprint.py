"""The copyright page's words, shared by both editions: book.toml's data → the lines the page prints.

Takes the ``BookConfig`` (its labels in the book's language); returns the imprint's lines in the
order both editions print them: the rights, the edition, the publisher, "First published 27
November 2026" (none for an undated book), the ISBN, and the line that names the typeface. The
one design decision: one function words the PDF's copyright page and the EPUB's, so the two
editions cannot say different things about the book.
"""

from __future__ import annotations

from publish.config import BookConfig
from publish.labels import format_date
from publish.paths import TYPEFACE


def imprint_lines(config: BookConfig) -> tuple[str, ...]:
    """The copyright page's lines, each a paragraph of its own; empty fields leave no line."""
    labels = config.labels
    published = labels.first_published.format(date=format_date(config.date, labels)) if config.date else ""
    lines = [config.rights, config.edition, config.publisher, published, readable_identifier(config.identifier)]
    return tuple(line for line in lines if line)


def typeface_line(config: BookConfig) -> str:
    """The imprint's colophon line, "Set in EB Garamond.", in the book's language."""
    return config.labels.set_in.format(font=TYPEFACE)


def readable_identifier(identifier: str) -> str:
    """What a reader can use of the identifier: an ISBN as "ISBN …"; nothing for a ``urn:uuid:``,
    which is only a machine's name for the file; anything else as written."""
    if identifier.lower().startswith("urn:isbn:"):
        return "ISBN " + identifier[len("urn:isbn:"):]
    return "" if identifier.lower().startswith("urn:uuid:") else identifier
