"""Read the manuscript: book.toml and the chapter files → a rendered, book-wide numbered ``Book``.

Takes the book folder; returns the ``Book`` (None when it cannot be built) and every diagnostic
met on the way. Notes are numbered across the book by handing each chapter the number its first
note takes, in reading order; rendering is otherwise per chapter.
"""

from __future__ import annotations

from pathlib import Path

from publish.config import CONFIG_NAME, BookConfig, load_config
from publish.diagnostics import Diagnostic, Severity, decode_utf8, display_path, error
from publish.model import Book, Chapter
from publish.render import ChapterSource, render_chapter


def load_book(book_dir: Path) -> tuple[Book | None, list[Diagnostic]]:
    """Read and render the whole book; None when an error leaves nothing sound to build."""
    config, problems = load_config(book_dir)
    if config is None:
        return None, problems
    sources, read_problems = read_chapters(book_dir, config)
    problems += read_problems
    if any(p.severity is Severity.ERROR for p in read_problems):
        return None, problems
    chapters, render_problems = render_chapters(book_dir, config, sources)
    problems += render_problems
    return Book(root=book_dir, config=config, chapters=chapters), problems


def read_chapters(book_dir: Path, config: BookConfig) -> tuple[list[ChapterSource], list[Diagnostic]]:
    """The chapter files in reading order: book.toml's list, or every ``*.md`` in name order."""
    problems: list[Diagnostic] = []
    if config.chapters:
        paths = []
        config_text = (book_dir / CONFIG_NAME).read_text(encoding="utf-8-sig")
        for name in config.chapters:
            path = book_dir / name
            if path.is_file():
                paths.append(path)
            else:
                line = next((n for n, text in enumerate(config_text.split("\n"), 1) if name in text), 1)
                col = config_text.split("\n")[line - 1].find(name) + 1
                problems.append(error(display_path(book_dir / CONFIG_NAME), line, max(col, 1),
                                      "chapter-missing", f"chapter file '{name}' listed in chapters does not exist"))
    else:
        paths = sorted(p for p in book_dir.glob("*.md") if p.name.lower() != "readme.md")
    if not paths and not problems:
        problems.append(error(display_path(book_dir), 0, 0, "no-chapters",
                              "the book has no chapters: add Markdown files such as 01-first-chapter.md"))
    sources = []
    for number, path in enumerate(paths, start=1):
        shown = display_path(path)
        text, problem = decode_utf8(path.read_bytes(), shown)
        if problem:
            problems.append(problem)
            continue
        sources.append(ChapterSource(number=number, path=path, shown=shown, text=text))
    return sources, problems


def render_chapters(
    book_dir: Path, config: BookConfig, sources: list[ChapterSource],
) -> tuple[tuple[Chapter, ...], list[Diagnostic]]:
    chapter_numbers = {source.path.name: source.number for source in sources}
    chapters: list[Chapter] = []
    problems: list[Diagnostic] = []
    next_note = 1
    for source in sources:
        chapter, found = render_chapter(source, language=config.language, first_note=next_note,
                                        chapter_numbers=chapter_numbers, book_root=book_dir)
        chapters.append(chapter)
        problems += found
        next_note += len(chapter.notes)
    return tuple(chapters), problems
