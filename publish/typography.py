"""Typography: quotes, dashes and breakable URLs that suit the book's language.

Takes plain text (one text node at a time) and returns text or a list of text and URL pieces. The
source keeps ASCII conventions (``"``, `` - ``, ``...``); refinement happens only here, at build
time, so the manuscript stays easy to edit.
"""

from __future__ import annotations

import re

# Quote characters by primary language subtag: (left double, right double, left single, right single).
QUOTES: dict[str, tuple[str, str, str, str]] = {
    "en": ("“", "”", "‘", "’"),
    "ru": ("«", "»", "„", "“"),
    "be": ("«", "»", "„", "“"),
    "uk": ("«", "»", "„", "“"),
    "de": ("„", "“", "‚", "‘"),
    "cs": ("„", "“", "‚", "‘"),
    "pl": ("„", "”", "‚", "’"),
    "fr": ("«\u00a0", "\u00a0»", "‹\u00a0", "\u00a0›"),
    "it": ("«", "»", "“", "”"),
    "es": ("«", "»", "“", "”"),
    "pt": ("«", "»", "“", "”"),
}

URL = re.compile(r"(?:https?|ftp)://[^\s<>\"]+")
# A URL ends before the punctuation that closes the sentence or reference around it.
_URL_TRAILER = re.compile(r"[.,;:!?)\]»”’]+$")
# Sensible break points: after "/" (but not inside "//"), before . - ? & = # _ ~ %.
_BREAK_AFTER = re.compile(r"(?<!/)/(?!/)|//")
_BREAK_BEFORE = re.compile(r"(?=[.\-?&=#_~%])")

_NOTE_DASH = re.compile(r"\s+-\s+–\s+|\s+–\s+-\s+|\s+-\s+|\s+–\s+")
_BODY_DASH = re.compile(r"\s+-\s+|\s+---?\s+")
_BARE_DOUBLE_DASH = re.compile(r"(?<=\w)---(?=\w)|(?<=\w)--(?=\w)")
# "P. 344", "pp. 12–14", "С. 5" (the GOST page abbreviation), "S. 7": the number stays with its
# abbreviation, as a reference's "– P." alone at a line's end reads as a lost page.
_PAGE_NUMBER = re.compile(r"(?<![\w.])([PpSСс]{1,2}\.) +(?=\d)")


def quotes_for(language: str) -> tuple[str, str, str, str]:
    return QUOTES.get(language.split("-")[0].lower(), QUOTES["en"])


def refine_dashes(text: str, *, in_note: bool) -> str:
    """Spaced hyphens become dashes: an em dash in running text, the bibliographic en dash in notes.

    A no-break space before the dash keeps it from starting a line. In notes the GOST-style
    ``- –`` pair is one separator, so it must become a single dash, never two, and a page
    abbreviation keeps its number on its line ("P.\u00a0344").
    """
    text = _PAGE_NUMBER.sub("\\1\xa0", _NOTE_DASH.sub("\xa0– ", text)) if in_note else _BODY_DASH.sub("\xa0— ", text)
    return _BARE_DOUBLE_DASH.sub(lambda m: "—" if len(m.group()) == 3 else "–", text)


def split_urls(text: str) -> list[tuple[str, bool]]:
    """Text cut into (piece, is_url) pairs, a URL's closing punctuation left outside it."""
    pieces: list[tuple[str, bool]] = []
    pos = 0
    for match in URL.finditer(text):
        url = match.group()
        trailer = _URL_TRAILER.search(url)
        if trailer:
            url = url[: trailer.start()]
        if match.start() > pos:
            pieces.append((text[pos : match.start()], False))
        pieces.append((url, True))
        pos = match.start() + len(url)
    if pos < len(text):
        pieces.append((text[pos:], False))
    return pieces


def url_break_points(url: str) -> list[str]:
    """The URL cut at the places a line may break, so the pieces can be joined with ``<wbr/>``."""
    cuts = {m.end() for m in _BREAK_AFTER.finditer(url)}
    cuts |= {m.start() for m in _BREAK_BEFORE.finditer(url)}
    # Never break inside the scheme ("https://") or right at the start.
    scheme_end = url.find("//") + 2
    points = sorted(c for c in cuts if scheme_end <= c < len(url) and c > 0)
    parts, last = [], 0
    for cut in points:
        if cut > last:
            parts.append(url[last:cut])
            last = cut
    parts.append(url[last:])
    return parts
