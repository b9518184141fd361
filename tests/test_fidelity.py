"""Every word of any manuscript reaches both editions, and ``check`` and the builds agree.

The oracle (``oracle.py``) reads what Python-Markdown says each chapter holds and compares it,
token by token, with the EPUB's XHTML and with what pdftotext reads from the PDF. It runs over
test books of other shapes (``corpus.py``: 1,200 notes and more, labels restarting in every
chapter, notes in headings, tables, lists and quotes, notes citing notes, several ``#`` sections)
in every notes placement, and over the default book.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from corpus import write_scholarly, write_shapes
from oracle import Chapter, epub_words, expected_stream, match, pdf_lines, pdf_text, reference, split_footnotes
from pypdf import PdfReader

from publish.cli import main
from publish.diagnostics import Severity
from publish.pdf.html import choose_scale

ROOT = Path(__file__).resolve().parents[1]
MANUSCRIPT = ROOT / "manuscript"
MODES = ("book", "chapter", "page")


def references(book: Path) -> list[Chapter]:
    return [reference(path.read_text(encoding="utf-8")) for path in sorted(book.glob("*.md"))]


def build(book: Path, *commands: str) -> dict[str, Path]:
    """Build with the CLI into ``book/out`` and return the editions written."""
    out = book / "out"
    written = {}
    for command in commands:
        target = out / f"book.{command}"
        assert main([command, "--book", str(book), "-o", str(target), "--no-cache"]) == 0
        written[command] = target
    return written


def assert_epub_carries(book: Path, epub: Path) -> None:
    expected, printed = references(book), epub_words(epub)
    assert len(printed) == len(expected)
    for number, (want, got) in enumerate(zip(expected, printed, strict=True), start=1):
        assert got.body == want.body, f"chapter {number}'s text"
        assert got.notes == want.notes, f"chapter {number}'s notes"


def assert_pdf_carries(book: Path, pdf: Path, mode: str, trim: tuple[float, float] = (6.0, 9.0)) -> None:
    expected = references(book)
    first = list(PdfReader(pdf).page_labels).index("1") + 1
    pages = pdf_lines(pdf, first)
    if mode == "page":
        body, notes = split_footnotes(pages, choose_scale(trim).size_pt)
        failures = [match(expected_stream(expected, mode, "body"), pdf_text(body)),
                    match(expected_stream(expected, mode, "notes"), pdf_text(notes))]
    else:
        failures = [match(expected_stream(expected, mode), pdf_text([line for page in pages for line in page]))]
    assert failures == [None] * len(failures), "\n".join(f for f in failures if f)


@pytest.fixture(scope="module")
def shapes(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    made: dict[str, Path] = {}

    def book(mode: str) -> Path:
        if mode not in made:
            made[mode] = write_shapes(tmp_path_factory.mktemp(f"shapes-{mode}"), mode)
        return made[mode]

    return book


# ---- The oracle over the corpus --------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_every_word_reaches_the_epub(shapes: Callable[[str], Path], mode: str) -> None:
    book = shapes(mode)
    assert_epub_carries(book, build(book, "epub")["epub"])


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
def test_every_word_reaches_the_pdf(shapes: Callable[[str], Path], mode: str) -> None:
    book = shapes(mode)
    assert_pdf_carries(book, build(book, "pdf")["pdf"], mode)


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
def test_a_book_of_1248_notes_reaches_both_editions(tmp_path: Path, mode: str) -> None:
    book = write_scholarly(tmp_path / "book", mode)
    built = build(book, "epub", "pdf")
    assert sum(len(chapter.notes) for chapter in references(book)) >= 1200
    assert_epub_carries(book, built["epub"])
    assert_pdf_carries(book, built["pdf"], mode)


@pytest.mark.slow
@pytest.mark.skipif(not (MANUSCRIPT / "book.toml").is_file(), reason="no default book in this checkout")
def test_every_word_of_the_default_book_reaches_both_editions(tmp_path: Path) -> None:
    book = tmp_path / "manuscript"
    shutil.copytree(MANUSCRIPT, book)
    built = build(book, "epub", "pdf")
    assert_epub_carries(book, built["epub"])
    assert_pdf_carries(book, built["pdf"], "book")


def test_the_oracle_sees_a_lost_space_and_a_lost_word() -> None:
    """The oracle is a detector: it must fail on the defects it exists for."""
    want = reference("# T\n\nText.[^a]\n\n[^a]: Caesar, *The Gallic Wars*, book 1.\n")
    assert want.notes == [["Caesar,", "The", "Gallic", "Wars,", "book", "1."]]
    stream = expected_stream([want], "book")
    assert match(stream, "Chapter 1\nT\nText. 1\nNotes\n1 . T\n1. p. 1 Caesar, The Gallic Wars, book 1.\n") is None
    assert match(stream, "Chapter 1\nT\nText. 1\nNotes\n1 . T\n1. p. 1 Caesar,The Gallic Wars, book 1.\n")
    assert match(stream, "Chapter 1\nT\nText. 1\nNotes\n1 . T\n1. p. 1 Caesar, Gallic Wars, book 1.\n")
    # Hyphenation at a line's end (U+2010) is the layout's, and is undone.
    assert match(stream, "Chapter 1\nT\nText. 1\nNotes\n1 . T\n1. p. 1 Cae\x01\nsar, The Gallic Wars, book 1.\n") \
        is None


# ---- check and the builds agree --------------------------------------------------------------


def small_book(where: Path, chapter: str, *extra: str) -> Path:
    where.mkdir(parents=True, exist_ok=True)
    (where / "book.toml").write_text('title = "T"\nauthor = "A"\nlanguage = "en"\n'
                                     'identifier = "urn:uuid:00000000-0000-4000-8000-0000000000f1"\n'
                                     'date = "2026-01-01"\n' + "".join(extra), encoding="utf-8")
    (where / "01-a.md").write_text(chapter, encoding="utf-8")
    return where


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, [line for line in (captured.out + captured.err).splitlines() if line]


@pytest.mark.parametrize("chapter", [
    "# T\n\nText.[^missing]\n",
    "# T\n\nText.[^a]\n\n[^a]: One.\n[^a]: Two.\n",
    "# T\n\nText.[^a]\n\n[^a]: See ![a map](images/none.png).\n",
])
def test_every_build_stops_on_what_check_calls_an_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], chapter: str) -> None:
    """Defect 4: the same messages, exit 1, and the previous edition untouched."""
    book = small_book(tmp_path / "book", chapter)
    target = tmp_path / "old.epub"
    target.write_bytes(b"previous edition")
    check_code, check_lines = run(capsys, "check", "--book", str(book))
    assert check_code == 1
    errors = [line for line in check_lines if ": error[" in line]
    assert errors
    code, lines = run(capsys, "epub", "--book", str(book), "-o", str(target), "--no-cache")
    assert code == 1
    assert [line for line in lines if ": error[" in line] == errors
    assert target.read_bytes() == b"previous edition"
    for command in ("pdf", "proof"):
        extra = ["1"] if command == "proof" else ["-o", str(tmp_path / "x.pdf")]
        code, lines = run(capsys, command, "--book", str(book), *extra, "--no-cache")
        assert code == 1, command
        assert [line for line in lines if ": error[" in line] == errors, command
    assert not (tmp_path / "x.pdf").exists()


def test_strict_means_the_same_for_check_and_every_build(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = small_book(tmp_path / "book", "# T\n\nText TK.[^a]\n\n[^a]: Note.\n[^b]: Unused.\n")
    assert run(capsys, "check", "--book", str(book))[0] == 0
    assert run(capsys, "check", "--book", str(book), "--strict")[0] == 1
    target = tmp_path / "t.epub"
    code, lines = run(capsys, "epub", "--book", str(book), "-o", str(target), "--no-cache")
    assert code == 0 and target.is_file()
    # The build lists the warning that is not a query and counts the open queries.
    assert any("warning[note-unused]" in line for line in lines)
    assert lines[-1] == "0 errors, 2 warnings (1 open TK query)"
    target.unlink()
    assert run(capsys, "epub", "--book", str(book), "-o", str(target), "--strict")[0] == 1
    assert not target.exists()


def test_the_unused_note_is_in_both_editions_with_a_warning(shapes: Callable[[str], Path], tmp_path: Path) -> None:
    """Defect 6: nothing is dropped without a word."""
    book = small_book(tmp_path / "book", "# T\n\nText.[^a]\n\n[^a]: Used.\n[^b]: Words nobody cites.\n")
    assert_epub_carries(book, build(book, "epub")["epub"])


# ---- The PDF's Notes and lists at any number of notes ------------------------------------------


def thousand_notes(where: Path, notes: str = "book") -> Path:
    lines = ["# A Thousand Notes", "", "1. Item one.", "", "100. Item a hundred.", "101. Item a hundred and one.",
             "102. Item a hundred and two.", ""]
    lines += [" ".join(f"Sentence {i}.[^n{i}]" for i in range(start, min(start + 10, 1006)))
              for start in range(1, 1006, 10)]
    lines += [""] + [f"[^n{i}]: Note {i} text." for i in range(1, 1006)]
    return small_book(where, "\n".join(lines) + "\n", f'notes = "{notes}"\n')


def words_at(pdf: Path, pattern: str) -> list[tuple[str, float, float, int]]:
    """(word, xMin, xMax, page) of every word that matches ``pattern``, by pdftotext."""
    import re
    import subprocess

    from lxml import etree

    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, check=True).stdout
    root = etree.fromstring(out, etree.XMLParser(recover=True, huge_tree=True))
    found = []
    for number, page in enumerate(root.iter("{http://www.w3.org/1999/xhtml}page")):
        for word in page.iter("{http://www.w3.org/1999/xhtml}word"):
            if re.fullmatch(pattern, word.text or ""):
                found.append((word.text or "", float(word.get("xMin")), float(word.get("xMax")), number))
    return found


@pytest.mark.slow
def test_the_notes_number_column_fits_the_widest_number_and_aligns_the_periods(tmp_path: Path) -> None:
    """Defect 8: "1000." ran into its "p. N", and list numbers of 100 and more into the margin."""
    book = thousand_notes(tmp_path / "book")
    pdf = tmp_path / "book.pdf"
    from publish.build import build_pdf

    _, diagnostics = build_pdf(book, pdf)
    # What the fitting did is a note (the chapter's lines of "Sentence N." end "Sen-" a line);
    # anything it left, or any other finding, is a warning.
    assert [d.format() for d in diagnostics if d.code.startswith("layout-") and d.severity is not Severity.NOTE] == []
    numbers = {word: (x1, x2, page) for word, x1, x2, page in words_at(pdf, r"\d{1,4}\.")}
    pages = [(x1, page) for word, x1, _x2, page in words_at(pdf, r"p\.")]
    for small, large in (("9.", "10."), ("99.", "100."), ("999.", "1000.")):
        if numbers[small][2] % 2 == numbers[large][2] % 2:  # the same side of the spread
            assert abs(numbers[small][1] - numbers[large][1]) < 0.5, (small, large)
    for label in ("1000.", "1005."):
        x2, page = numbers[label][1], numbers[label][2]
        after = min(x1 for x1, on in pages if on == page and x1 > x2 - 1)
        assert after - x2 > 2, f"{label} touches its page reference"


@pytest.mark.slow
def test_the_layout_report_finds_a_note_number_wider_than_its_column(tmp_path: Path) -> None:
    """The detector, on a book that has the defect: the column forced back to three figures' width."""
    from dataclasses import replace

    from publish.manuscript import load_book
    from publish.pdf import jobs
    from publish.pdf.layout import lay_out_parts
    from publish.pdf.pages import locator_digits

    book, _ = load_book(thousand_notes(tmp_path / "book"))
    assert book is not None
    settings = jobs.print_settings(book)
    job = jobs.notes_job(book, locator_digits([c.source for c in book.chapters], book.config.trim), settings)
    narrow = ".note-number { width: 1.9em !important; margin-left: -1.9em !important; padding-right: 0 !important; }"
    [layout] = lay_out_parts([replace(job, page_css=settings.page_css + narrow)])
    wide = sorted({p.message.split(" is ")[0] for p in layout.problems if p.code == "layout-note-number"})
    assert "note number 1000." in wide and "note number 999." not in wide
    assert all(p.line > 0 for p in layout.problems)


@pytest.mark.slow
def test_layout_problems_point_at_their_source_line_and_tables_have_no_widows(tmp_path: Path) -> None:
    """Defect 9: no ":0:0", and a table's header repeated on the next page is not a widow."""
    rows = "\n".join(f"| {i} | row {i} of a long table |" for i in range(1, 90))
    chapter = ("# T\n\nIntro.\n\n| N | Text |\n|---|---|\n" + rows + "\n\n"
               + "\n".join(f"{i}. A list item numbered {i}." for i in range(1, 106)) + "\n\n"
               + "A word too long for any line: " + "x" * 120 + ".\n")
    book = small_book(tmp_path / "book", chapter)
    from publish.build import build_pdf

    _, diagnostics = build_pdf(book, tmp_path / "t.pdf")
    layout = [d for d in diagnostics if d.code.startswith("layout-")]
    assert [d for d in layout if d.code in ("layout-widow", "layout-orphan")] == []
    # The one problem is the word made too long (cut off at the trim), pointed at its line; no list
    # number overflows.
    assert [(d.code, d.line) for d in layout] == [("layout-clipped", chapter.count("\n"))], \
        [d.format() for d in layout]


@pytest.mark.slow
def test_a_note_cited_from_a_note_is_set_in_the_proof(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Defect 3, in the proof: numbered as in the book, after the notes of the chapters before."""
    book = small_book(tmp_path / "book", "# One\n\nFirst.[^a]\n\n[^a]: A note.\n")
    (book / "02-b.md").write_text("# Two\n\nText.[^a] More.[^c]\n\n[^a]: See also.[^b]\n[^b]: The inner note.\n"
                                  "[^c]: Third.\n", encoding="utf-8")
    target = tmp_path / "proof.pdf"
    assert main(["proof", "2", "--book", str(book), "-o", str(target), "--no-cache"]) == 0
    import subprocess

    text = " ".join(subprocess.run(["pdftotext", str(target), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    for number, words in ((2, "See also."), (3, "The inner note."), (4, "Third.")):
        assert re.search(rf"{number}\. (p\. \d+ )?{re.escape(words)}", text), (number, text)
