"""Words as both editions set them, in one form, and the two lined up.

Takes text as each edition holds it (a laid-out line of the PDF, a run of an EPUB page's text) and
returns it in one form (``words``, ``line_words``); takes the PDF's lines and the EPUB's text in
that form and lines them up (``align``): where each printed character is in the EPUB, and every
stretch where the two say different things. The form: characters as set (both editions take
their quotes and dashes from one model), break points that are no characters removed (the EPUB
writes ``<wbr/>``, the PDF a zero-width space; word joiners, soft hyphens), every run of spaces
one space, each note reference one ``REF`` (its number is the edition's, not the text's), and in
the PDF's lines a hyphen that ends a line, which may be the layout's own, ``LINE_HYPHEN``.

The one design decision: a line end in the PDF is a space or nothing (a word broken over two
lines: hyphenated, or after a dash, a slash, a break point of a URL), and the layout cannot tell
which; the alignment takes whichever the EPUB's text has there. The two texts are compared
character by character while they agree (every build: linear time); only where they differ are
they compared word by word (difflib) to find each difference and to go on after it.
"""

from __future__ import annotations

import bisect
import difflib
import re
from dataclasses import dataclass

REF = "\ue000"
"""A note reference, wherever it stands."""
LINE_HYPHEN = "\ue001"
"""A hyphen that ends a laid-out line: the layout's hyphenation, or a hyphen of the text."""
HYPHENS = "-\u2010\u2011"
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u2060\u00ad\ufeff"), None)
_TOKEN = re.compile(r"[^ \n]+")


def words(text: str) -> str:
    """``text`` in the common form: invisible break points gone, each run of spaces one space."""
    return " ".join(text.translate(_INVISIBLE).split())


def line_words(text: str, hyphenation: str) -> str:
    """A laid-out line in the common form; a final ``hyphenation`` (the layout's hyphen
    character) becomes ``LINE_HYPHEN``."""
    found = words(text)
    if hyphenation and found.endswith(hyphenation):
        found = found[: -len(hyphenation)] + LINE_HYPHEN
    return found


def readable(text: str) -> str:
    """The common form as a reader would write it, for messages."""
    return text.replace(REF, "[n]").replace(LINE_HYPHEN, "-").replace("\n", " ")


@dataclass(frozen=True)
class Difference:
    """A stretch where the editions say different things: ``printed`` (start, end) in the PDF's
    text and ``shown`` in the EPUB's; one of them may be empty (words only the other has)."""

    printed: tuple[int, int]
    shown: tuple[int, int]


@dataclass(frozen=True)
class Alignment:
    positions: tuple[int, ...]
    """For each character of the printed text: the index of the same character in the shown text,
    or -1 (a space, a line end, a hyphen of the layout, a word only the PDF has)."""
    differences: tuple[Difference, ...]

    def shown_at(self, printed: int) -> int:
        """Where in the shown text the printed text at ``printed`` is: its own place, or that of
        the first printed character after it that the EPUB has; -1 if none has."""
        for index in range(max(printed, 0), len(self.positions)):
            if self.positions[index] >= 0:
                return self.positions[index]
        return -1


def align(printed: str, shown: str) -> Alignment:
    """Line up the PDF's text (lines joined by ``"\\n"``) with the EPUB's (see the module docstring)."""
    positions = _follow(printed, shown)
    if positions is not None:
        return Alignment(tuple(positions), ())
    return _align_words(printed, shown)


def _follow(printed: str, shown: str) -> list[int] | None:
    """The positions while the texts agree character by character; None at the first difference."""
    positions = [-1] * len(printed)
    i = j = 0
    end = len(shown)
    while i < len(printed):
        c = printed[i]
        if c == LINE_HYPHEN:
            # The text's own hyphen, or one the layout added to break the word.
            if j < end and shown[j] in HYPHENS:
                positions[i] = j
                j += 1
        elif c == "\n":
            if j < end and shown[j] == " ":
                j += 1
        elif j < end and shown[j] == c:
            if c != " ":
                positions[i] = j
            j += 1
        else:
            return None
        i += 1
    return positions if j == end else None


def _align_words(printed: str, shown: str) -> Alignment:
    """Word by word: the words each text has that the other lacks, the rest lined up."""
    ours = [(m.start(), m.group()) for m in _TOKEN.finditer(printed)]
    theirs = [(m.start(), m.group()) for m in _TOKEN.finditer(shown)]
    keys = [token.replace(LINE_HYPHEN, "") for _, token in ours]
    positions = [-1] * len(printed)
    differences = []
    matcher = difflib.SequenceMatcher(None, keys, [token for _, token in theirs], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        joined_ours = "".join(keys[i1:i2])
        joined_theirs = "".join(token for _, token in theirs[j1:j2])
        if tag == "equal" or joined_ours == joined_theirs:
            # The same characters, perhaps broken into words differently at a line end.
            mine = [start + k for start, token in ours[i1:i2] for k, ch in enumerate(token) if ch != LINE_HYPHEN]
            other = [start + k for start, token in theirs[j1:j2] for k in range(len(token))]
            for at, to in zip(mine, other, strict=True):
                positions[at] = to
            continue
        printed_span = (ours[i1][0], ours[i2 - 1][0] + len(ours[i2 - 1][1])) if i2 > i1 else \
            ((ours[i1][0], ours[i1][0]) if i1 < len(ours) else (len(printed), len(printed)))
        shown_span = (theirs[j1][0], theirs[j2 - 1][0] + len(theirs[j2 - 1][1])) if j2 > j1 else \
            ((theirs[j1][0], theirs[j1][0]) if j1 < len(theirs) else (len(shown), len(shown)))
        differences.append(Difference(printed_span, shown_span))
    return Alignment(tuple(positions), tuple(differences))


def line_starts(lines: list[str]) -> list[int]:
    """Where each line begins in ``"\\n".join(lines)``."""
    starts, at = [], 0
    for line in lines:
        starts.append(at)
        at += len(line) + 1
    return starts


def line_of(starts: list[int], index: int) -> int:
    """The line (from 0) that character ``index`` of the joined lines is on."""
    return max(bisect.bisect_right(starts, index) - 1, 0)
