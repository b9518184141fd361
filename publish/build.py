"""The recipe: which stages run for each command, in what order, and the one place that starts
the layout engine.

Takes the book folder and the command's choices; returns what was written and the diagnostics.
Every command first reads the book the one way ``publish check`` does (``read_book``: book.toml,
the chapters, their rendering, the checks) and stops there on any error it reports, before
anything is written. Then:

- ``build_epub``:  the print edition's pages, if the cache holds this book's layout
                   (``pdf.stored``) → the EPUB edition (``epub.edition.make_epub``), following them
                   → the two compared (``parity``) → written
- ``build_pdf``:   engine started → book read → the PDF edition (``pdf.edition.make_pdf``; for a
                   printer, its sheet, PDF/X and preflight) → the chapters' page counts kept for
                   proofs (``pdf.page_counts``) → written
- ``build_both``:  engine started → book read → PDF → page counts → EPUB, with the PDF's pages
                   marked → the two compared word by word (``parity``) → both written, or neither
- ``check_editions``: book read and checked → the PDF's layout (cached, or laid out) and the
                   EPUB's pages, in memory → the two compared
- ``proofing``:    engine started (for a PDF) → for each proof: the chapter read and checked, its
                   flags (``proof.flags``) → the web page (``proof.html``) and/or the PDF (``proof.pdf``)

The engine's first process imports WeasyPrint (half a second) while this one imports the stages
and reads the book: so this module imports the heavy stages only inside its functions, after the
engine has started. An EPUB build never starts the engine or imports WeasyPrint; it reads the
PDF's stored layout only through ``pdf.stored``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from publish.cache import Cache
from publish.destinations import Destinations, destinations_for
from publish.diagnostics import Diagnostic, PublishError, Severity, has_errors, merge
from publish.output import write_outputs

if TYPE_CHECKING:
    from publish.model import Book, Chapter
    from publish.parity import Parity
    from publish.pdf.changes import Drawn
    from publish.pdf.engine import Engine
    from publish.printed import PrintedBook
    from publish.proof.chapter import Provenance
    from publish.render import ChapterSource

def open_cache(book_dir: Path, out_dir: Path | None = None, enabled: bool = True) -> Cache | None:
    """The book's own build cache in its output folder (``destinations``); None with ``--no-cache``."""
    return Cache(destinations_for(book_dir, out_dir).cache) if enabled else None


def check_book(book_dir: Path, cache: Cache | None = None) -> list[Diagnostic]:
    """``publish check``: every problem in the book, errors and warnings alike, in file order. The
    builds run exactly this (``read_book``), so what passes here builds."""
    from publish.manuscript import load_book

    return load_book(book_dir, cache)[1]


def read_book(book_dir: Path, cache: Cache | None = None, *, strict: bool = False) -> tuple[Book, list[Diagnostic]]:
    """Step 1 of every build - read, render and check the book; stop on any error ``check``
    reports (and, when ``strict``, on any warning), with every diagnostic, before anything is
    written."""
    from publish.manuscript import load_book

    book, problems = load_book(book_dir, cache)
    if book is None or has_errors(problems, strict=strict):
        raise PublishError(problems)
    return book, problems


def start_engine(kind: str, jobs: int | None = None, parts: int | None = None) -> AbstractContextManager[Engine | None]:
    """The layout engine, for ``kind`` ``pdf`` (``jobs`` processes, or one per core, never more than
    ``parts``) or ``proof`` (two to four); started before anything heavy is imported."""
    from publish.pdf.engine import engine_size, proof_engine_size, start_print_engine

    size = proof_engine_size() if kind == "proof" else engine_size(jobs, parts)
    return start_print_engine(size)


def build_epub(
    book_dir: Path, output: Path | None = None, *, cache: Cache | None = None, strict: bool = False,
    store: str = "generic", out_dir: Path | None = None,
) -> tuple[Path, list[Diagnostic]]:
    """The EPUB edition for ``store``, written whole or not at all (nothing on an error, or a
    warning if ``strict``). It follows the print edition's pages when the cache holds this book's
    layout."""
    # 1 - the book, read and checked
    book, problems = read_book(book_dir, cache, strict=strict)
    # 2 - the print edition's pages, if an earlier build laid them out (never laid out here)
    printed = stored_print_edition(book, cache)
    # 3 - the EPUB made in memory, and compared with the print edition it follows
    from publish.epub.edition import make_epub

    made = make_epub(book, cache, printed, store)
    parity = compare(book, printed, made.words)
    # 4 - written, unless what was found stops it
    target = output or epub_target(destinations_for(book_dir, out_dir), book, store)
    return target, commit(merge(problems, made.problems, parity.differences if parity else ()), strict,
                          {target: made.data})


def build_pdf(
    book_dir: Path, output: Path | None = None, *, variant: str = "digital", printer: str | None = None,
    bleed: str = "auto", cache: Cache | None = None, jobs: int | None = None, strict: bool = False,
    out_dir: Path | None = None,
) -> tuple[Path, list[Diagnostic]]:
    """The PDF edition, laid out in ``jobs`` processes (default: one per core); written whole or
    not at all. With a ``printer`` (``pdf.printers``), its print file, checked by its preflight."""
    # 1 - the engine, warming up while this process reads the book
    with start_engine("pdf", jobs, parts_of(book_dir)) as engine:
        # 2 - the book, read and checked
        book, problems = read_book(book_dir, cache, strict=strict)
        # 3 - laid out, numbered and joined
        typeset = _typeset(book, variant, printer, bleed, cache, engine)
    # 4 - written, unless what was found stops it
    target = output or destinations_for(book_dir, out_dir).pdf(book.slug, pdf_name(variant, printer))
    return target, commit(merge(problems, typeset.diagnostics), strict, {target: typeset.data})


def build_both(
    book_dir: Path, *, variant: str = "digital", printer: str | None = None, bleed: str = "auto",
    cache: Cache | None = None, strict: bool = False, store: str = "generic", out_dir: Path | None = None,
) -> tuple[list[Path], list[Diagnostic], Parity]:
    """Both editions, or neither: each is made in full before either file is replaced. The EPUB
    follows the PDF's pages, so the PDF is laid out first; then the two are compared word by word."""
    # 1 - the engine, warming up while the book is read
    with start_engine("pdf", None, parts_of(book_dir)) as engine:
        # 2 - the book, read and checked once for both
        book, problems = read_book(book_dir, cache, strict=strict)
        # 3 - the PDF
        typeset = _typeset(book, variant, printer, bleed, cache, engine)
    # 4 - the EPUB, with a marker where each printed page begins
    from publish.epub.edition import make_epub
    from publish.parity import compare_editions

    made = make_epub(book, cache, typeset.printed, store)
    # 5 - the two editions compared
    parity = compare_editions(book, typeset.printed, made.words)
    # 6 - both written, unless what either found stops them
    places = destinations_for(book_dir, out_dir)
    targets = {epub_target(places, book, store): made.data,
               places.pdf(book.slug, pdf_name(variant, printer)): typeset.data}
    found = merge(problems, made.problems, typeset.diagnostics, parity.differences)
    return list(targets), commit(found, strict, targets), parity


def check_editions(book_dir: Path, *, cache: Cache | None = None) -> tuple[list[Diagnostic], Parity | None]:
    """``publish check --editions``: the checks of ``check_book``, then, when they pass, the two
    editions made in memory (the PDF's layout from the cache, or laid out now) and compared word
    by word. Nothing is written but the cache."""
    from publish.manuscript import load_book

    book, problems = load_book(book_dir, cache)
    if book is None or has_errors(problems):
        return problems, None
    with start_engine("pdf", None, parts_of(book_dir)) as engine:
        from publish.pdf.stored import lay_out_print_edition

        printed = lay_out_print_edition(book, cache, engine)
    from publish.epub.edition import epub_words
    from publish.parity import compare_editions

    shown, epub_found = epub_words(book, cache)
    parity = compare_editions(book, printed, shown)
    return merge(problems, epub_found, parity.differences), parity


def epub_target(places: Destinations, book: Book, store: str) -> Path:
    """``<slug>.epub``, or the store's own ending (``<slug>.kepub.epub`` for Kobo): one output
    folder holds every store's EPUB."""
    from publish.epub.stores import STORES

    return places.epub(book.slug, STORES[store].suffix)


def stored_print_edition(book: Book, cache: Cache | None) -> PrintedBook | None:
    """The print edition's pages from this book's layout in the cache, if it is all there."""
    if cache is None:
        return None
    from publish.pdf.stored import cached_printed_book

    return cached_printed_book(book, cache)


def compare(book: Book, printed: PrintedBook | None, shown: dict[str, str]) -> Parity | None:
    if printed is None:
        return None
    from publish.parity import compare_editions

    return compare_editions(book, printed, shown)


def build_print_html(
    book_dir: Path, output: Path, *, variant: str = "digital", cache: Cache | None = None, strict: bool = False,
) -> tuple[Path, list[Diagnostic]]:
    """The whole book as one HTML document for WeasyPrint (the benchmarks' anchor)."""
    book, problems = read_book(book_dir, cache, strict=strict)
    from publish.pdf.edition import single_html

    return output, commit(problems, strict, {output: single_html(book, variant).encode("utf-8")})


def pdf_name(variant: str, printer: str | None) -> str:
    """What names the PDF among the book's outputs: ``digital`` (``<slug>.pdf``), ``print`` for
    ``--variant print`` (which is its printer preset's file), else the printer preset's name."""
    from publish.pdf.printers import VARIANT_PRINT_PRESET

    if printer is None or (variant == "print" and printer == VARIANT_PRINT_PRESET):
        return variant
    return printer


def parts_of(book_dir: Path) -> int:
    """How many parts the book will be laid out in, at most (front matter, chapters, Notes),
    known before it is read: no more processes are started than there is work for (``--jobs 40``
    on a two-chapter book starts four)."""
    return 2 + (_listed_chapters(book_dir) or sum(1 for _ in book_dir.glob("*.md")))


def _listed_chapters(book_dir: Path) -> int:
    try:
        text = (book_dir / "book.toml").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return 0
    return text.count(".md")


@dataclass(frozen=True)
class _Typeset:
    data: bytes
    diagnostics: list[Diagnostic]
    printed: PrintedBook
    drawn: Drawn


def _typeset(book: Book, variant: str, printer: str | None, bleed: str, cache: Cache | None,
             engine: Engine | None) -> _Typeset:
    """The PDF's bytes and report (the printer's preflight with it); each chapter's page count
    kept for later proofs."""
    from publish.pdf.changes import drawn_parts
    from publish.pdf.edition import make_pdf
    from publish.pdf.page_counts import record_page_counts
    from publish.pdf.printers import find_printer

    chosen = find_printer(printer) if printer is not None else None
    typeset = make_pdf(book, variant=variant, printer=chosen, bleed=bleed, cache=cache, engine=engine)
    if cache is not None:
        record_page_counts(book, typeset.settings, typeset.chapter_pages, cache)
    return _Typeset(typeset.data, typeset.diagnostics, typeset.printed,
                    drawn_parts(typeset.parts, typeset.starts))


def commit(problems: list[Diagnostic], strict: bool, outputs: dict[Path, bytes]) -> list[Diagnostic]:
    """Write every output, all or none (``output.write_outputs``), unless the problems stop the
    build; then nothing is written and the previous files stay as they were. A file that cannot be
    written (a read-only folder, a full disk) is one more error, with the problems met before it."""
    if has_errors(problems, strict=strict):
        raise PublishError(problems)
    try:
        write_outputs(outputs)
    except PublishError as failure:
        raise PublishError([*problems, *failure.diagnostics]) from None
    return problems


@dataclass(frozen=True)
class ProofJob:
    """Everything a proof of one chapter needs, made without rendering the rest of the book."""

    book: Book
    """The book with only the proofed chapter in ``chapters`` (numbered as in the full book)."""
    chapter: Chapter
    """The chapter with its editorial flags marked in the text."""
    flags: list[Diagnostic]
    provenance: Provenance
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
    from publish.config import load_config
    from publish.manuscript import read_chapters, sort_diagnostics
    from publish.model import Book
    from publish.proof.chapter import choose_chapter, insert_flags, mark_flags, provenance_of
    from publish.proof.flags import flag_chapter
    from publish.render import render_chapter

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
    titles = {chosen.path.name: chapter.title}
    ids[chosen.path.name] = chapter_ids(chapter)
    for source in sources:
        if source is not chosen and source.path.name in chosen.text:
            linked = render(source, 1)[0]
            ids[source.path.name], titles[source.path.name] = chapter_ids(linked), linked.title
    problems += check_images(book_dir, chapter) + check_links(chapter, ids, titles)
    problems = sort_diagnostics(problems)
    if has_errors(problems):
        raise PublishError(problems)
    # The proof lists TK queries among its flags; the check's warning for each would say it twice.
    problems = [p for p in problems if p.code != "tk"]
    flags = flag_chapter(chapter, chosen.shown)
    flagged_source = replace(chosen, text=insert_flags(chosen.text, flags))
    flagged = mark_flags(render(flagged_source, first_note)[0], flags)
    provenance = provenance_of(chosen, dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"))
    book = Book(root=book_dir, config=config, chapters=(chapter,))
    return ProofJob(book=book, chapter=flagged, flags=flags, provenance=provenance, sources=sources,
                    problems=problems)


def cached_count_notes(text: str, language: str, cache: Cache | None) -> int:
    """``render.count_notes``, kept in the build cache: a proof counts the notes of every chapter
    before its own."""
    from publish.render import count_notes

    if cache is None:
        return count_notes(text, language)
    key = cache.key("note-count", text, language)
    stored = cache.get_json("note-count", key)
    if isinstance(stored, int):
        return stored
    count = count_notes(text, language)
    cache.put_json("note-count", key, count)
    return count


class Proofer:
    """Proofs of chapters of one book, made one after another (``--watch``) with one engine."""

    def __init__(self, book_dir: Path, cache: Cache | None, engine: Engine | None,
                 places: Destinations | None = None) -> None:
        self.book_dir = book_dir
        self.cache = cache
        self.engine = engine
        self.places = places or destinations_for(book_dir)

    def proof(self, argument: str, *, html: Path | None, pdf: Path | None, live_reload: bool = False,
              default_html: bool = False, default_pdf: bool = False) -> tuple[list[Path], list[Diagnostic]]:
        """The chapter ``argument`` names: its web page and/or its PDF, at the paths given or, with
        ``default_*``, at proof/NN-slug.html/.pdf in the book's output folder. Returns what was written and the
        problems and editorial flags."""
        # 1 - the chapter, read and checked as the book numbers it; its flags
        job = prepare_proof(self.book_dir, argument, cache=self.cache)
        written = []
        # 2 - the web page
        if html is not None or default_html:
            from publish.proof.html import write_proof_html

            target = html or self.places.proof(job.chapter.stem, ".html")
            written.append(write_proof_html(job.book, job.chapter, job.flags, job.provenance, target,
                                            live_reload=live_reload))
        # 3 - the PDF: the chapter as the book sets it, its folios the full edition's (the page
        # counts of the chapters before it from the cache, or laid out and recorded now)
        if pdf is not None or default_pdf:
            from publish.proof.pdf import make_proof_pdf

            target = pdf or self.places.proof(job.chapter.stem, ".pdf")
            data = make_proof_pdf(job.book, job.chapter, job.sources, job.provenance.text, cache=self.cache,
                                  engine=self.engine)
            commit([], False, {target: data})
            written.append(target)
        return written, job.problems + job.flags

    def target(self, argument: str, suffix: str) -> Path:
        """Where the proof of the chapter ``argument`` names is written by default (``suffix``
        ``.html`` or ``.pdf``), found even when the chapter cannot be proofed as it stands."""
        from publish.config import fallback_config, load_config
        from publish.manuscript import read_chapters
        from publish.proof.chapter import choose_chapter

        config, _ = load_config(self.book_dir)
        sources, _ = read_chapters(self.book_dir, config or fallback_config())
        return self.places.proof(choose_chapter(argument, sources).path.stem, suffix)


@contextmanager
def proofing(book_dir: Path, *, cache: Cache | None, pdf: bool, out_dir: Path | None = None) -> Iterator[Proofer]:
    """A ``Proofer``, with an engine started for it when proofs are PDFs (a web page needs none)."""
    with start_engine("proof") if pdf else nullcontext(None) as engine:
        yield Proofer(book_dir, cache, engine, destinations_for(book_dir, out_dir))


@dataclass(frozen=True)
class Preview:
    """One build of ``publish serve``."""

    title: str
    language: str
    pdf: Path
    epub: Path
    diagnostics: list[Diagnostic]
    page: int | None
    """Index of the first page of the PDF the build changed; None for the first build, or when no
    page changed."""


class Previewer:
    """``publish serve``: both editions (the PDF in its digital variant) built again after every
    save with one engine, kept warm, and the build cache, so only what changed is laid out."""

    def __init__(self, book_dir: Path, cache: Cache | None, engine: Engine | None, places: Destinations) -> None:
        self.book_dir = book_dir
        self.cache = cache
        self.engine = engine
        self.places = places
        self._drawn: Drawn | None = None  # the last build's parts, to find the page the next one changed

    def build(self) -> Preview:
        """Both editions, written whole (or, on an error, neither: ``PublishError``)."""
        from publish.epub.edition import make_epub
        from publish.parity import compare_editions
        from publish.pdf.changes import first_changed_page

        # As ``build_both``: the PDF first, then the EPUB that follows its pages, then the two compared.
        book, problems = read_book(self.book_dir, self.cache)
        typeset = _typeset(book, "digital", None, "auto", self.cache, self.engine)
        made = make_epub(book, self.cache, typeset.printed)
        parity = compare_editions(book, typeset.printed, made.words)
        pdf, epub = self.places.pdf(book.slug, pdf_name("digital", None)), epub_target(self.places, book, "generic")
        found = commit(merge(problems, made.problems, typeset.diagnostics, parity.differences), False,
                       {epub: made.data, pdf: typeset.data})
        page = first_changed_page(self._drawn, typeset.drawn) if self._drawn is not None else None
        self._drawn = typeset.drawn
        return Preview(book.config.title, book.config.language, pdf, epub, found, page)


@contextmanager
def previewing(book_dir: Path, *, cache: Cache | None, out_dir: Path | None = None) -> Iterator[Previewer]:
    """A ``Previewer`` and its engine, started once for the whole session."""
    with start_engine("pdf", None, parts_of(book_dir)) as engine:
        yield Previewer(book_dir, cache, engine, destinations_for(book_dir, out_dir))


def watched_paths(book_dir: Path) -> list[Path]:
    """What a proof depends on: the book's Markdown and book.toml, and the bundled styles."""
    from publish.config import CONFIG_NAME
    from publish.paths import styles_dir

    paths = [book_dir / CONFIG_NAME, *sorted(book_dir.glob("*.md"))]
    return paths + sorted(p for p in styles_dir().rglob("*") if p.is_file())


def clean(book_dir: Path, out_dir: Path | None = None) -> list[Path]:
    """``publish clean``: remove what the commands write for this book by default (its editions,
    every PDF variant, its chapters' proofs, its cache), then the folders this leaves empty; a
    file the book does not name (another book's, or one written with ``-o``) stays. Returns what
    was removed."""
    import glob
    import shutil

    from publish.config import fallback_config, load_config
    from publish.epub.stores import STORES
    from publish.manuscript import read_chapters
    from publish.model import slugify
    from publish.pdf.edition import VARIANTS
    from publish.pdf.printers import PRINTERS

    places = destinations_for(book_dir, out_dir)
    config, _ = load_config(book_dir)
    files: list[Path] = []
    if config is not None:
        slug = slugify(config.title) or "book"
        files += [*(places.epub(slug, store.suffix) for store in STORES.values()),
                  *(places.pdf(slug, name) for name in (*VARIANTS, *PRINTERS))]
    sources, _ = read_chapters(book_dir, config or fallback_config())
    files += [places.proof(source.path.stem, suffix) for source in sources for suffix in (".pdf", ".html")]
    removed = []
    for path in files:
        # A build killed during its final rename can leave its temporary file beside the target.
        for found in [path, *sorted(path.parent.glob(f".{glob.escape(path.name)}.*.part"))]:
            if found.is_file():
                found.unlink()
                removed.append(found)
    if places.cache.is_dir():
        shutil.rmtree(places.cache)
        removed.append(places.cache)
    for folder in (places.proofs, places.cache.parent, places.folder):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    return removed
