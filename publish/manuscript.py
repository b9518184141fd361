"""Read the manuscript: book.toml and the chapter files → a rendered, book-wide numbered ``Book``.

Takes the book folder; returns the ``Book`` (None when book.toml or a chapter file cannot be
read) and every diagnostic there is: book.toml's, each chapter's rendering's and the book's checks
(``check``). This is the one validation path: ``publish check`` prints what it returns, and every
build stops on its errors. Notes are numbered across the book by handing each chapter the number
its first note takes, in reading order; rendering is otherwise per chapter.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from publish.boundary import find_in_book
from publish.cache import Cache
from publish.check import check_files
from publish.config import CONFIG_NAME, BookConfig, fallback_config, load_config
from publish.diagnostics import Diagnostic, Severity, decode_utf8, display_path, error, locate
from publish.model import Book, Chapter, Heading, Image, Note
from publish.render import ChapterSource, clean_fragment, render_chapter


def load_book(book_dir: Path, cache: Cache | None = None) -> tuple[Book | None, list[Diagnostic]]:
    """Read, render and check the whole book; the book is None when book.toml or a chapter file
    cannot be read, but the chapters that can be are still checked, so that one run shows every
    problem. Diagnostics come sorted by file and place."""
    config, problems = load_config(book_dir)
    sources, read_problems = read_chapters(book_dir, config or fallback_config())
    problems += read_problems
    chapters, render_problems = render_chapters(book_dir, config or fallback_config(), sources, cache)
    problems += render_problems
    book = Book(root=book_dir, config=config or fallback_config(), chapters=chapters)
    problems += check_files(book)
    problems = sort_diagnostics(problems)
    if config is None or any(p.severity is Severity.ERROR for p in read_problems):
        return None, problems
    return book, problems


def sort_diagnostics(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Each problem once, by file, line and column."""
    return sorted(set(diagnostics), key=lambda d: (d.path, d.line, d.col, d.code, d.message))


def read_chapters(book_dir: Path, config: BookConfig) -> tuple[list[ChapterSource], list[Diagnostic]]:
    """The chapter files in reading order: book.toml's list, or every ``*.md`` in name order.

    A file is read only once ``boundary`` has judged it: a chapter listed as ``../notes.md`` or
    ``/etc/passwd``, or a ``*.md`` that is a link to a file elsewhere, is refused unread."""
    problems: list[Diagnostic] = []
    paths: list[Path] = []
    if config.chapters:
        config_text = (book_dir / CONFIG_NAME).read_text(encoding="utf-8-sig")
        seen: set[Path] = set()
        for name in config.chapters:
            found = find_in_book(book_dir, name)
            place = (display_path(book_dir / CONFIG_NAME), *_position(config_text, name))
            if found.outside:
                problems.append(error(*place, "chapter-outside",
                                      f"chapter file '{name}' listed in chapters is outside the book folder; "
                                      "move it into the book and list it from there"))
            elif found.path is None:
                problems.append(error(*place, "chapter-missing",
                                      f"chapter file '{name}' listed in chapters does not exist"))
            elif found.path in seen:
                problems.append(error(*place, "chapter-duplicate",
                                      f"chapter file '{name}' is listed in chapters twice"))
            else:
                seen.add(found.path)
                paths.append(book_dir / name)
    else:
        for path in sorted(p for p in book_dir.glob("*.md") if p.name.lower() != "readme.md"):
            found = find_in_book(book_dir, path.name)
            if found.outside:
                problems.append(error(display_path(path), 0, 0, "chapter-outside",
                                      f"'{path.name}' is a link to a file outside the book folder; copy the "
                                      "file itself into the book"))
            elif found.path is None:
                problems.append(error(display_path(path), 0, 0, "chapter-missing",
                                      f"'{path.name}' is not a file that can be read (a folder, a pipe or a "
                                      "broken link); rename it or remove it"))
            else:
                paths.append(path)
    if not paths and not problems:
        problems.append(error(display_path(book_dir), 0, 0, "no-chapters",
                              "the book has no chapters: add Markdown files such as 01-first-chapter.md"))
    sources = []
    for number, path in enumerate(paths, start=1):
        shown = display_path(path)
        try:
            raw = path.read_bytes()
        except OSError as exc:  # removed or made unreadable since it was listed
            problems.append(error(shown, 0, 0, "chapter-missing", f"'{path.name}' cannot be read: {exc.strerror}"))
            continue
        text, problem = decode_utf8(raw, shown)
        if problem:
            problems.append(problem)
            continue
        folder = path.parent.resolve().relative_to(book_dir.resolve()).as_posix() \
            if path.parent.resolve().is_relative_to(book_dir.resolve()) else ""
        sources.append(ChapterSource(number=number, path=path, shown=shown, text=text,
                                     folder="" if folder == "." else folder))
    return sources, problems


def _position(text: str, value: str) -> tuple[int, int]:
    """Line and column of a value written in book.toml (its first occurrence in quotes)."""
    for needle in (f'"{value}"', f"'{value}'", value):
        index = text.find(needle) if value else -1
        if index >= 0:
            line, col = locate(text, index)
            return line, col + (len(needle) > len(value))
    return 1, 1


def render_chapters(
    book_dir: Path, config: BookConfig, sources: list[ChapterSource], cache: Cache | None = None,
) -> tuple[tuple[Chapter, ...], list[Diagnostic]]:
    chapter_numbers = {source.path.name: source.number for source in sources}
    numbers_key = json.dumps(sorted(chapter_numbers.items()))
    chapters: list[Chapter] = []
    problems: list[Diagnostic] = []
    next_note = 1
    for source in sources:
        key = ""
        found: list[Diagnostic]
        if cache is not None:
            key = cache.key("chapter", source.text, config.language, str(next_note), numbers_key,
                            source.folder, source.path.name, str(source.number))
            stored = cache.get_json("chapter", key)
            cached = chapter_from_json(stored, source) if stored is not None else None
            if cached is not None:
                chapters.append(cached[0])
                problems += cached[1]
                next_note += len(cached[0].notes)
                continue
        chapter, found = render_chapter(source, language=config.language, first_note=next_note,
                                        chapter_numbers=chapter_numbers)
        if cache is not None:
            cache.put_json("chapter", key, chapter_to_json(chapter, found))
        chapters.append(chapter)
        problems += found
        next_note += len(chapter.notes)
    return tuple(chapters), problems


def chapter_to_json(chapter: Chapter, problems: list[Diagnostic]) -> dict[str, Any]:
    data = asdict(chapter)
    del data["path"], data["source"]
    data["problems"] = [[p.line, p.col, p.severity.value, p.code, p.message] for p in problems]
    return data


def chapter_from_json(data: Any, source: ChapterSource) -> tuple[Chapter, list[Diagnostic]] | None:
    """The cached rendering of ``source``, or None when the entry is not one this code wrote.

    Its HTML goes through the sanitizer again (``render.clean_fragment``): an entry is trusted to
    be well-formed, never to be safe. Anyone who can write into build/.cache (a cache restored in
    CI from another branch, say) can compute a key and a checksum, so neither can prove that this
    build wrote the entry; sanitising what is read means a forged entry can hold nothing an author
    could not have written in the chapter itself. (Keying entries by a secret would work only
    where the secret stays out of reach, and would make a restored cache useless.)"""
    try:
        html, title_html = clean_fragment(data["html"]), clean_fragment(data["title_html"])
        notes = tuple(Note(**{**n, "ref_ids": tuple(n["ref_ids"]), "html": clean_fragment(n["html"])})
                      for n in data["notes"])
        if html is None or title_html is None or any(note.html is None for note in notes):
            return None
        chapter = Chapter(
            number=data["number"], stem=data["stem"], slug=data["slug"], path=source.path, source=source.text,
            title=data["title"], title_html=title_html, html=html,
            headings=tuple(Heading(**h) for h in data["headings"]),
            notes=notes,
            images=tuple(Image(**i) for i in data["images"]),
        )
        problems = [Diagnostic(source.shown, line, col, Severity(severity), code, message)
                    for line, col, severity, code, message in data["problems"]]
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    return chapter, problems
