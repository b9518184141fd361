"""The fitting's adjustments to a part, as plain data and as HTML.

Takes a part's HTML and a ``Fit`` (words kept whole at one place, paragraphs set tighter, the
whole part's word spacing moved); returns the HTML that carries them, found again by the
``data-block`` number ``number_blocks`` gives every element. ``pdf.fit`` decides which
adjustments a part needs; this module only writes them, and imports no layout engine, so a
``Fit`` travels with a job and its layout (``pdf.parts``) through the recipe, the cache and the
proof.

The one design decision: an element that holds nothing (``<span id="x"></span>``, ``<br/>``) is
not numbered, since it holds no line: adding one, as the proof does to mark where its flags fall,
renumbers nothing, so the book's adjustments apply to the proof's twin of a chapter unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from publish.pdf.html import WORD_SPACE_EM

PART_STEP_EM = 0.01
MAX_PART_STEPS = 3
"""A chapter's spaces move at most 0.03 em either way: between 0.14 and 0.20 em, never wider
than the face's own space nor tighter than seven tenths of it."""
BLOCK_STEP_EM = 0.02
MAX_BLOCK_STEPS = 2
"""A paragraph's spaces tighten at most 0.04 em more: 0.13 em at the tightest, two thirds of
the face's space, the least a typesetter's shrink allows."""
KEEP_CLASS = "keep-whole"
"""print.css sets ``hyphens: manual`` on it."""

_START_TAG = re.compile(r"<([A-Za-z][\w:-]*)(?=[\s/>])[^>]*>")
_TOKENS = re.compile(r"(<[^>]*>)|([^<]+)")
_VOID = re.compile(r"<(br|img|hr|wbr|input|meta|link)\b")


@dataclass(frozen=True, order=True)
class KeepWord:
    """A word the line breaker must not hyphenate, at one place."""

    block: int
    word: str
    occurrence: int
    """Which whole-word occurrence in the block's text, from 0."""


@dataclass(frozen=True)
class Fit:
    """The adjustments a part was laid out with."""

    keep: frozenset[KeepWord] = frozenset()
    tightened: tuple[tuple[int, int], ...] = ()
    """(block, steps) for paragraphs set tighter."""
    spacing: int = 0
    """The whole part's word spacing, in ``PART_STEP_EM`` steps (negative: tighter)."""

    @property
    def empty(self) -> bool:
        return not self.keep and not self.tightened and not self.spacing

    def describe(self) -> list[str]:
        """What was done, in a typesetter's words."""
        done = []
        if self.spacing:
            way = "tightened" if self.spacing < 0 else "loosened"
            done.append(f"word spaces {way} by {abs(self.spacing) * PART_STEP_EM:.2f} em")
        if self.keep:
            words = ", ".join(f"“{keep.word}”" for keep in sorted(self.keep, key=lambda k: (k.block, k.occurrence)))
            done.append(f"kept whole: {words}")
        if self.tightened:
            done.append(f"{len(self.tightened)} paragraph{'s' if len(self.tightened) > 1 else ''} set tighter "
                        "to mend loose lines")
        return done


def number_blocks(html: str) -> str:
    """Every element of the body that holds something given ``data-block="N"``, N counting those
    start tags from 0: what ``pdf.lines`` reports lines by and ``apply_fit`` finds them again by.
    Attribute values and text hold no raw "<", so a start tag is found by its "<" alone."""
    head, sep, body = html.partition("<body")
    if not sep:
        return html
    out, last, number = [], 0, 0
    for tag in _START_TAG.finditer(body):
        name = tag.group(1)
        if tag.group().endswith("/>") or body.startswith(f"</{name}>", tag.end()) or _VOID.match(tag.group()):
            continue
        at = tag.start() + 1 + len(name)
        out += [body[last:at], f' data-block="{number}"']
        last, number = at, number + 1
    return head + sep + "".join(out) + body[last:]


def apply_fit(html: str, fit: Fit) -> str:
    """``html`` (numbered by ``number_blocks``) with the adjustments of ``fit``."""
    for block, steps in fit.tightened:
        html = _set_block_spacing(html, block, WORD_SPACE_EM + fit.spacing * PART_STEP_EM - steps * BLOCK_STEP_EM)
    for keep in sorted(fit.keep, reverse=True):
        html = _keep_word(html, keep)
    if fit.spacing:
        rule = f"<style>body {{ word-spacing: {WORD_SPACE_EM + fit.spacing * PART_STEP_EM:.3f}em; }}</style>"
        html = html.replace("</head>", rule + "</head>", 1)
    return html


def fit_to_json(fit: Fit) -> dict[str, Any]:
    return {"keep": [[k.block, k.word, k.occurrence] for k in sorted(fit.keep)],
            "tightened": [list(pair) for pair in fit.tightened], "spacing": fit.spacing}


def fit_from_json(data: dict[str, Any]) -> Fit:
    return Fit(keep=frozenset(KeepWord(int(block), str(word), int(occurrence))
                              for block, word, occurrence in data["keep"]),
               tightened=tuple((int(block), int(steps)) for block, steps in data["tightened"]),
               spacing=int(data["spacing"]))


def _block_tag(html: str, block: int) -> re.Match[str] | None:
    return re.search(rf'<[A-Za-z][\w:-]* data-block="{block}"[^>]*>', html)


def _set_block_spacing(html: str, block: int, word_space_em: float) -> str:
    tag = _block_tag(html, block)
    if tag is None:
        return html
    text = tag.group()
    rule = f"word-spacing: {word_space_em:.3f}em"
    if ' style="' in text:
        new = text.replace(' style="', f' style="{rule}; ', 1)
    else:
        new = text.replace(f'data-block="{block}"', f'data-block="{block}" style="{rule}"', 1)
    return html[: tag.start()] + new + html[tag.end():]


def _keep_word(html: str, keep: KeepWord) -> str:
    """Wrap the ``occurrence``-th whole occurrence of the word in its block's own text (not in
    a footnote set inside it) in a span the line breaker does not hyphenate."""
    tag = _block_tag(html, keep.block)
    if tag is None:
        return html
    pattern = re.compile(rf"(?<!\w){re.escape(keep.word)}(?!\w)")
    depth, skipping, seen = 0, 0, 0
    for match in _TOKENS.finditer(html, tag.end()):
        token, text = match.group(1), match.group(2)
        if token is not None:
            closing = token.startswith("</")
            void = token.endswith("/>") or _VOID.match(token) is not None
            if closing:
                if depth == 0:
                    return html  # the block ended without that occurrence
                depth -= 1
                if skipping and depth < skipping:
                    skipping = 0
            elif not void:
                depth += 1
                if not skipping and 'class="footnote' in token:
                    skipping = depth
            continue
        if skipping:
            continue
        for found in pattern.finditer(text):
            if seen == keep.occurrence:
                start = match.start() + found.start()
                end = match.start() + found.end()
                return f'{html[:start]}<span class="{KEEP_CLASS}">{html[start:end]}</span>{html[end:]}'
            seen += 1
    return html
