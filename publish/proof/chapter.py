"""Proof support: find the chapter an author asked for, mark its editorial flags, stamp its revision.

Takes the chapter argument, the book's chapter sources and the editorial flags; returns the chosen
chapter, a ``Chapter`` rendered with flag markers in its text, and the proof stamp. Flags are
placed by inserting private-use sentinels into the Markdown just after the flagged word and
turning them into elements after rendering, so the text, numbering and typography of the proof
are those of the book.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

from publish.diagnostics import Diagnostic
from publish.model import Chapter
from publish.render import ChapterSource

_OPEN, _CLOSE = "\ue000", "\ue001"
_SENTINEL = re.compile(f"{_OPEN}(\\d+){_CLOSE}")
_WORD_END = re.compile(r"[^\s\[\]()<>]*?(?=[\s\[\]()<>.,;:!?\"”’»]|$)")


class ChapterChoiceError(Exception):
    """The chapter argument names no chapter, or more than one; the message lists candidates."""


@dataclass(frozen=True)
class Provenance:
    """What the proof's margin says about its origin."""

    source: str
    date: str
    revision: str
    """``git`` commit (short) plus ``+edits`` when the file has uncommitted changes, or ``no git``."""

    @property
    def text(self) -> str:
        return f"PROOF · {self.source} · {self.date} · {self.revision}"


def choose_chapter(argument: str, sources: list[ChapterSource]) -> ChapterSource:
    """A chapter by number (``7``), file name, path, or a unique part of its slug (``tatarstan``)."""
    wanted = argument.strip()
    if wanted.isdigit():
        number = int(wanted)
        for source in sources:
            if source.number == number:
                return source
        raise ChapterChoiceError(f"there is no chapter {number}; the book has {len(sources)}:\n"
                                 + listing(sources))
    as_path = Path(wanted)
    for source in sources:
        if as_path.name == source.path.name and (as_path.parent == Path(".")
                                                 or as_path.resolve() == source.path.resolve()):
            return source
    key = wanted.lower().removesuffix(".md")
    matches = [s for s in sources if key in s.path.stem.lower()]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise ChapterChoiceError(f"'{argument}' matches {len(matches)} chapters; be more specific:\n"
                                 + listing(matches))
    raise ChapterChoiceError(f"no chapter matches '{argument}'; the chapters are:\n" + listing(sources))


def listing(sources: list[ChapterSource]) -> str:
    return "\n".join(f"  {s.number:>3}  {s.path.name}" for s in sources)


def insert_flags(text: str, flags: list[Diagnostic]) -> str:
    """The Markdown with a sentinel after the word each flag points at (flag i → sentinel i)."""
    offsets = []
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    for index, flag in enumerate(flags):
        if flag.line < 1 or flag.line > len(line_starts):
            continue
        start = line_starts[flag.line - 1] + max(flag.col - 1, 0)
        end_match = _WORD_END.match(text, start)
        end = end_match.end() if end_match else start
        if text.startswith("[^", start):
            # After a reference, or after a definition's "]:" so the definition still parses.
            end = text.find("]", start) + 1
            end += text.startswith(":", end)
        offsets.append((end, index))
    pieces = []
    last = 0
    for offset, index in sorted(offsets):
        pieces.append(text[last:offset])
        pieces.append(f"{_OPEN}{index}{_CLOSE}")
        last = offset
    pieces.append(text[last:])
    return "".join(pieces)


def mark_flags(chapter: Chapter, flags: list[Diagnostic]) -> Chapter:
    """Sentinels in the rendered chapter turned into ``<span class="flag">`` elements."""
    def element(match: re.Match[str]) -> str:
        flag = flags[int(match.group(1))]
        label = _escape(f"{flag.code}: {flag.message}")
        return (f'<span class="flag" data-flag="{flag.code}" title="{label}">'
                f'<span class="flag-text">{_escape(flag.code)} (l. {flag.line})</span></span>')

    def strip(text: str) -> str:
        return _SENTINEL.sub("", text)

    notes = tuple(replace(n, html=_SENTINEL.sub(element, n.html), text=strip(n.text)) for n in chapter.notes)
    return replace(chapter, html=_SENTINEL.sub(element, chapter.html),
                   title_html=_SENTINEL.sub(element, chapter.title_html), title=strip(chapter.title),
                   source=strip(chapter.source), notes=notes)


def provenance_of(source: ChapterSource, date: str) -> Provenance:
    return Provenance(source=source.path.name, date=date, revision=revision_of(source.path))


def revision_of(path: Path) -> str:
    """The git commit of the manuscript and whether this file differs from it."""
    folder = path.resolve().parent
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=folder, capture_output=True,
                                text=True, timeout=5, check=False)
        if commit.returncode != 0:
            return "not under git"
        status = subprocess.run(["git", "status", "--porcelain", "--", path.name], cwd=folder,
                                capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return "not under git"
    dirty = " + uncommitted changes" if status.stdout.strip() else ""
    return f"git {commit.stdout.strip()}{dirty}"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
