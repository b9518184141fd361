"""Typesetting: hyphenation by language and region, compounds, the fitting of lines and pages,
``openers``, and the layout report of what the fitting could not mend.

The fast tests check the pieces without laying anything out; the slow ones build small books
(one chapter of the default book that shows the defect on the code before the fitting, or a
book written here) and read the real PDF back with pdftotext and pypdf.
"""

from __future__ import annotations

import itertools
import json
import re
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader
from reading import read_page

from publish.build import build_pdf
from publish.config import load_config
from publish.diagnostics import PublishError
from publish.pdf import fit
from publish.pdf.adjustments import Fit, KeepWord, apply_fit, number_blocks
from publish.pdf.cache import layout_from_json, layout_to_json
from publish.pdf.hyphenation import hyphenation_language, keep_last_words, protect_compounds
from publish.pdf.lines import Line
from publish.pdf.pages import body_starts, part_pads
from publish.pdf.parts import LayoutProblem, PartLayout

ROOT = Path(__file__).resolve().parents[1]
MANUSCRIPT = ROOT / "manuscript"
HYPHEN = "\u2010"
needs_manuscript = pytest.mark.skipif(not (MANUSCRIPT / "book.toml").is_file(),
                                      reason="the default book (manuscript/) is not in this checkout")

TOML = 'title = "T"\nauthor = "A"\nlanguage = "{language}"\nidentifier = "urn:uuid:1"\ndate = "2026-01-01"\n'


def _book(folder: Path, chapters: dict[str, str], language: str = "en", extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "book.toml").write_text(TOML.format(language=language) + extra, encoding="utf-8")
    for name, text in chapters.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _pdf_lines(path: Path) -> list[str]:
    reader = PdfReader(path)
    return [line.rstrip() for index in range(len(reader.pages)) for line in read_page(path, index).split("\n")]


# ---- fast -------------------------------------------------------------------------------------


@pytest.mark.fast
def test_bare_english_is_set_with_american_patterns() -> None:
    assert hyphenation_language("en") == "en-US"
    assert hyphenation_language("en-GB") == "en-GB"
    assert hyphenation_language("ru") == "ru"


@pytest.mark.fast
def test_compounds_are_marked_but_urls_are_not() -> None:
    marked = protect_compounds('<p>the Russian-German talks, see <a class="url">a.by/\u200bx-\u2060y</a></p>')
    assert '<span class="compound">Russian-German</span>' in marked
    assert "x-\u2060y" in marked and marked.count("compound") == 1
    assert protect_compounds(marked) == marked


@pytest.mark.fast
def test_a_paragraphs_last_word_is_kept_whole() -> None:
    last = '<span class="last-word">'
    assert keep_last_words("<p>One two pharmacy.</p>") == f"<p>One two {last}pharmacy.</span></p>"
    # A note's mark, or a note set at the foot of the page, is not the paragraph's last word.
    marked = keep_last_words('<p>Of the representatives.<sup class="noteref"><a href="#n">12</a></sup></p>')
    assert f"{last}representatives.</span><sup" in marked
    footnoted = keep_last_words('<p>The country’s<span class="footnote"><span class="fn-p">A note on '
                                "considerations</span></span> own representatives</p>")
    assert footnoted.count(last) == 1 and f"{last}representatives</span></p>" in footnoted
    # Short words are never hyphenated; a URL breaks by its own rules; a compound is whole already.
    for alone in ("<p>A word.</p>", '<p>See <a class="url" href="x">https://example.org/place</a>.</p>',
                  '<p>The <span class="compound">Russian-German</span></p>', "<p>In 2020.</p>"):
        assert keep_last_words(alone) == alone
    assert keep_last_words(keep_last_words("<li>Italics <em>throughout</em></li>")) == \
        f"<li>Italics <em>{last}throughout</span></em></li>"


@pytest.mark.fast
def test_openers_default_and_bad_value(tmp_path: Path) -> None:
    config, problems = load_config(_book(tmp_path / "a", {}))
    assert config is not None and config.openers == "right" and not problems
    config, problems = load_config(_book(tmp_path / "b", {}, extra='openers = "left"\n'))
    assert config is None
    assert [p.code for p in problems] == ["config-value"] and "openers must be one of right, any" in problems[0].message


@pytest.mark.fast
def test_openers_any_pads_only_before_the_notes() -> None:
    assert body_starts([3, 3, 2]) == [1, 5, 9]
    assert body_starts([3, 3, 2], part_pads(3, "any", True)) == [1, 4, 7]
    assert part_pads(3, "any", True) == [False, False, True]


@pytest.mark.fast
def test_a_word_kept_whole_at_one_place_only() -> None:
    html = number_blocks('<html><head></head><body><p>pharmacy and <span class="footnote">pharmacy</span> '
                         "then pharmacy</p></body></html>")
    block = int(re.search(r'<p data-block="(\d+)"', html).group(1))  # type: ignore[union-attr]
    kept = apply_fit(html, Fit(keep=frozenset({KeepWord(block, "pharmacy", 1)})))
    # The second occurrence of the paragraph's own text: the one in its footnote does not count.
    assert kept.endswith('then <span class="keep-whole">pharmacy</span></p></body></html>')


def _line(text: str, *, first: bool = False, last: bool = False) -> Line:
    return Line(page=0, block=3, element_id="", text=text, first=first, last=last, hyphenated=text.endswith(HYPHEN),
                justified=not last, spaces=text.count(" "), space_ratio=1.0, footnote=False)


@pytest.mark.fast
def test_a_hyphen_run_of_one_word_keeps_the_right_occurrence_whole() -> None:
    """Defect: the word split at the line before was counted by its halves ("Sen" "tence"), so the
    fitting kept the occurrence before the one that made the run whole, and the run stayed."""
    lines = [_line(f"{'Sentence' if n == 1 else 'tence'} {n}. Sentence {n + 1}. Sen{HYPHEN}", first=n == 1)
             for n in (1, 3, 5)] + [_line("tence 7. The end.", last=True)]
    found = fit.find_defects(lines, 1, chapter=True)
    assert [line.text for line in found.hyphen_runs] == [lines[2].text]
    mended = fit.mend_lines(Fit(), found)
    # The run's third line ends with the seventh "Sentence" (index 6).
    assert mended.keep == frozenset({KeepWord(3, "Sentence", 6)})
    text = " ".join(f"Sentence {n}." for n in range(1, 8))
    html = number_blocks(f"<html><head></head><body><section><div><p>{text} The end.</p></div></section></body></html>")
    assert '<p data-block="2">' in html
    kept = apply_fit(html.replace('data-block="2"', 'data-block="3"'), mended)
    assert "Sentence 6. <span class=\"keep-whole\">Sentence</span> 7." in kept


@pytest.mark.fast
def test_a_lone_fragment_is_found() -> None:
    """The detector, on lines that have the defect (a paragraph's last word can no longer be
    hyphenated in print, so no book shows it)."""
    lines = [_line("The cluster of medical and pharmaceutical phar" + HYPHEN, first=True), _line("macy.", last=True)]
    assert [line.text for line in fit.find_defects(lines, 1, chapter=False).fragments] == ["macy."]
    assert not fit.find_defects([lines[0], _line("macy and more.", last=True)], 1, chapter=False).fragments


@pytest.mark.fast
def test_an_empty_element_renumbers_nothing() -> None:
    """The proof marks its flags with empty elements: the book's adjustments must find the same
    paragraphs and words in the proof's twin of a chapter."""
    plain = "<html><head></head><body><p>One <em>pharmacy</em> and pharmacy.</p><p>Two.</p></body></html>"
    marked = plain.replace("One", 'One<span class="proof-flag-anchor" id="proof-flag-1"></span>').replace(
        "Two.", 'Two.<br/><sup class="noteref proof-flag-anchor" id="proof-flag-2"></sup>')
    adjusted = Fit(keep=frozenset({KeepWord(0, "pharmacy", 1)}), tightened=((2, 1),))
    assert re.sub(r'<span class="proof-flag-anchor"[^>]*></span>|<br/>|<sup class="noteref proof[^>]*></sup>', "",
                  apply_fit(number_blocks(marked), adjusted)) == apply_fit(number_blocks(plain), adjusted)
    assert 'and <span class="keep-whole">pharmacy</span>.' in apply_fit(number_blocks(marked), adjusted)


@pytest.mark.fast
def test_a_layout_keeps_its_fit_and_its_notes_in_the_cache() -> None:
    """Defect: a cached layout lost whether a finding was a note, so a cached build reported what
    the fitting did as a warning and ``--strict`` failed where the uncached build passed."""
    layout = PartLayout(
        name="ch01", pdf=b"%PDF-1.7\n", page_count=1, page_size=(1.0, 1.0), blank=(False,), anchors={}, links=(),
        ids=(frozenset(),), problems=(LayoutProblem(0, "a.md", 1, "layout-fitted", "fitted: kept whole", note=True),
                                      LayoutProblem(0, "a.md", 2, "layout-hyphen-run", "three", note=False)),
        fit=Fit(keep=frozenset({KeepWord(4, "pharmacy", 0), KeepWord(2, "context", 1)}), tightened=((4, 2),),
                spacing=-3))
    again = layout_from_json(json.loads(json.dumps(layout_to_json(layout))), layout.pdf)
    assert again == layout


# ---- slow: real books, real PDFs --------------------------------------------------------------


PARAGRAPH = ("The representatives of the territory discussed innovative directions of cooperation, and the "
             "representatives agreed that the territory needs innovative directions. ")


@pytest.mark.slow
def test_american_book_has_no_british_breaks(tmp_path: Path) -> None:
    chapter = "# One\n\n" + "\n\n".join(PARAGRAPH * 3 for _ in range(12)) + "\n"
    book = _book(tmp_path / "book", {"01.md": chapter})
    target, _ = build_pdf(book, tmp_path / "out.pdf", jobs=1)
    ends = [line for line in _pdf_lines(target) if line.endswith(HYPHEN)]
    assert ends, "nothing was hyphenated: the test shows nothing"
    found = {stem for stem in ("dir", "represent", "territ", "innovat") for line in ends
             if line.endswith(" " + stem + HYPHEN)}
    assert not found, f"British breaks in an American book: {found}"


@pytest.mark.slow
def test_no_second_hyphen_in_a_compound(tmp_path: Path) -> None:
    text = " ".join(["Belarusian-German and Russian-Kazakhstani cooperation grew,"] * 120)
    book = _book(tmp_path / "book", {"01.md": f"# One\n\n{text}\n"})
    target, _ = build_pdf(book, tmp_path / "out.pdf", jobs=1)
    lines = _pdf_lines(target)
    broken = [f"{a} / {b}" for a, b in itertools.pairwise(lines)
              if a.endswith(HYPHEN) and re.match(r"^\w+-", b)]
    assert not broken


def _one_chapter_book(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / "book"
    folder.mkdir()
    shutil.copy(MANUSCRIPT / "book.toml", folder / "book.toml")
    shutil.copy(MANUSCRIPT / name, folder / name)
    return folder


def _runs(lines: list[str]) -> int:
    longest = run = 0
    for line in lines:
        run = run + 1 if line.endswith(HYPHEN) else 0
        longest = max(longest, run)
    return longest


@pytest.mark.slow
@needs_manuscript
def test_no_hyphen_run_over_two(tmp_path: Path) -> None:
    # Chapter 10 had four hyphenated lines in a row.
    book = _one_chapter_book(tmp_path, "10-lisbon-vladivostok-business-initiative.md")
    target, diagnostics = build_pdf(book, tmp_path / "out.pdf", jobs=1)
    assert _runs(_pdf_lines(target)) <= 2
    assert not [d for d in diagnostics if d.code == "layout-hyphen-run"]


@pytest.mark.slow
@needs_manuscript
def test_no_lone_fragment(tmp_path: Path) -> None:
    # Chapter 6 ended a paragraph with "manufac-" / "turer." alone on its line.
    book = _one_chapter_book(tmp_path, "06-belarus-russia.md")
    target, _ = build_pdf(book, tmp_path / "out.pdf", jobs=1)
    lines = _pdf_lines(target)
    lone = [f"{a} / {b}" for a, b in itertools.pairwise(lines)
            if a.endswith(HYPHEN) and b.strip() and " " not in b.strip()]
    assert not lone


@pytest.mark.slow
@needs_manuscript
def test_chapter_ends_with_three_lines_at_least(tmp_path: Path) -> None:
    # Chapter 1 ended with two lines on its fourth page.
    book = _one_chapter_book(tmp_path, "01-belarus-foreign-investment.md")
    target, diagnostics = build_pdf(book, tmp_path / "out.pdf", jobs=1)
    reader = PdfReader(target)
    labels = list(reader.page_labels)
    last = max(index for index, label in enumerate(labels) if label.isdigit()
               and read_page(target, index).strip() and "Notes" not in read_page(target, index)[:80])
    body = [line for line in read_page(target, last).split("\n") if line.strip() and line.strip() != labels[last]]
    assert len(body) >= 3, body
    assert any(d.code == "layout-fitted" and d.severity.value == "note" for d in diagnostics)


@pytest.mark.slow
@needs_manuscript
def test_what_cannot_be_mended_is_reported_and_strict_fails(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # With no room to fit, chapter 1 keeps its two-line ending: the report says so, with the
    # page and the source line, and --strict refuses the file.
    _unfitted(monkeypatch)
    book = _one_chapter_book(tmp_path, "01-belarus-foreign-investment.md")
    _, diagnostics = build_pdf(book, tmp_path / "out.pdf", jobs=1)
    short = [d for d in diagnostics if d.code == "layout-short-ending"]
    assert short and short[0].line > 0 and short[0].message.startswith("page 4:")
    assert short[0].path.endswith("01-belarus-foreign-investment.md")
    with pytest.raises(PublishError):
        build_pdf(book, tmp_path / "strict.pdf", jobs=1, strict=True)
    assert not (tmp_path / "strict.pdf").exists()


def _unfitted(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first layout of every part, as it comes from WeasyPrint: no fitting."""
    monkeypatch.setattr(fit, "MAX_PART_STEPS", 0)
    monkeypatch.setattr(fit, "LINE_ROUNDS", 0)


@pytest.mark.slow
@needs_manuscript
def test_no_line_is_cut_short_after_an_inline_element(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Defect: under the book's tight word spacing WeasyPrint measured a line Pango had wrapped as
    too wide, threw it away and hyphenated its first word: "tion of high-tech produc-" across a
    whole line, after the span that keeps "high-tech" whole. Seen in the first layout, before any
    fitting could mend it."""
    _unfitted(monkeypatch)
    book = _one_chapter_book(tmp_path, "19-belarus-turkey.md")
    target, _ = build_pdf(book, tmp_path / "out.pdf", jobs=1)
    reader = PdfReader(target)
    labels = list(reader.page_labels)
    lines = [line.strip() for index, label in enumerate(labels) if label.isdigit()
             for line in read_page(target, index).split("\n")]
    assert any("high-tech" in line for line in lines), "the test shows nothing"
    short = [line for line in lines if line.endswith(HYPHEN) and len(line.split()) < 5]
    assert not short


@pytest.mark.slow
@needs_manuscript
def test_no_number_stands_alone_in_the_notes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Defect: in the default book's Notes, "182." and "202." stood alone above their "p. N" and
    text, and "14." and "30." above the titles of their chapters' groups (WeasyPrint broke where a
    tight word spacing made it think the line too full; a heading's letter-spaced small capitals
    with a tightened space)."""
    from publish.manuscript import load_book
    from publish.pdf.jobs import notes_job, print_settings
    from publish.pdf.layout import fit_job
    from publish.pdf.pages import locator_digits

    _unfitted(monkeypatch)
    book, _ = load_book(MANUSCRIPT)
    assert book is not None
    job = notes_job(book, locator_digits([c.source for c in book.chapters], book.config.trim),
                    print_settings(book))
    lines = [line.text for line in fit_job(job, mend=False).findings.lines]
    assert sum(bool(re.match(r"\d+\.p\. 000 ", line)) for line in lines) > 200
    assert [line for line in lines if re.fullmatch(r"\d+\.", line.strip())] == []


@pytest.mark.slow
def test_openers_any_opens_chapters_on_the_next_page(tmp_path: Path) -> None:
    one = "# One\n\n" + "\n\n".join([PARAGRAPH * 2] * 4) + "\n"
    chapters = {"01.md": one, "02.md": one.replace("One", "Two"), "03.md": one.replace("One", "Three")}
    right = build_pdf(_book(tmp_path / "right", chapters), tmp_path / "right.pdf", jobs=1)[0]
    any_ = build_pdf(_book(tmp_path / "any", chapters, extra='openers = "any"\n'), tmp_path / "any.pdf", jobs=1)[0]

    def openings(path: Path) -> list[str]:
        reader = PdfReader(path)
        labels = list(reader.page_labels)
        return [labels[reader.get_destination_page_number(entry)] for entry in reader.outline
                if not isinstance(entry, list) and entry.title[:1].isdigit()]

    assert openings(right) == ["1", "3", "5"]
    assert openings(any_) == ["1", "2", "3"]
    assert len(PdfReader(any_).pages) < len(PdfReader(right).pages)
    # Chapter 2 opens on a left-hand page: its text block sits by the right edge (the inside).
    words = PdfReader(any_)
    page = list(words.page_labels).index("2")
    xs: list[float] = []
    words.pages[page].extract_text(visitor_text=lambda text, cm, tm, *_: xs.append(tm[4]) if text.strip() else None)
    page_3 = list(words.page_labels).index("3")
    xs3: list[float] = []
    words.pages[page_3].extract_text(visitor_text=lambda text, cm, tm, *_: xs3.append(tm[4]) if text.strip() else None)
    assert min(xs) < min(xs3), "a verso's text block should lie nearer the left edge than a recto's"
