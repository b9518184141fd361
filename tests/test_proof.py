"""`publish proof`: choosing a chapter, editorial flags on input that has each defect, the web page."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import html

from publish.cli import main
from publish.editorial import flag_chapter
from publish.manuscript import load_book

DATA = Path(__file__).parent / "data"
FLAGS_BOOK = DATA / "proof-flags"
MANUSCRIPT = Path(__file__).parents[1] / "manuscript"


def test_every_detector_fires_where_its_defect_is(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code = main(["proof", "flags", "--book", str(FLAGS_BOOK), "--html", "-o", str(tmp_path / "p.html")])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    shown = "tests/data/proof-flags/02-flags.md"
    for expected in [
        f"{shown}:3:1: note[quotes-unbalanced]: quotation marks do not balance in this paragraph",
        f"{shown}:3:56: note[doubled-word]: doubled word: \"masherov masherov\"",
        f"{shown}:7:45: note[note-empty]: note 3 ([^1]) has no text",
        f"{shown}:7:50: note[doubled-phrase]: doubled phrase: \"were registered in march 2021",
        f"{shown}:7:94: note[sentence-repeated]: sentence repeated from line 5",
        f"{shown}:9:29: note[tk]: TK: text still to come",
        f"{shown}:9:40: note[doubled-word]: doubled word: \"the the\"",
        f"{shown}:15:1: note[note-repeated]: note 5 repeats the text of note 4",
    ]:
        assert any(line.startswith(expected) for line in out), (expected, out)
    # A TK is reported once, as a flag, not also as a check warning.
    assert sum(":9:29:" in line for line in out) == 1


def test_prose_that_only_looks_doubled_is_not_flagged(tmp_path: Path) -> None:
    (tmp_path / "book.toml").write_text('title = "T"\nauthor = "A"\nlanguage = "en"\ndate = "2026-01-01"\n')
    (tmp_path / "01-a.md").write_text(
        "# A\n\nTrade in oil, oil products and gas grew. Minsk, Minsk and Gomel regions agreed. "
        'Not to lose the momentum of exports. Exports are planned to grow. "A quote" that closes.\n\n'
        "The parties signed a protocol on trade and science in April of that year.[^1]\n\n"
        "[^1]: Same source. – 2021.\n"
    )
    book, _ = load_book(tmp_path)
    assert book is not None
    assert flag_chapter(book.chapters[0], "01-a.md") == []


@pytest.mark.skipif(not MANUSCRIPT.is_dir(), reason="the default book is not in this checkout")
def test_default_book_flags_list_the_known_problems() -> None:
    book, _ = load_book(MANUSCRIPT)
    assert book is not None
    found = {(Path(d.path).name[:2], d.line, d.code) for ch in book.chapters for d in flag_chapter(ch, ch.path.name)}
    # shared/source/README.md section 8: the body-text anomalies the author must decide on.
    for known in [
        ("02", 3, "doubled-phrase"),       # were registered in March 2021.[^11] were registered ...
        ("04", 9, "doubled-word"),         # named after P. Masherov. Masherov.
        ("07", 3, "sentence-repeated"),    # "In April 2021, the parties signed a protocol..." twice
        ("10", 3, "sentence-repeated"),    # the Sueddeutsche Zeitung / Lisbon sentence twice
        ("17", 7, "sentence-repeated"),    # "A month later, in June 2020, ... Orban ..." twice
        ("17", 11, "sentence-repeated"),   # the Grodnoinvest turnover twice
        ("23", 11, "doubled-phrase"),      # Qinghai (2015).), Qinghai (2015)
        ("24", 3, "sentence-repeated"),    # "first meeting of the joint commission" twice
        ("24", 17, "note-repeated"),       # notes 149 and 151 are identical
    ]:
        assert known in found, known
    assert sum(code == "tk" for _, _, code in found) == 82


@pytest.mark.parametrize("argument", ["2", "02-flags.md", "flags", "tests/data/proof-flags/02-flags.md"])
def test_chapter_by_number_name_path_or_slug(capsys: pytest.CaptureFixture[str], tmp_path: Path, argument: str) -> None:
    target = tmp_path / "proof.html"
    assert main(["proof", argument, "--book", str(FLAGS_BOOK), "--html", "-o", str(target)]) == 0
    page = html.fromstring(target.read_bytes())
    assert page.findtext(".//h1").startswith("Flags")


@pytest.mark.parametrize(("argument", "message"), [
    ("99", "there is no chapter 99; the book has 2:"),
    ("nothing", "no chapter matches 'nothing'; the chapters are:"),
    ("f", "'f' matches 2 chapters; be more specific:"),
])
def test_unknown_or_ambiguous_chapter_lists_chapters(
    capsys: pytest.CaptureFixture[str], argument: str, message: str,
) -> None:
    assert main(["proof", argument, "--book", str(FLAGS_BOOK), "--html"]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "1  01-before.md" in err and "2  02-flags.md" in err


def test_html_proof_numbers_notes_as_the_book_and_highlights_flags(tmp_path: Path) -> None:
    target = tmp_path / "proof.html"
    assert main(["proof", "2", "--book", str(FLAGS_BOOK), "--html", "-o", str(target)]) == 0
    page = html.fromstring(target.read_bytes())
    # Chapter 1 has two notes, so this chapter's notes are 3, 4 and 5.
    refs = [a.text for a in page.iterfind(".//a[@class='noteref']")]
    assert refs == ["3", "4", "5"]
    for number in (3, 4, 5):
        note = page.get_element_by_id(f"note-{number}")
        back = note.find(".//a[@role='doc-backlink']").get("href")
        assert page.get_element_by_id(back[1:]).get("href") == f"#note-{number}"
    codes = [span.get("data-flag") for span in page.iterfind(".//span[@class='flag']")]
    expected = {"tk", "doubled-word", "doubled-phrase", "sentence-repeated", "quotes-unbalanced", "note-empty"}
    assert expected <= set(codes)
    assert "PROOF" in page.findtext(".//header") and "02-flags.md" in page.findtext(".//header")
    assert page.findtext(".//style").count("data:font/ttf;base64,") == 4
