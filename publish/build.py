"""The recipe: the one place that calls the stages in order, for each command.

Takes the book folder and output choices; returns where the edition was written and the
diagnostics met. Stages: read book.toml and the chapters → render and number notes → (stop on
errors) → write the edition atomically. Edition writers are imported only when used, so an EPUB
build never pays for importing the PDF engine.
"""

from __future__ import annotations

import datetime as dt
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from publish.cache import Cache
from publish.config import CONFIG_NAME, load_config
from publish.diagnostics import Diagnostic, PublishError, Severity, has_errors, merge
from publish.manuscript import load_book, read_chapters, sort_diagnostics
from publish.model import Book, Chapter
from publish.output import atomic_path
from publish.render import ChapterSource, count_notes, render_chapter

if TYPE_CHECKING:
    from publish.pdf.engine import Engine
    from publish.proof.chapter import Stamp

OUTPUT_DIR = Path("build")


def default_output(name: str) -> Path:
    """``build/`` in the working folder, where README's commands run."""
    return OUTPUT_DIR / name


def open_cache(enabled: bool = True) -> Cache | None:
    """The build cache in ``build/.cache``; None with ``--no-cache``."""
    return Cache(OUTPUT_DIR / ".cache") if enabled else None


def check_book(book_dir: Path, cache: Cache | None = None) -> list[Diagnostic]:
    """``publish check``: every problem in the book, errors and warnings alike, in file order. The
    builds run exactly this (``read_book``), so what passes here builds."""
    return load_book(book_dir, cache)[1]


def read_book(book_dir: Path, cache: Cache | None = None, *, strict: bool = False) -> tuple[Book, list[Diagnostic]]:
    """Step 1 - read, render and check the book; stop on any error ``check`` reports (and, when
    ``strict``, on any warning), with every diagnostic, before anything is written."""
    book, problems = load_book(book_dir, cache)
    if book is None or has_errors(problems, strict=strict):
        raise PublishError(problems)
    return book, problems


def build_epub(
    book_dir: Path, output: Path | None = None, *, cache: Cache | None = None, strict: bool = False,
) -> tuple[Path, list[Diagnostic]]:
    """The EPUB edition, written whole or not at all (nothing on an error, or a warning if ``strict``)."""
    book, problems = read_book(book_dir, cache, strict=strict)
    from publish.epub.edition import make_epub

    target = output or default_output(f"{book.slug}.epub")
    data, found = make_epub(book, cache)
    problems = commit(merge(problems, found), strict, {target: data})
    return target, problems


def build_pdf(
    book_dir: Path, output: Path | None = None, *, variant: str = "digital", cache: Cache | None = None,
    jobs: int | None = None, engine: Engine | None = None, strict: bool = False,
) -> tuple[Path, list[Diagnostic]]:
    """The PDF edition, laid out in ``engine`` (``pdf.edition.engine.start_print_engine``) or, without
    one, in ``jobs`` processes started here; written whole or not at all."""
    from publish.pdf.engine import engine_size, start_print_engine

    # The engine's processes import WeasyPrint and parse the stylesheet while this one imports
    # the PDF stages and reads the book.
    starting = start_print_engine(engine_size(jobs)) if engine is None else nullcontext(engine)
    with starting as running:
        from publish.pdf.edition import make_pdf

        book, problems = read_book(book_dir, cache, strict=strict)
        target = output or default_output(f"{book.slug}.pdf")
        data, found = make_pdf(book, variant=variant, cache=cache, workers=jobs, engine=running)
    return target, commit(merge(problems, found), strict, {target: data})


def build_both(
    book_dir: Path, *, variant: str = "digital", cache: Cache | None = None, engine: Engine | None = None,
    strict: bool = False,
) -> tuple[list[Path], list[Diagnostic]]:
    """Both editions, or neither: each is made in full before either file is replaced."""
    from publish.epub.edition import make_epub
    from publish.pdf.engine import engine_size, start_print_engine

    starting = start_print_engine(engine_size(None)) if engine is None else nullcontext(engine)
    with starting as running:
        from publish.pdf.edition import make_pdf

        book, problems = read_book(book_dir, cache, strict=strict)
        # The engine warms up while the EPUB is made.
        epub_data, epub_found = make_epub(book, cache)
        pdf_data, pdf_found = make_pdf(book, variant=variant, cache=cache, engine=running)
    targets = {default_output(f"{book.slug}.epub"): epub_data, default_output(f"{book.slug}.pdf"): pdf_data}
    return list(targets), commit(merge(problems, epub_found, pdf_found), strict, targets)


def commit(problems: list[Diagnostic], strict: bool, outputs: dict[Path, bytes]) -> list[Diagnostic]:
    """Write every output, each by an atomic rename, unless the problems stop the build; then
    nothing is written and the previous files stay as they were."""
    if has_errors(problems, strict=strict):
        raise PublishError(problems)
    with ExitStack() as stack:
        temporaries = {target: stack.enter_context(atomic_path(target)) for target in outputs}
        for target, data in outputs.items():
            temporaries[target].write_bytes(data)
    return problems


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


def prepare_proof(book_dir: Path, argument: str, *, cache: Cache | None = None) -> ProofJob:
    """Step 1 - read book.toml and the chapter files; render and check the chosen chapter as the
    book numbers it, with exactly the checks ``publish check`` runs on that chapter.

    Raises ``ChapterChoiceError`` for an unknown or ambiguous chapter and ``PublishError`` for a
    chapter that cannot be built. Problems in other chapters are theirs: a proof of chapter 7
    does not wait for chapter 3 to be finished.
    """
    # Imported here: the editions do not need the editorial flags a proof runs.
    from publish.check import chapter_ids, check_images, check_links
    from publish.proof.chapter import choose_chapter, insert_flags, mark_flags, stamp_for
    from publish.proof.flags import flag_chapter

    config, problems = load_config(book_dir)
    if config is None:
        raise PublishError(problems)
    sources, read_problems = read_chapters(book_dir, config)
    problems += read_problems
    if any(p.severity is Severity.ERROR for p in read_problems):
        raise PublishError(problems)
    chosen = choose_chapter(argument, sources)
    # Notes are numbered book-wide: count the notes of the chapters before without rendering them.
    first_note = 1 + sum(cached_count_notes(s.text, config.language, cache) for s in sources
                         if s.number < chosen.number)
    numbers = {s.path.name: s.number for s in sources}

    def render(source: ChapterSource, first: int) -> tuple[Chapter, list[Diagnostic]]:
        return render_chapter(source, language=config.language, first_note=first, chapter_numbers=numbers)

    chapter, render_problems = render(chosen, first_note)
    problems += render_problems
    # A link to another chapter needs that chapter's anchors: render only the chapters linked to.
    ids: dict[str, set[str]] = {s.path.name: set() for s in sources}
    ids[chosen.path.name] = chapter_ids(chapter)
    for source in sources:
        if source is not chosen and source.path.name in chosen.text:
            ids[source.path.name] = chapter_ids(render(source, 1)[0])
    problems += check_images(book_dir, chapter) + check_links(chapter, ids)
    problems = sort_diagnostics(problems)
    if has_errors(problems):
        raise PublishError(problems)
    # The proof lists TK queries among its flags; the check's warning for each would say it twice.
    problems = [p for p in problems if p.code != "tk"]
    flags = flag_chapter(chapter, chosen.shown)
    flagged_source = replace(chosen, text=insert_flags(chosen.text, flags))
    flagged = mark_flags(render(flagged_source, first_note)[0], flags)
    stamp = stamp_for(chosen, dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"))
    book = Book(root=book_dir, config=config, chapters=(chapter,))
    return ProofJob(book=book, chapter=flagged, flags=flags, stamp=stamp, sources=sources, problems=problems)


def cached_count_notes(text: str, language: str, cache: Cache | None) -> int:
    """``render.count_notes``, kept in the build cache: a proof counts the notes of every chapter
    before its own."""
    if cache is None:
        return count_notes(text, language)
    key = cache.key("note-count", text, language)
    stored = cache.get_json("note-count", key)
    if isinstance(stored, int):
        return stored
    count = count_notes(text, language)
    cache.put_json("note-count", key, count)
    return count


def proof_html(job: ProofJob, target: Path, *, live_reload: bool = False) -> Path:
    """Step 2 (web page) - the flagged chapter as a single page."""
    from publish.proof.html import write_proof_html

    return write_proof_html(job.book, job.chapter, job.flags, job.stamp, target, live_reload=live_reload)


def proof_pdf(job: ProofJob, target: Path, cache: Cache | None = None, engine: Engine | None = None) -> Path:
    """Step 2 (PDF) - the chapter as the book sets it, with its notes, the stamp and the flags.

    Its folios are the full edition's: the page counts of the chapters before it come from
    ``cache`` (recorded by ``publish pdf``), or are laid out and recorded when missing. Laid out
    in ``engine`` (``pdf.edition.engine.start_print_engine``), or in processes started for it. An error
    (a file the book may not read) stops the proof; layout warnings are ``publish pdf``'s to report.
    """
    from publish.proof.pdf import write_proof_pdf

    write_proof_pdf(job.book, job.chapter, job.sources, job.stamp.text, target, cache=cache, engine=engine)
    return target


def proof_output(chapter_stem: str, suffix: str) -> Path:
    return OUTPUT_DIR / "proof" / f"{chapter_stem}{suffix}"


def watched_paths(book_dir: Path) -> list[Path]:
    """What a proof depends on: the book's Markdown and book.toml, and the bundled styles."""
    from publish.paths import styles_dir

    paths = [book_dir / CONFIG_NAME, *sorted(book_dir.glob("*.md"))]
    return paths + sorted(p for p in styles_dir().rglob("*") if p.is_file())
