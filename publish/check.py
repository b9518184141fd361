"""Source checks: every problem an author can fix in the manuscript, found in one pass.

Takes the book folder; returns diagnostics sorted by file and line. It reads the book the way a
build does (so a clean check means a build will not fail on the sources) and then looks at each
chapter's Markdown for what rendering silently forgives: undefined or unused notes, duplicate
definitions, open ``TK`` queries, missing images and links that lead nowhere.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from publish.config import fallback_config, load_config
from publish.diagnostics import Diagnostic, error, locate, warning
from publish.manuscript import read_chapters, render_chapters
from publish.model import Chapter, chapter_id
from publish.render import ChapterSource, mask_code

_REF = re.compile(r"\[\^([^\]\s]+)\]")
_DEFINITION = re.compile(r"^ {0,3}\[\^([^\]\s]+)\]:", re.MULTILINE)
_TK = re.compile(r"\bTK\b")
_LINK = re.compile(r"(!?)\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+[\"'(][^)]*)?\)")
_ID = re.compile(r'\bid="([^"]+)"')


def check_book(book_dir: Path) -> list[Diagnostic]:
    """Every problem in the book, errors and warnings alike, in file and line order."""
    config, problems = load_config(book_dir)
    if config is None:
        # Still check the chapters, so the author sees every problem in one run.
        config = fallback_config()
    sources, read_problems = read_chapters(book_dir, config)
    problems += read_problems
    chapters, render_problems = render_chapters(book_dir, config, sources)
    problems += render_problems
    ids = {chapter.path.name: chapter_ids(chapter) for chapter in chapters}
    for source, chapter in zip(sources, chapters, strict=True):
        problems += check_chapter(source, chapter, ids, book_dir)
    return sorted(set(problems), key=lambda d: (d.path, d.line, d.col, d.code, d.message))


def check_chapter(
    source: ChapterSource, chapter: Chapter, ids: dict[str, set[str]], book_dir: Path,
) -> list[Diagnostic]:
    text = source.text
    masked = mask_code(text)
    problems: list[Diagnostic] = []
    shown = source.shown

    definitions: dict[str, int] = {}
    for match in _DEFINITION.finditer(masked):
        label = match.group(1)
        line, col = locate(text, match.start(1) - 2)
        if label in definitions:
            problems.append(error(shown, line, col, "note-duplicate",
                                  f"note [^{label}] is defined twice (first at line {definitions[label]}); "
                                  "remove or relabel one definition"))
        else:
            definitions[label] = line
    definition_starts = {m.start(1) - 2 for m in _DEFINITION.finditer(masked)}
    referenced: set[str] = set()
    for match in _REF.finditer(masked):
        if match.start() in definition_starts:
            continue
        label = match.group(1)
        referenced.add(label)
        if label not in definitions:
            line, col = locate(text, match.start())
            problems.append(error(shown, line, col, "note-undefined",
                                  f"note reference [^{label}] has no definition; add '[^{label}]: text' "
                                  "at the end of the chapter"))
    for label, line in definitions.items():
        if label not in referenced:
            problems.append(warning(shown, line, 1, "note-unused",
                                    f"note [^{label}] is defined but never referenced; reference it or delete it"))

    for match in _TK.finditer(masked):
        line, col = locate(text, match.start())
        problems.append(warning(shown, line, col, "tk",
                                f"open editorial query: {_around(text, match.start())}"))

    if not chapter.title:
        problems.append(error(shown, 1, 1, "no-title",
                              "the chapter has no level-1 title; start the file with '# Title'"))
    if not re.sub(r"<[^>]+>", "", chapter.html).strip():
        problems.append(error(shown, 1, 1, "empty-chapter",
                              "the chapter has no text after its title; write it or remove the file"))
    problems += _check_links(source, masked, ids, book_dir)
    return problems


def _check_links(source: ChapterSource, masked: str, ids: dict[str, set[str]], book_dir: Path) -> list[Diagnostic]:
    problems: list[Diagnostic] = []
    for match in _LINK.finditer(masked):
        target = match.group(2)
        line, col = locate(source.text, match.start(2))
        parts = urlsplit(target)
        if parts.scheme or parts.netloc:
            continue
        if match.group(1):
            path = (source.path.parent / unquote(parts.path))
            if not path.is_file():
                problems.append(error(source.shown, line, col, "image-missing",
                                      f"image '{target}' not found (looked for {path.as_posix()})"))
            continue
        name = Path(unquote(parts.path)).name if parts.path else source.path.name
        if parts.path and name not in ids:
            kind = "chapter" if name.endswith(".md") else "file"
            problems.append(warning(source.shown, line, col, "link-unresolved",
                                    f"link to {kind} '{parts.path}' does not resolve: no such chapter in the book"))
            continue
        if parts.fragment and parts.fragment not in ids.get(name, set()):
            known = sorted(i.split("-", 1)[1] for i in ids.get(name, set()) if "-" in i and not i.startswith("note"))
            hint = f"; anchors there: {', '.join(known[:6])}" if known else ""
            problems.append(warning(source.shown, line, col, "link-unresolved",
                                    f"link '{target}' does not resolve: no heading or anchor "
                                    f"'#{parts.fragment}' in {name}{hint}"))
    return problems


def chapter_ids(chapter: Chapter) -> set[str]:
    """The fragments a link to this chapter may name: heading and anchor ids without the chapter prefix."""
    prefix = chapter_id(chapter.number) + "-"
    return {found[len(prefix):] for found in _ID.findall(chapter.html) if found.startswith(prefix)}


def _around(text: str, offset: int, before: int = 30, after: int = 50) -> str:
    """The words of the line around ``offset``, shortened with ellipses, for a one-line message."""
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    end = len(text) if end < 0 else end
    head = text[max(start, offset - before):offset]
    tail = text[offset:min(end, offset + after)]
    lead = "…" if offset - before > start else ""
    trail = "…" if offset + after < end else ""
    return lead + " ".join((head + tail).split()) + trail

