"""The recipe: the one place that calls the stages in order, for each command.

Takes the book folder and output choices; returns where the edition was written and the
diagnostics met. Stages: read book.toml and the chapters → render and number notes → (stop on
errors) → write the edition atomically. Edition writers are imported only when used, so an EPUB
build never pays for importing the PDF engine.
"""

from __future__ import annotations

from pathlib import Path

from publish.diagnostics import Diagnostic, PublishError, Severity
from publish.manuscript import load_book
from publish.model import Book


def default_output(book_dir: Path, name: str) -> Path:
    """``build/`` beside the book folder, so the result is the same from whatever folder it runs."""
    return book_dir.resolve().parent / "build" / name


def read_book(book_dir: Path) -> tuple[Book, list[Diagnostic]]:
    """Step 1 - read and render the book; stop with every error if it cannot be built."""
    book, problems = load_book(book_dir)
    errors = [p for p in problems if p.severity is Severity.ERROR]
    if book is None or errors:
        raise PublishError(errors or problems)
    return book, problems


def build_epub(book_dir: Path, output: Path | None = None) -> tuple[Path, list[Diagnostic]]:
    book, problems = read_book(book_dir)
    from publish.epub import write_epub

    target = output or default_output(book_dir, f"{book.slug}.epub")
    problems += write_epub(book, target)
    return target, problems


def build_pdf(book_dir: Path, output: Path | None = None, *, variant: str = "digital") -> tuple[Path, list[Diagnostic]]:
    book, problems = read_book(book_dir)
    from publish.pdf import write_pdf

    target = output or default_output(book_dir, f"{book.slug}.pdf")
    problems += write_pdf(book, target, variant=variant)
    return target, problems
