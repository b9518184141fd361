"""Hyphenation of the print edition: which patterns a language gets, and which words keep whole.

Takes the book's language tag, or a fragment of print HTML; returns the language the print HTML
declares (WeasyPrint hyphenates with Pyphen by the ``lang`` attribute, falling back from
``en-US`` to ``en_US`` and from ``en`` to Pyphen's ``en`` patterns, which are British), or the
fragment with every word that already holds a hyphen marked so that the line breaker adds no
second one ("Rus-/sian-German"). The one design decision: regions are chosen by declaring them in
the HTML, not by handing WeasyPrint a dictionary of our own, so nothing here depends on how
WeasyPrint loads its patterns; the EPUB keeps the author's tag (a reading system hyphenates by
its own rules).
"""

from __future__ import annotations

import re

PATTERN_REGIONS: dict[str, str] = {
    # Pyphen's bare "en" is its British (en_GB) dictionary: "dir-ections", "territ-ory". A book
    # that says only "en" is set, as American publishers and Unicode's likely-subtags data read
    # "en", with the en-US patterns; "en-GB" gets the British ones by asking for them.
    "en": "en-US",
}
"""A bare language → the region whose hyphenation patterns it is set with."""

COMPOUND_CLASS = "compound"
"""print.css sets ``hyphens: manual`` on it: the word breaks after its own hyphen, nowhere else."""
# A word holding a hyphen between two letters or figures. Inside a URL every "-" is followed by a
# word joiner (``pdf.html.print_markup``), so URLs never match: they break by their own rules.
_COMPOUND = re.compile(r"\w+(?:-\w+)+", re.UNICODE)
_TOKENS = re.compile(r"(<[^>]*>)|([^<]+)")
_OPEN_COMPOUND = f'<span class="{COMPOUND_CLASS}">'


def hyphenation_language(language: str) -> str:
    """The tag the print HTML declares for a book in ``language``."""
    return PATTERN_REGIONS.get(language.lower(), language)


def protect_compounds(fragment: str) -> str:
    """Every word that already holds a hyphen, in the text of ``fragment``, wrapped in a span that
    the line breaker does not hyphenate; idempotent (a wrapped word is not wrapped again)."""
    if "-" not in fragment:
        return fragment
    out: list[str] = []
    previous_tag = ""
    for match in _TOKENS.finditer(fragment):
        tag, text = match.group(1), match.group(2)
        if tag is not None:
            out.append(tag)
            previous_tag = tag
            continue
        if previous_tag == _OPEN_COMPOUND or previous_tag.lower().startswith(("<style", "<script")):
            out.append(text)
        else:
            out.append(_COMPOUND.sub(lambda m: f"{_OPEN_COMPOUND}{m.group()}</span>", text))
        previous_tag = ""
    return "".join(out)
