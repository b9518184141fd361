"""Where outputs go (issue 13, defect 6): beside ``manuscript/`` or inside any other book folder,
wherever the command runs; ``--out-dir`` on every command; a cache per book; a PDF variant
never writes over another; ``publish clean`` removes what the book wrote and nothing else."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from publish.cli import main

DATA = Path(__file__).parent / "data"
SLUG = "tiny-book"
"""The slug of check-clean's title."""


def copy_book(where: Path) -> Path:
    shutil.copytree(DATA / "check-clean", where)
    return where


def files_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_a_book_folder_holds_its_own_outputs_wherever_the_command_runs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    book = copy_book(tmp_path / "books" / "essays")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert main(["epub", "--book", str(book)]) == 0
    assert (book / "build" / f"{SLUG}.epub").is_file()
    assert list(elsewhere.iterdir()) == []


def test_a_manuscript_folder_builds_into_the_projects_build_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    book = copy_book(tmp_path / "project" / "manuscript")
    monkeypatch.chdir(tmp_path)
    assert main(["epub", "--book", str(book)]) == 0
    assert (tmp_path / "project" / "build" / f"{SLUG}.epub").is_file()
    monkeypatch.chdir(book)
    assert main(["epub", "--book", "."]) == 0
    assert not (book / "build").exists()


def test_two_books_with_one_title_never_share_a_file_or_a_cache(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = copy_book(tmp_path / "first"), copy_book(tmp_path / "second")
    (second / "02-two.md").write_text("# Two\n\nAnother text.\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["epub", "--book", str(first)]) == 0
    assert main(["epub", "--book", str(second)]) == 0
    built = [book / "build" / f"{SLUG}.epub" for book in (first, second)]
    assert built[0].read_bytes() != built[1].read_bytes()
    # With one output folder for both, each book still keeps a cache of its own.
    shared = tmp_path / "shared"
    assert main(["epub", "--book", str(first), "--out-dir", str(shared), "-o", str(tmp_path / "1.epub")]) == 0
    assert main(["epub", "--book", str(second), "--out-dir", str(shared), "-o", str(tmp_path / "2.epub")]) == 0
    assert len(list((shared / ".cache").iterdir())) == 2
    assert (tmp_path / "1.epub").read_bytes() == built[0].read_bytes()


def test_every_command_takes_an_output_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    book = copy_book(tmp_path / "book")
    out = tmp_path / "out"
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--book", str(book), "--out-dir", str(out)]) == 0
    assert not out.exists()  # check writes nothing
    assert main(["epub", "--book", str(book), "--out-dir", str(out)]) == 0
    assert main(["proof", "2", "--book", str(book), "--html", "--out-dir", str(out)]) == 0
    assert files_under(out)[-2:] == ["proof/02-two.html", f"{SLUG}.epub"]
    assert any(name.startswith(".cache/") for name in files_under(out))
    assert not (book / "build").exists()
    assert main(["clean", "--book", str(book), "--out-dir", str(out)]) == 0
    assert not out.exists()


def test_clean_removes_what_the_book_wrote_and_nothing_else(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    book = copy_book(tmp_path / "book")
    monkeypatch.chdir(tmp_path)
    assert main(["epub", "--book", str(book)]) == 0
    assert main(["proof", "1", "--book", str(book), "--html"]) == 0
    mine = book / "build" / "notes.txt"
    mine.write_text("the author's own file", encoding="utf-8")
    (tmp_path / "elsewhere.epub").write_bytes(b"written with -o")
    (book / "build" / f".{SLUG}.epub.abc123.part").write_bytes(b"left by a build killed mid-rename")
    capsys.readouterr()
    assert main(["clean", "--book", str(book)]) == 0
    removed = capsys.readouterr().err
    assert f"removed book/build/{SLUG}.epub" in removed and "removed book/build/proof/01-one.html" in removed
    assert files_under(book / "build") == ["notes.txt"]
    assert (tmp_path / "elsewhere.epub").is_file()
    mine.unlink()
    assert main(["clean", "--book", str(book)]) == 0
    assert not (book / "build").exists()
    assert files_under(book) == files_under(DATA / "check-clean")


@pytest.mark.slow  # PDFs laid out
def test_a_printers_file_never_writes_over_the_digital_pdf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    book = copy_book(tmp_path / "book")
    monkeypatch.chdir(tmp_path)
    assert main(["pdf", "--book", str(book), "--no-cache"]) == 0
    digital = book / "build" / f"{SLUG}.pdf"
    before = digital.read_bytes()
    assert main(["pdf", "--book", str(book), "--variant", "print"]) == 0
    assert main(["pdf", "--book", str(book), "--printer", "lulu"]) == 0
    assert digital.read_bytes() == before
    for name in ("print", "lulu"):
        # A printer's file: PDF/X, where the digital edition is not.
        reader = PdfReader(book / "build" / f"{SLUG}-{name}.pdf")
        assert "/OutputIntents" in reader.trailer["/Root"], name
    assert "/OutputIntents" not in PdfReader(digital).trailer["/Root"]
    assert main(["build", "--book", str(book), "--printer", "offset", "--out-dir", "both"]) == 0
    outputs = [name for name in files_under(tmp_path / "both") if not name.startswith(".cache/")]
    assert outputs == [f"{SLUG}-offset.pdf", f"{SLUG}.epub"]
    assert main(["clean", "--book", str(book)]) == 0
    assert not (book / "build").exists()
