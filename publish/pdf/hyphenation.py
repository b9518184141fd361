"""Hyphenation of the print edition: which patterns a language gets, and which words keep whole.

Takes the book's language tag, or a fragment of print HTML; returns the language the print HTML
declares (WeasyPrint hyphenates with Pyphen by the ``lang`` attribute, falling back from
``en-US`` to ``en_US`` and from ``en`` to Pyphen's ``en`` patterns, which are British), or the
fragment with every word that already holds a hyphen marked so that the line breaker adds no
second one ("Rus-/sian-German"), and the last word of every paragraph marked so that it is never
hyphenated: a paragraph cannot end with a line holding only the end of a word ("phar-" /
"macy."), which is otherwise mended only by laying the part out again. The one design
decision: regions are chosen by declaring them in the HTML, not by handing WeasyPrint a
dictionary of our own, so nothing here depends on how WeasyPrint loads its patterns; the EPUB
keeps the author's tag (a reading system hyphenates by its own rules).
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
LAST_WORD_CLASS = "last-word"
"""print.css sets ``hyphens: manual`` on it: a paragraph's last word, kept whole."""
_PARAGRAPHS = frozenset({"p", "li", "dd", "dt", "td", "th", "figcaption"})
# What a paragraph's last word is looked for behind (a note's mark, a note set at the foot of the
# page), and what already keeps its words whole or breaks by its own rules.
_TRANSPARENT = ("noteref", "footnote")
_WHOLE = (COMPOUND_CLASS, LAST_WORD_CLASS, "keep-whole", "url")
_LAST_WORD = re.compile(r"(?<![\w\-\u2060])[^\W\d_]+(?:['’][^\W\d_]+)*[^\w]*$")
_SHORTEST = 6
"""Letters a word needs to be hyphenated at all (print.css: ``hyphenate-limit-chars: 6 3 3``)."""


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


def keep_last_words(fragment: str) -> str:
    """The last word of every paragraph (and list item, cell, caption) in ``fragment``, with the
    punctuation after it, wrapped in a span the line breaker does not hyphenate; a note's mark or
    a note set at the foot of the page after it does not count as the last word, and a paragraph
    that ends with a URL or a word kept whole already is left alone. Idempotent."""
    tokens = list(_TOKENS.finditer(fragment))
    stack: list[tuple[str, str]] = []
    """Open elements: name, and ``block``, ``transparent``, ``whole`` or ``inline``."""
    last: dict[int, int] = {}
    """Paragraph (by its place on the stack, while open) → its last text token that holds a word."""
    chosen: list[int] = []
    for index, match in enumerate(tokens):
        tag, text = match.group(1), match.group(2)
        if tag is None:
            kinds = [kind for _name, kind in stack]
            if "transparent" in kinds or not re.search(r"\w", text):
                continue
            block = max((depth for depth, kind in enumerate(kinds) if kind == "block"), default=-1)
            if block >= 0:
                # A word inside an element that keeps it whole settles the paragraph's end too.
                last[block] = -1 if "whole" in kinds[block:] else index
            continue
        name = re.match(r"</?([A-Za-z][\w:-]*)", tag)
        if name is None or tag.endswith("/>"):
            continue
        element = name.group(1).lower()
        if tag.startswith("</"):
            while stack:
                opened, _kind = stack.pop()
                depth = len(stack)
                if depth in last:
                    found = last.pop(depth)
                    if found >= 0:
                        chosen.append(found)
                if opened == element:
                    break
            continue
        if element in ("br", "img", "hr", "wbr", "meta", "link", "input"):
            continue
        named = re.search(r'\bclass="([^"]*)"', tag)
        classes = named.group(1).split() if named else []
        if any(name in classes for name in _TRANSPARENT):
            kind = "transparent"
        elif any(name in classes for name in _WHOLE) or element in ("code", "pre", "style", "script"):
            kind = "whole"
        elif element in _PARAGRAPHS:
            kind = "block"
        else:
            kind = "inline"
        stack.append((element, kind))
    if not chosen:
        return fragment
    out = [match.group() for match in tokens]
    for index in chosen:
        text = out[index]
        word = _LAST_WORD.search(text)
        if word is None or sum(ch.isalpha() for ch in word.group()) < _SHORTEST:
            continue
        out[index] = f'{text[:word.start()]}<span class="{LAST_WORD_CLASS}">{word.group()}</span>'
    return "".join(out)
