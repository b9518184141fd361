"""The recipe: the one place that calls the stages in order, for each command.

Takes the book folder and output choices; returns where the edition was written and the
diagnostics met. Stages: read book.toml and the chapters → render and number notes → (stop on
errors) → write the edition atomically. Edition writers are imported only when used, so an EPUB
build never pays for importing the PDF engine.
"""

from __future__ import annotations

import datetime as dt
from contextlib import nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from publish.cache import Cache
from publish.config import CONFIG_NAME, load_config
from publish.diagnostics import Diagnostic, PublishError, Severity
from publish.manuscript import load_book, read_chapters
from publish.model import Book, Chapter
from publish.render import ChapterSource, count_notes, render_chapter

if TYPE_CHECKING:
    from publish.pdf_engine import Engine
    from publish.proof import Stamp

OUTPUT_DIR = Path("build")


def default_output(name: str) -> Path:
    """``build/`` in the working folder, where README's commands run."""
    return OUTPUT_DIR / name


def open_cache(enabled: bool = True) -> Cache | None:
    """The build cache in ``build/.cache``; None with ``--no-cache``."""
    return Cache(OUTPUT_DIR / ".cache") if enabled else None


def read_book(book_dir: Path, cache: Cache | None = None) -> tuple[Book, list[Diagnostic]]:
    """Step 1 - read and render the book; stop with every error if it cannot be built."""
    book, problems = load_book(book_dir, cache)
    errors = [p for p in problems if p.severity is Severity.ERROR]
    if book is None or errors:
        raise PublishError(errors or problems)
    return book, problems


def build_epub(
    book_dir: Path, output: Path | None = None, *, cache: Cache | None = None,
) -> tuple[Path, list[Diagnostic]]:
    book, problems = read_book(book_dir, cache)
    from publish.epub import write_epub

    target = output or default_output(f"{book.slug}.epub")
    problems += write_epub(book, target, cache)
    return target, problems


def build_pdf(
    book_dir: Path, output: Path | None = None, *, variant: str = "digital", cache: Cache | None = None,
    jobs: int | None = None, engine: Engine | None = None,
) -> tuple[Path, list[Diagnostic]]:
    """The PDF edition, laid out in ``engine`` (``pdf_engine.start_print_engine``) or, without
    one, in ``jobs`` processes started here."""
    from publish.pdf_engine import engine_size, start_print_engine

    # The engine's processes import WeasyPrint and parse the stylesheet while this one imports
    # the PDF stages and reads the book.
    starting = start_print_engine(engine_size(jobs)) if engine is None else nullcontext(engine)
    with starting as running:
        from publish.pdf import write_pdf

        book, problems = read_book(book_dir, cache)
        target = output or default_output(f"{book.slug}.pdf")
        problems += write_pdf(book, target, variant=variant, cache=cache, workers=jobs, engine=running)
    return target, problems


@dataclass(frozen=True)
class ProofJob:
    """Everything a proof of one chapter needs, made without rendering the rest of the book."""

    book: Book
    """The book with only the proofed chapter in ``chapters`` (numbered as in the full book)."""
    chapter: Chapter
    """The chapter with its editorial flags marked in the text."""
    flags: list[Diagnostic]
    stamp: Stamp
    sources: list[ChapterSource]
    problems: list[Diagnostic]


def prepare_proof(book_dir: Path, argument: str) -> ProofJob:
    """Step 1 - read book.toml and the chapter files; render the chosen chapter as the book numbers it.

    Raises ``ChapterChoiceError`` for an unknown or ambiguous chapter and ``PublishError`` for a
    chapter that cannot be built.
    """
    # Imported here: the editions do not need the checks and editorial flags a proof runs.
    from publish.check import chapter_ids, check_chapter
    from publish.editorial import flag_chapter
    from publish.proof import choose_chapter, insert_flags, mark_flags, stamp_for

    config, problems = load_config(book_dir)
    if config is None:
        raise PublishError(problems)
    sources, read_problems = read_chapters(book_dir, config)
    problems += read_problems
    if any(p.severity is Severity.ERROR for p in read_problems):
        raise PublishError([p for p in problems if p.severity is Severity.ERROR])
    chosen = choose_chapter(argument, sources)
    # Notes are numbered book-wide: count the notes of the chapters before without rendering them.
    first_note = 1 + sum(count_notes(s.text) for s in sources if s.number < chosen.number)
    numbers = {s.path.name: s.number for s in sources}

    def render(source: ChapterSource) -> tuple[Chapter, list[Diagnostic]]:
        return render_chapter(source, language=config.language, first_note=first_note,
                              chapter_numbers=numbers, book_root=book_dir)

    chapter, render_problems = render(chosen)
    problems += render_problems
    ids: dict[str, set[str]] = {s.path.name: set() for s in sources}
    ids[chosen.path.name] = chapter_ids(chapter)
    problems += check_chapter(chosen, chapter, ids, book_dir)
    errors = [p for p in problems if p.severity is Severity.ERROR]
    if errors:
        raise PublishError(errors)
    # The proof lists TK queries among its flags; the check's warning for each would say it twice.
    problems = [p for p in problems if p.code != "tk"]
    flags = flag_chapter(chapter, chosen.shown)
    flagged_source = replace(chosen, text=insert_flags(chosen.text, flags))
    flagged = mark_flags(render(flagged_source)[0], flags)
    stamp = stamp_for(chosen, dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"))
    book = Book(root=book_dir, config=config, chapters=(chapter,))
    return ProofJob(book=book, chapter=flagged, flags=flags, stamp=stamp, sources=sources, problems=problems)


def proof_html(job: ProofJob, target: Path, *, live_reload: bool = False) -> Path:
    """Step 2 (web page) - the flagged chapter as a single page."""
    from publish.proof_html import write_proof_html

    return write_proof_html(job.book, job.chapter, job.flags, job.stamp, target, live_reload=live_reload)


def proof_pdf(job: ProofJob, target: Path, cache: Cache | None = None, engine: Engine | None = None) -> Path:
    """Step 2 (PDF) - the chapter as the book sets it, with its notes, the stamp and the flags.

    Its folios are the full edition's: the page counts of the chapters before it come from
    ``cache`` (recorded by ``publish pdf``), or are laid out and recorded when missing. Laid out
    in ``engine`` (``pdf_engine.start_print_engine``), or in processes started for it. An error
    (a file the book may not read) stops the proof; layout warnings are ``publish pdf``'s to report.
    """
    from publish.pdf_proof import write_proof_pdf

    write_proof_pdf(job.book, job.chapter, job.sources, job.stamp.text, target, cache=cache, engine=engine)
    return target


def proof_output(chapter_stem: str, suffix: str) -> Path:
    return OUTPUT_DIR / "proof" / f"{chapter_stem}{suffix}"


def watched_paths(book_dir: Path) -> list[Path]:
    """What a proof depends on: the book's Markdown and book.toml, and the bundled styles."""
    from publish.paths import styles_dir

    paths = [book_dir / CONFIG_NAME, *sorted(book_dir.glob("*.md"))]
    return paths + sorted(p for p in styles_dir().rglob("*") if p.is_file())
