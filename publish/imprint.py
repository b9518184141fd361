"""The copyright page's words, shared by both editions: book.toml's data → the lines the page prints.

Takes the ``BookConfig``; returns the imprint's lines in the order both editions print them: the
rights, the edition, the publisher, "First published 27 November 2026", the ISBN, and the line
that names the typeface. The one design decision: one function words the PDF's copyright page
and the EPUB's, so the two editions cannot say different things about the book; the words are
English in both, as the print edition's have always been.
"""

from __future__ import annotations

from publish.config import BookConfig

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
TYPEFACE = "EB Garamond"


def imprint_lines(config: BookConfig) -> tuple[str, ...]:
    """The copyright page's lines, each a paragraph of its own; empty fields leave no line."""
    lines = [config.rights, config.edition, config.publisher, f"First published {long_date(config.date)}",
             readable_identifier(config.identifier)]
    return tuple(line for line in lines if line)


def typeface_line() -> str:
    return f"Set in {TYPEFACE}."


def long_date(date: str) -> str:
    """``2026-11-27`` → ``27 November 2026`` (a year or year-month stays as short as it is)."""
    parts = date.split("-")
    if len(parts) == 3 and all(part.isdigit() for part in parts) and 1 <= int(parts[1]) <= 12:
        return f"{int(parts[2])} {MONTHS[int(parts[1]) - 1]} {parts[0]}"
    if len(parts) == 2 and all(part.isdigit() for part in parts) and 1 <= int(parts[1]) <= 12:
        return f"{MONTHS[int(parts[1]) - 1]} {parts[0]}"
    return date


def readable_identifier(identifier: str) -> str:
    """What a reader can use of the identifier: an ISBN as "ISBN …"; nothing for a ``urn:uuid:``,
    which is only a machine's name for the file; anything else as written."""
    if identifier.lower().startswith("urn:isbn:"):
        return "ISBN " + identifier[len("urn:isbn:"):]
    return "" if identifier.lower().startswith("urn:uuid:") else identifier
