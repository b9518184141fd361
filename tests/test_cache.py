"""Parallel layout and the build cache: the same book whichever way it is laid out, never a stale one."""

from __future__ import annotations

import io
import os
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from publish.cache import Cache
from publish.cli import main
from publish.paths import styles_dir
from publish.pdf.cache import digest_folder

pytestmark = pytest.mark.slow  # whole books laid out by WeasyPrint

DATA = Path(__file__).parent / "data"


@pytest.fixture
def book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of a two-chapter book with notes and links, built from inside ``tmp_path``."""
    target = tmp_path / "book"
    shutil.copytree(DATA / "pdf-links", target)
    shutil.copytree(DATA / "pdf-figures" / "images", target / "images")
    with (target / "02-two.md").open("a", encoding="utf-8") as chapter:
        chapter.write("\n![A wide chart](images/wide.png)\n")
    monkeypatch.chdir(tmp_path)
    return target


def build(book: Path, name: str, *extra: str) -> bytes:
    assert main(["pdf", "--book", str(book), "-o", name, *extra]) == 0
    return Path(name).read_bytes()


def epub(book: Path, name: str, *extra: str) -> bytes:
    assert main(["epub", "--book", str(book), "-o", name, *extra]) == 0
    return Path(name).read_bytes()


def content(pdf: bytes) -> tuple[list[str], list[list[tuple[str, object]]]]:
    """Per page: the text, and the links (kind and target) with their rectangles."""
    reader = PdfReader(io.BytesIO(pdf))
    texts = [page.extract_text() for page in reader.pages]
    numbers = {page.indirect_reference.idnum: index for index, page in enumerate(reader.pages)}
    links = []
    for page in reader.pages:
        found: list[tuple[str, object]] = []
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            action = annotation.get("/A", {})
            dest = annotation.get("/Dest") or action.get("/D")
            target = str(action["/URI"]) if "/URI" in action else \
                f"page {numbers[dest[0].idnum]} at {[round(float(v), 2) for v in dest[2:4]]}"
            found.append((target, [round(float(v), 2) for v in annotation["/Rect"]]))
        links.append(found)
    return texts, links


def test_parallel_layout_equals_one_process(book: Path) -> None:
    one = build(book, "one.pdf", "--no-cache", "--jobs", "1")
    two = build(book, "two.pdf", "--no-cache", "--jobs", "2")
    assert content(one) == content(two)
    assert any(page for page in content(two)[1])  # the comparison covers real links
    assert one == two


def test_cache_serves_identical_output_and_no_cache_bypasses_it(book: Path) -> None:
    fresh = build(book, "fresh.pdf", "--no-cache")
    assert not (book / "build" / ".cache").exists()
    first = build(book, "first.pdf")
    [cache] = (book / "build" / ".cache").iterdir()  # the book's own cache, in its output folder
    assert (cache / "layout").is_dir()
    again = build(book, "again.pdf")
    assert fresh == first == again
    # The EPUB follows the layout the cache holds (its page list): the same bytes every time.
    # Without the cache it has no layout to follow, and no page list.
    served = epub(book, "b.epub")
    assert served == epub(book, "c.epub") and b"page-list" in zip_member(served, "EPUB/nav.xhtml")
    assert b"page-list" not in zip_member(epub(book, "a.epub", "--no-cache"), "EPUB/nav.xhtml")


def test_an_epub_made_before_any_layout_is_the_same_with_or_without_the_cache(book: Path) -> None:
    assert epub(book, "a.epub", "--no-cache") == epub(book, "b.epub") == epub(book, "c.epub")


def zip_member(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name)


@pytest.fixture
def restore_styles() -> Iterator[Path]:
    styles = styles_dir()
    saved = {p: p.read_bytes() for p in [styles / "print.css", styles / "templates/print/chapter.html"]}
    try:
        yield styles
    finally:
        for path, data in saved.items():
            path.write_bytes(data)


def edit_chapter(book: Path) -> None:
    chapter = book / "01-one.md"
    chapter.write_text(chapter.read_text(encoding="utf-8").replace("# ", "# Edited ", 1), encoding="utf-8")


def edit_config(book: Path) -> None:
    config = book / "book.toml"
    config.write_text(config.read_text(encoding="utf-8").replace('title = "Links"', 'title = "Other Links"'),
                      encoding="utf-8")


def edit_image(book: Path) -> None:
    shutil.copyfile(DATA / "pdf-figures" / "images" / "small.png", book / "images" / "wide.png")


@pytest.mark.parametrize("edit", [edit_chapter, edit_config, edit_image], ids=["chapter", "book.toml", "image"])
def test_an_edited_input_is_never_served_from_the_cache(book: Path, edit: object) -> None:
    before = build(book, "before.pdf")
    epub_before = epub(book, "before.epub")
    edit(book)  # type: ignore[operator]
    if edit is not edit_image:
        # The cache holds the layout of the book before the edit: the EPUB must not follow it.
        assert epub(book, "after.epub") == epub(book, "check.epub", "--no-cache") != epub_before
    after = build(book, "after.pdf")
    assert after != before
    assert after == build(book, "check.pdf", "--no-cache")


@pytest.mark.parametrize("where", ["print.css", "templates/print/chapter.html"])
def test_an_edited_style_or_template_is_never_served_from_the_cache(
    book: Path, restore_styles: Path, where: str,
) -> None:
    before = build(book, "before.pdf")
    path = restore_styles / where
    text = path.read_text(encoding="utf-8")
    if where.endswith(".css"):
        text += "\np { letter-spacing: 0.02em; }\n"
    else:
        text = text.replace("{{ body_html }}", "{{ body_html }}\n<p>A line every chapter now ends with.</p>")
    path.write_text(text, encoding="utf-8")
    after = build(book, "after.pdf")
    assert after != before
    assert after == build(book, "check.pdf", "--no-cache")


def test_fonts_and_code_are_part_of_every_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    styles = tmp_path / "styles"
    shutil.copytree(styles_dir() / "fonts", styles / "fonts")
    before = digest_folder(styles)
    font = styles / "fonts" / "EBGaramond-Regular.ttf"
    font.write_bytes(font.read_bytes() + b"\0")
    assert digest_folder(styles) != before
    cache = Cache(tmp_path / "cache")
    key = cache.key("layout", "same input")
    monkeypatch.setattr("publish.cache.code_fingerprint", lambda: "another version of publish")
    assert cache.key("layout", "same input") != key


def test_a_corrupt_or_foreign_cache_is_rebuilt_not_trusted(book: Path) -> None:
    good = build(book, "good.pdf")
    epub(book, "cached.epub")  # its cover goes into the cache too
    entries = [p for p in (book / "build" / ".cache").rglob("*") if p.is_file()]
    assert entries
    for number, entry in enumerate(entries):
        data = entry.read_bytes()
        if number % 3 == 0:
            entry.write_bytes(data[: len(data) // 2])        # truncated
        elif number % 3 == 1:
            entry.write_bytes(b"0" * 64 + data[64:])           # written for another key
        else:
            entry.write_bytes(data.split(b"\n", 1)[0] + b"\nnot json, not a pdf")
    # A damaged layout is no layout to follow; then the PDF lays it out again.
    assert epub(book, "rebuilt.epub") == epub(book, "reference.epub", "--no-cache")
    assert build(book, "rebuilt.pdf") == good


def test_progress_stays_quiet_when_output_is_not_a_terminal(book: Path, capsys: pytest.CaptureFixture[str]) -> None:
    build(book, "quiet.pdf")
    captured = capsys.readouterr()
    assert captured.err == "wrote quiet.pdf\n"
    assert captured.out == ""


def test_epub_and_a_cached_pdf_never_import_the_pdf_engine(book: Path) -> None:
    """Importing WeasyPrint costs about a second: only laying out a page may pay it."""
    import subprocess
    import sys

    build(book, "warm.pdf")
    script = ("import sys; from publish.cli import main; "
              "codes = [main(['epub', '--book', sys.argv[1], '-o', 'x.epub']), "
              "main(['pdf', '--book', sys.argv[1], '-o', 'x.pdf'])]; "
              "print(codes, 'weasyprint' in sys.modules)")
    # The same package as this test run, whatever another installation on the machine says.
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    result = subprocess.run([sys.executable, "-c", script, str(book)], capture_output=True, text=True, check=True,
                            env=env)
    assert result.stdout.splitlines()[-1] == "[0, 0] False"
