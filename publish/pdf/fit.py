"""Fitting a part: the typesetter's second look at the lines and pages of a chapter or the Notes.

Takes a part's HTML, whether it is a chapter, and a function that lays HTML out into pages;
returns the best layout found within fixed bounds, the adjustments that made it (``Fit``) and
the defects left (``Findings``). What counts as a defect: three or more hyphenated line ends in
a row, a line holding only the end of a hyphenated word, a chapter whose last page has fewer
than three lines, a page holding nothing but the end of a paragraph, and (measured, mended where
it is cheap) a loose line, whose word spaces average over twice the face's space.

How they are mended, as a typesetter would, and only so far:
- a hyphenated word that starts a fourth hyphen in a row, or leaves a lone fragment, is kept
  whole at that one place (``KeepWord``) and the part laid out again;
- a paragraph with a loose line is set with word spaces one or two steps tighter
  (``BLOCK_STEP_EM``; at most ``MAX_BLOCK_STEPS``): the word that did not fit then often does;
  this is done in a part laid out again anyway, or in one that holds ``LOOSE_PART`` loose lines;
- a chapter that ends short, or leaves a page to a paragraph's last lines, is laid out again
  with its word spaces tightened, then loosened, by ``PART_STEP_EM`` at a time, at most
  ``MAX_PART_STEPS`` steps either way, and the first setting that mends it is kept.
Every trial is a full layout of the part, so their number is bounded (``LINE_ROUNDS`` and the
spacing candidates); a part with no defect is laid out once, as before. What can be prevented
is, before the first layout: a paragraph's last word is never hyphenated (``pdf.hyphenation``),
so no paragraph ends with a fragment, and WeasyPrint wraps lines within a tight word spacing
(``pdf.weasyprint_spacing``), so no line is cut short after an inline element.

The one design decision: adjustments are written into the part's HTML (a span, a style
attribute, a rule: ``pdf.adjustments``), found again by the ``data-block`` number
``number_blocks`` gives every element, so a fitted part is an ordinary WeasyPrint document and
its layout stays a pure function of the job: the cache, the proof and the book all get the same
pages. A part laid out again with the same adjustments (a chapter opening on a left-hand page,
the proof's twin of a chapter with its flags marked) is given the ``Fit`` found the first time
and laid out once, never fitted anew.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from publish.pdf.adjustments import (
    MAX_BLOCK_STEPS,
    MAX_PART_STEPS,
    Fit,
    KeepWord,
    apply_fit,
    number_blocks,
)
from publish.pdf.lines import HYPHEN, Line, read_lines

LINE_ROUNDS = 3
"""Layouts spent on words kept whole and paragraphs tightened, after the first."""
MAX_RUN = 2
"""Hyphenated line ends allowed in a row."""
MIN_LAST_LINES = 3
"""Lines a chapter's last page holds at least."""
BROKEN = 4.0
"""A hyphenated line whose spaces are over four times the normal one was cut short, not full."""
LOOSE_PART = 6
"""Loose lines that get a part laid out again (its loose paragraphs set tighter) when nothing
else does; fewer are only measured (benchmarks/typesetting.py gives what this costs and buys)."""

_WORD_END = re.compile(r"[^\W\d_]+$")
_WORD_START = re.compile(r"^[^\W\d_]+")


@dataclass(frozen=True)
class Findings:
    """The defects of one layout of a part."""

    hyphen_runs: tuple[Line, ...] = ()
    """The line that makes each run longer than ``MAX_RUN``."""
    fragments: tuple[Line, ...] = ()
    """Lines holding only the end of a hyphenated word."""
    short_ending: tuple[Line, ...] = ()
    """The lines of a chapter's last page, when there are fewer than ``MIN_LAST_LINES``."""
    tail_pages: tuple[Line, ...] = ()
    """The first line of each page that holds only the end of one paragraph."""
    loose: tuple[Line, ...] = ()
    page_count: int = 0
    lines: tuple[Line, ...] = field(default=(), repr=False)

    def score(self) -> tuple[int, int, int, int]:
        """Smaller is better: page defects, then line defects, then loose lines, then pages."""
        return (len(self.short_ending) + len(self.tail_pages), self.line_defects, len(self.loose), self.page_count)

    @property
    def page_defects(self) -> bool:
        return bool(self.short_ending or self.tail_pages)

    @property
    def line_defects(self) -> int:
        """Hyphen runs, lone fragments and lines the line breaker cut short."""
        broken = sum(1 for line in self.loose if line.hyphenated and line.space_ratio > BROKEN)
        return len(self.hyphen_runs) + len(self.fragments) + broken


@dataclass(frozen=True)
class Fitted:
    document: Any
    """The WeasyPrint document kept."""
    fit: Fit
    findings: Findings
    layouts: int
    """How many layouts the part took."""


def find_defects(lines: Sequence[Line], page_count: int, *, chapter: bool) -> Findings:
    runs, fragments, loose = [], [], []
    for block_lines in _by_block(lines):
        run = 0
        for index, line in enumerate(block_lines):
            run = run + 1 if line.hyphenated else 0
            if run > MAX_RUN:
                runs.append(line)
                run = 0
            if line.loose:
                loose.append(line)
            if (line.last and not line.first and index and block_lines[index - 1].hyphenated
                    and not re.search(r"[\s\xa0]", line.text.strip())):
                fragments.append(line)
    short: list[Line] = []
    tails: list[Line] = []
    if chapter and page_count > 1:
        flow = [line for line in lines if not line.footnote]
        last_page = [line for line in flow if line.page == page_count - 1]
        if 0 < len(last_page) < MIN_LAST_LINES:
            short = last_page
        # A chapter's last page may well hold only the end of its last paragraph (three lines at
        # least, above); any other page that does was left mostly empty.
        for page in range(1, page_count - 1):
            on_page = [line for line in flow if line.page == page]
            if on_page and len({line.block for line in on_page}) == 1 and not on_page[0].first and on_page[-1].last:
                tails.append(on_page[0])
    return Findings(tuple(runs), tuple(fragments), tuple(short), tuple(tails), tuple(loose), page_count, tuple(lines))


def fit_part(render: Callable[[str], Any], html: str, *, chapter: bool, mend: bool = True,
             given: Fit | None = None) -> Fitted:
    """Lay out ``html`` with ``render`` (HTML → a WeasyPrint document), then mend what can be
    mended within the bounds above (unless ``mend`` is false); the best layout seen is kept.
    With ``given``, the part is laid out once with those adjustments, found before for the same
    text, and only looked at."""
    numbered = number_blocks(html)
    layouts = 0

    def trial(fit: Fit) -> tuple[Any, Findings]:
        nonlocal layouts
        layouts += 1
        document = render(apply_fit(numbered, fit))
        return document, find_defects(read_lines(document.pages), len(document.pages), chapter=chapter)

    first = given or Fit()
    document, found = trial(first)
    best = (found.score(), first, document, found)

    def mend_best(rounds: int) -> None:
        """Mend the lines of the best layout so far, while that makes it better."""
        nonlocal best
        fit, found = best[1], best[3]
        for number in range(rounds):
            if not found.line_defects and (number or len(found.loose) < LOOSE_PART):
                return
            mended = mend_lines(fit, found)
            if mended == fit:
                return
            # Each round builds on the last, better or not: a word kept whole may move the
            # trouble a line down, where the next round mends it.
            fit = mended
            document, found = trial(fit)
            if found.score() < best[0]:
                best = (found.score(), fit, document, found)

    if not mend or given is not None:
        return Fitted(best[2], best[1], best[3], layouts)
    # A part whose lines and pages are sound is laid out once; loose lines alone are measured,
    # and mended only in a part laid out again anyway.
    mend_best(LINE_ROUNDS)
    if chapter and best[3].page_defects:
        base = best[1]
        for steps in [-n for n in range(1, MAX_PART_STEPS + 1)] + list(range(1, MAX_PART_STEPS + 1)):
            candidate = replace(base, spacing=steps)
            document, found = trial(candidate)
            if found.score() < best[0]:
                best = (found.score(), candidate, document, found)
            if not found.page_defects:
                break
        mend_best(1)
    return Fitted(best[2], best[1], best[3], layouts)


def mend_lines(fit: Fit, found: Findings) -> Fit:
    """``fit`` and more: the words that make a long hyphen run or a lone fragment in the layout
    ``found`` describes kept whole at their place, and the paragraphs that hold a loose line set
    one step tighter."""
    keep = set(fit.keep)
    blocks = _by_block(found.lines)
    where = {id(line): (group, index) for group in blocks for index, line in enumerate(group)}
    runs = {id(line) for line in found.hyphen_runs}
    for line in (*found.hyphen_runs, *found.fragments):
        group, index = where[id(line)]
        word = _kept_word(group, index if id(line) in runs else index - 1)
        if word is not None:
            keep.add(word)
    steps = dict(fit.tightened)
    for line in found.loose:
        group, index = where[id(line)]
        if line.hyphenated and line.space_ratio > BROKEN:
            # The line breaker hyphenated a word it had room for (WeasyPrint does, now and then,
            # after an inline element): keeping the word whole there mends the line.
            word = _kept_word(group, index)
            if word is not None:
                keep.add(word)
        elif line.block >= 0 and not line.footnote and steps.get(line.block, 0) < MAX_BLOCK_STEPS:
            steps[line.block] = steps.get(line.block, 0) + 1
    return replace(fit, keep=frozenset(keep), tightened=tuple(sorted(steps.items())))


def _kept_word(group: Sequence[Line], index: int) -> KeepWord | None:
    """The word hyphenated at the end of ``group[index]``, and which of its block's occurrences it is."""
    line = group[index]
    if line.block < 0 or index + 1 >= len(group):
        return None
    head = _WORD_END.search(line.text.removesuffix(HYPHEN))
    tail = _WORD_START.search(group[index + 1].text.lstrip())
    if head is None or tail is None:
        return None
    word = head.group() + tail.group()
    # ``_joined`` ends a line that was not hyphenated with a space and joins a hyphenated one to
    # the next: nothing is added here, or a word split at the line before would be counted
    # (or not) by its halves ("Sen" "tence").
    before = _joined(group[:index]) + line.text.removesuffix(HYPHEN)[: head.start()]
    return KeepWord(line.block, word, len(re.findall(rf"(?<!\w){re.escape(word)}(?!\w)", before)))


def _joined(lines: Sequence[Line]) -> str:
    """A block's text as its lines give it, hyphenated words joined again."""
    out = ""
    for line in lines:
        out += line.text.removesuffix(HYPHEN) if line.hyphenated else line.text + " "
    return out


def _by_block(lines: Sequence[Line]) -> list[list[Line]]:
    """Lines grouped by their block, each group in reading order (a block's lines on two pages
    have the first page's footnotes between them)."""
    groups: dict[tuple[int, str, bool], list[Line]] = {}
    for number, line in enumerate(lines):
        key = (line.block, "", line.footnote) if line.block >= 0 else (-1, f"{line.element_id}:{number}", line.footnote)
        groups.setdefault(key, []).append(line)
    return list(groups.values())
