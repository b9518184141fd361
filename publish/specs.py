"""What printers and e-book stores accept: every number taken from their specifications, in one place.

Takes nothing; gives the limits book.toml is checked against (``config``). Specifications change:
each value names its source, so that it can be looked up again and changed here alone. The one
design decision: a value outside what every printer and store we target accepts is an error in
``publish check``, not a surprise at upload (or a 36,000-point page set without complaint).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    low: float
    high: float
    source: str


# Paperback trim sizes, in inches. Source: Amazon KDP Help, "Paperback Trim Size, Bleed, and
# Margin Guidelines" (sizes from 4 x 6 in up to 8.5 x 11.69 in). The presets in config.py
# (6x9in, a5, royal...) all lie inside.
TRIM_WIDTH_IN = Limit(4.0, 8.5, "Amazon KDP paperback trim sizes: 4 to 8.5 in wide")
TRIM_HEIGHT_IN = Limit(6.0, 11.69, "Amazon KDP paperback trim sizes: 6 to 11.69 in tall")

# Title and subtitle together, in characters. Source: Amazon KDP Help, metadata guidelines for
# the book title (title and subtitle combined under 200 characters); the typeset cover
# (epub/cover.py) is laid out for no more either.
TITLE_CHARACTERS = Limit(1, 200, "Amazon KDP: title and subtitle together fewer than 200 characters")

# Book description, in characters. Source: Amazon KDP Help, metadata guidelines for the book
# description (at most 4,000 characters).
DESCRIPTION_CHARACTERS = Limit(0, 4000, "Amazon KDP: a description of at most 4,000 characters")
