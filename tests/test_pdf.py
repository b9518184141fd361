"""`publish pdf`: the typeset edition, read back with pypdf.

The default book is built once per module (and once more, from another folder, to check that a
rebuild is byte-identical); tiny books under tests/data/pdf-* each show one behaviour. Nothing
here times anything: benchmarks/ does that.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject
from reading import read_page

from publish.build import build_pdf
from publish.diagnostics import Diagnostic, PublishError, Severity, display_path
from publish.manuscript import load_book
from publish.model import Book
from publish.pdf import jobs
from publish.pdf.edition import write_pdf
from publish.pdf.html import ZWSP, choose_scale, print_markup, short_title
from publish.pdf.layout import lay_out_parts
from publish.pdf.pages import PartPages, body_starts, notes_heads, part_stamps, to_roman

pytestmark = pytest.mark.slow  # whole books laid out by WeasyPrint

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
MANUSCRIPT = ROOT / "manuscript"
needs_manuscript = pytest.mark.skipif(not (MANUSCRIPT / "book.toml").is_file(),
                                      reason="the default book (manuscript/) is not in this checkout")


@dataclass(frozen=True)
class Built:
    path: Path
    reader: PdfReader
    diagnostics: list[Diagnostic]
    book: Book

    @property
    def labels(self) -> list[str]:
        return list(self.reader.page_labels)

    def text(self, index: int) -> str:
        return self.reader.pages[index].extract_text()

    def page_of(self, label: str) -> int:
        return self.labels.index(label)


def build(book_dir: Path, out: Path, variant: str = "digital") -> Built:
    target, diagnostics = build_pdf(book_dir, out, variant=variant)
    book, _ = load_book(book_dir)
    assert book is not None
    return Built(target, PdfReader(target), diagnostics, book)


@pytest.fixture(scope="module")
def default_book(tmp_path_factory: pytest.TempPathFactory) -> Built:
    if not (MANUSCRIPT / "book.toml").is_file():
        pytest.skip("the default book (manuscript/) is not in this checkout")
    return build(MANUSCRIPT, tmp_path_factory.mktemp("pdf") / "book.pdf")


def text_runs(built: Built, index: int) -> list[tuple[str, float, float, float]]:
    """(text, font size in px, x, y) of every text run on a page, y from the top, in points."""
    runs = []

    def visit(text: str, cm: list[float], tm: list[float], _font: object, size: float) -> None:
        if text.strip():
            x = tm[4] * cm[0] + cm[4]
            y = tm[5] * cm[3] + cm[5]
            runs.append((text, size, x, float(built.reader.pages[index].mediabox.height) - y))

    built.reader.pages[index].extract_text(visitor_text=visit)
    return runs


def note_references(built: Built, index: int) -> list[int]:
    """The note numbers referred to on a page, in order."""
    runs = text_runs(built, index)
    sizes = [size for _, size, _, _ in runs]
    body = max(sizes, key=sizes.count, default=0)
    found = []
    for text, size, _, _ in runs:
        # A reference is the only run of figures set at about two thirds of the body size;
        # references in a row are separated by commas.
        numbers = text.strip().strip(",").split(",")
        if size < body * 0.8 and all(n.isdigit() for n in numbers):
            found += [int(n) for n in numbers]
    return found


# ---- The default book ----------------------------------------------------------------------


@needs_manuscript
def test_contents_shows_the_page_each_chapter_opens_on(default_book: Built) -> None:
    contents = [i for i, label in enumerate(default_book.labels)
                if not label.isdigit() and "Contents" in default_book.text(i)]
    text = " ".join(" ".join(read_page(default_book.path, i)
                             for i in range(contents[0], default_book.page_of("1"))).split())
    leader_then_page = re.compile(r"(?: ?\.)+ (\d+)")
    position = 0
    for chapter in default_book.book.chapters:
        position = text.index(f"{chapter.number}. ", position)
        match = leader_then_page.search(text, position)
        assert match, chapter.title
        opener = default_book.text(default_book.page_of(match.group(1)))
        assert f"Chapter {chapter.number}" in opener, (chapter.number, match.group(1))
        assert " ".join(chapter.title.split()[:3]) in " ".join(opener.split()), chapter.title
        position = match.end()
    notes_page = leader_then_page.search(text, text.index("Notes", position)).group(1)  # type: ignore[union-attr]
    assert default_book.text(default_book.page_of(notes_page)).lstrip().startswith("Notes")


@needs_manuscript
def test_outline_names_every_chapter(default_book: Built) -> None:
    titles = [item.title for item in default_book.reader.outline if not isinstance(item, list)]
    chapters = default_book.book.chapters
    assert len(chapters) == 35
    assert titles == ["Title Page", "Copyright", "Contents",
                      *(f"{c.number}. {c.title}" for c in chapters), "Notes"]
    for item in default_book.reader.outline:
        if not isinstance(item, list) and item.title.startswith("7. "):
            page = default_book.reader.get_destination_page_number(item)
            assert "Chapter 7" in default_book.text(page)


@needs_manuscript
def test_page_labels_are_roman_then_arabic_and_match_the_folios(default_book: Built) -> None:
    labels = default_book.labels
    first = labels.index("1")
    assert labels[:first] == [to_roman(n) for n in range(1, first + 1)]
    assert labels[first:] == [str(n) for n in range(1, len(labels) - first + 1)]
    assert first % 2 == 0 and len(labels) % 2 == 0  # every part opens on a right-hand page
    for index, label in enumerate(labels):
        text = default_book.text(index).split()
        if index >= first and text:
            assert text[-1] == label, f"page {label} prints {text[-1]}"
        elif not text:
            assert index % 2 == 1, f"blank page {label} is a right-hand page"


@needs_manuscript
def test_chapters_open_on_right_hand_pages(default_book: Built) -> None:
    first = default_book.page_of("1")
    openers = [i for i in range(first, len(default_book.labels)) if "Chapter " in default_book.text(i)[:40]]
    assert len(openers) == 35
    assert all((i - first) % 2 == 0 for i in openers)
    for opener in openers:
        # No running head on an opener: its first line is the chapter number.
        assert default_book.text(opener).lstrip().startswith("Chapter ")


@needs_manuscript
def test_each_note_gives_the_page_of_its_reference(default_book: Built) -> None:
    labels = default_book.labels
    notes_start = next(i for i in range(default_book.page_of("1"), len(labels))
                       if default_book.text(i).lstrip().startswith("Notes\n"))
    found = {number: labels[index] for index in range(default_book.page_of("1"), notes_start)
             for number in note_references(default_book, index)}
    notes_text = " ".join(read_page(default_book.path, i) for i in range(notes_start, len(labels)))
    printed = {int(n): p for n, p in re.findall(r"(?:^|\s)(\d+)\.\s+p\. (\d+)", notes_text)}
    assert sorted(found) == list(range(1, 232))
    assert printed == found


@needs_manuscript
def test_each_page_of_a_reference_is_drawn_in_the_room_left_for_it(default_book: Built) -> None:
    """"p. N" is drawn over an empty box laid out between the note's number and its text: on the
    number's baseline, after the number, before the text."""
    checked = 0
    for index in range(default_book.page_of("1"), len(default_book.labels)):
        runs = text_runs(default_book, index)
        for text, _size, x, y in runs:
            if not re.fullmatch(r"pp?\. \d+(, \d+)*", text.strip()):
                continue
            line = sorted((run for run in runs if abs(run[3] - y) < 0.5 and run[0].strip() != text.strip()),
                          key=lambda run: run[2])
            number = [run for run in line if re.fullmatch(r"\d+\.", run[0].strip()) and run[2] < x]
            after = [run for run in line if run[2] > x]
            assert number, (default_book.labels[index], text)
            assert after and after[0][2] - x > 4 * len(text.strip()), (default_book.labels[index], text, line)
            checked += 1
    assert checked >= 200


@needs_manuscript
def test_notes_running_heads_name_the_pages_they_cover(default_book: Built) -> None:
    """Each Notes page's head spans exactly the pages its notes refer to: every "p. N" printed on
    the page lies in the span, and each end of the span is a "p. N" of this page or of a note
    running on from the page before."""
    checked = 0
    previous: list[int] = []
    for index in range(len(default_book.labels)):
        text = read_page(default_book.path, index)
        printed = [int(page) for page in re.findall(r"(?:^|\s)\d+\.\s+p\. (\d+)", text)]
        head = re.search(r"Notes to pages? (\d+)(?:–(\d+))?", text)
        if head:
            low, high = int(head.group(1)), int(head.group(2) or head.group(1))
            assert printed and all(low <= page <= high for page in printed), (index, head.group(), printed)
            assert {low, high} <= set(printed) | set(previous[-1:]), (index, head.group(), printed, previous)
            checked += 1
        previous = printed
    assert checked > 10


@needs_manuscript
def test_no_text_outside_the_text_block_and_its_margins(default_book: Built) -> None:
    scale = choose_scale(default_book.book.config.trim)
    width = default_book.book.config.trim[0] * 72
    for index in range(len(default_book.labels)):
        left = (scale.inside_in if index % 2 == 0 else scale.outside_in) * 72
        right = width - (scale.outside_in if index % 2 == 0 else scale.inside_in) * 72
        for text, _size, x, y in text_runs(default_book, index):
            assert left - 1 <= x < right, (default_book.labels[index], text)
            assert 0 < y < default_book.book.config.trim[1] * 72, (default_book.labels[index], text)


@needs_manuscript
def test_all_fonts_are_embedded_and_subset(default_book: Built) -> None:
    names = set()
    for page in default_book.reader.pages:
        for font in page["/Resources"].get("/Font", DictionaryObject()).values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor or "/FontFile3" in descriptor, font["/BaseFont"]
            assert re.match(r"/[A-Z]{6}\+", font["/BaseFont"]), font["/BaseFont"]
            names.add(font["/BaseFont"])
    assert any("Garamond" in name for name in names)
    assert len(names) == len({name.split("+")[1] for name in names}), "one subset per face"


@needs_manuscript
def test_layout_report_finds_nothing_to_fix(default_book: Built) -> None:
    """No warning or error: what the report holds is what the fitting did, a note per chapter it
    fitted, at the chapter's first line, in a typesetter's words."""
    typesetting = [d for d in default_book.diagnostics if d.code.startswith(("layout-", "pdf-"))]
    assert [d.format() for d in typesetting if d.severity is not Severity.NOTE] == []
    assert {d.code for d in typesetting} == {"layout-fitted"}
    fitted = [d for d in typesetting if d.code == "layout-fitted"]
    chapters = {display_path(chapter.path): chapter for chapter in default_book.book.chapters}
    assert len(fitted) == len({d.path for d in fitted}), "one note for each chapter fitted"
    for note in fitted:
        page, done = re.fullmatch(r"page (\d+): fitted: (.+)", note.message).groups()  # type: ignore[union-attr]
        chapter = chapters.get(note.path)
        if chapter is None:  # the Notes
            assert "Notes" in default_book.text(default_book.page_of(page))
        else:
            title = next(n for n, line in enumerate(chapter.source.split("\n"), 1) if line.startswith("# "))
            assert note.line == title
            assert "Chapter " + str(chapter.number) in default_book.text(default_book.page_of(page))
        for step in done.split("; "):
            assert re.fullmatch(r"word spaces (tightened|loosened) by 0\.0[1-3] em|kept whole: “\w+”(, “\w+”)*"
                                r"|\d+ paragraphs? set tighter to mend loose lines", step), step


@needs_manuscript
def test_metadata_and_language(default_book: Built) -> None:
    meta = default_book.reader.metadata
    config = default_book.book.config
    assert meta is not None
    assert meta.title == config.title and meta.author == config.author and meta.subject == config.description
    assert meta["/CreationDate"] == "D:" + config.date.replace("-", "") + "000000Z"
    assert default_book.reader.trailer["/Root"]["/Lang"] == config.language


@needs_manuscript
def test_rebuild_is_byte_identical_from_another_folder(
        default_book: Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    again = tmp_path / "again.pdf"
    build_pdf(MANUSCRIPT, again)
    assert again.read_bytes() == default_book.path.read_bytes()


# ---- Tiny books ----------------------------------------------------------------------------


def test_footnotes_sit_on_the_page_of_their_reference(tmp_path: Path) -> None:
    built = build(DATA / "pdf-footnotes", tmp_path / "f.pdf")
    assert not [d for d in built.diagnostics if d.code.startswith(("layout-", "pdf-"))]
    assert not any("Notes" in built.text(i)[:10] for i in range(len(built.labels)))  # no Notes section
    for number, words in ((1, "The first note"), (2, "The second note"), (3, "A note on a later page")):
        pages = [i for i in range(built.page_of("1"), len(built.labels)) if number in note_references(built, i)]
        assert pages, f"reference {number} not found"
        assert words in built.text(pages[0]), (number, built.labels[pages[0]])
    assert built.page_of("1") != pages[0], "the third note falls on a later page"


def test_images_and_figures_are_placed_within_the_text_block(tmp_path: Path) -> None:
    built = build(DATA / "pdf-figures", tmp_path / "f.pdf")
    assert not [d for d in built.diagnostics if d.code.startswith(("layout-", "pdf-"))]
    page = built.reader.pages[built.page_of("1")]
    images = [x.get_object() for x in page["/Resources"]["/XObject"].values()
              if x.get_object()["/Subtype"] == "/Image"]
    assert sorted(int(image["/Width"]) for image in images) == [60, 1600]
    assert "Figure 1. A chart wider than the text block, scaled to fit." in built.text(built.page_of("1"))


def test_links_cross_chapters_and_notes_link_both_ways(tmp_path: Path) -> None:
    built = build(DATA / "pdf-links", tmp_path / "l.pdf")
    reader = built.reader

    def targets(index: int) -> list[int | str]:
        found: list[int | str] = []
        for annotation in reader.pages[index].get("/Annots", ArrayObject()):
            annotation = annotation.get_object()
            if "/Dest" in annotation:
                found.append(reader.get_page_number(annotation["/Dest"][0].get_object()))
            else:
                found.append(str(annotation["/A"]["/URI"]))
        return found

    one, two = built.page_of("1"), built.page_of("3")
    notes = next(i for i in range(len(built.labels)) if built.text(i).lstrip().startswith("Notes"))
    assert "Chapter 2" in built.text(two)
    first = targets(one)
    assert first.count(two) == 2  # the chapter and its section
    assert notes in first  # the note reference
    assert any(isinstance(t, str) and t.endswith("query=yes&page=2") for t in first)
    assert one in targets(notes)  # the note links back to its reference
    assert one in targets(two)
    url_text = built.text(one)
    assert "‐" not in url_text.split("https://")[1].split("page=2")[0], "a URL got a hyphen"


def test_files_outside_the_book_are_refused_and_named(tmp_path: Path) -> None:
    with pytest.raises(PublishError) as caught:
        build_pdf(DATA / "pdf-fetch", tmp_path / "x.pdf")
    messages = [d for d in caught.value.diagnostics if d.code == "image-outside"]
    assert [(Path(d.path).name, d.line) for d in messages] == [("01-one.md", 5)]
    assert "/etc/passwd" in messages[0].message
    assert not (tmp_path / "x.pdf").exists()


def test_attachments_and_network_resources_are_refused(tmp_path: Path) -> None:
    book, _ = load_book(DATA / "pdf-links")
    assert book is not None
    # The sanitizer drops rel= from Markdown; the fetcher must refuse even if it did not.
    extra = '<p><a rel="attachment" href="file:///etc/passwd">x</a> <img src="https://example.org/x.png" alt=""/></p>'
    book = replace(book, chapters=(book.chapters[0], replace(book.chapters[1], html=book.chapters[1].html + extra)))
    with pytest.raises(PublishError) as caught:
        write_pdf(book, tmp_path / "x.pdf", variant="digital")
    refused = sorted(d.message.split("'")[1] for d in caught.value.diagnostics if d.code == "pdf-fetch-refused")
    assert refused == ["/etc/passwd", "https://example.org/x.png"]


def test_failed_build_leaves_the_previous_pdf_untouched(tmp_path: Path) -> None:
    target = tmp_path / "book.pdf"
    target.write_bytes(b"%PDF-1.7 previous edition")
    with pytest.raises(PublishError):
        build_pdf(DATA / "pdf-fetch", target)
    assert target.read_bytes() == b"%PDF-1.7 previous edition"
    assert [p.name for p in tmp_path.iterdir()] == ["book.pdf"]


def test_layout_report_finds_a_line_past_the_text_block(tmp_path: Path) -> None:
    built = build(DATA / "pdf-overflow", tmp_path / "o.pdf")
    found = [d for d in built.diagnostics if d.code in ("layout-overflow", "layout-clipped")]
    assert [(Path(d.path).name, d.line) for d in found] == [("01-one.md", 5)]
    assert found[0].message.startswith("page 1: “1234567890")


# ---- Stages from strings -------------------------------------------------------------------


def test_print_markup_breaks_urls_without_hyphens_and_closes_elements() -> None:
    model = ('<p>See <a class="url" href="https://a.by/x-y">https://<wbr/>a<wbr/>.by/<wbr/>x<wbr/>-y</a>'
             '<a id="here"/>.</p>')
    assert print_markup(model) == (f'<p>See <a class="url" href="https://a.by/x-y">https://{ZWSP}a{ZWSP}.by/'
                                   f'{ZWSP}x{ZWSP}-\u2060y</a><a id="here"></a>.</p>')
    # A URL without its scheme is text to the model: it still breaks only at its break points.
    assert print_markup("<p>URL: www.unido.ru/overview/unido/.</p>") == (
        f'<p>URL: <span class="url">www{ZWSP}.unido{ZWSP}.ru/{ZWSP}overview/{ZWSP}unido/</span>.</p>')
    # An autolink shows its URL: it gets the same break points as a URL found in the text.
    assert print_markup('<a href="https://a.by/b?c=1">https://a.by/b?c=1</a>') == (
        f'<a class="url" href="https://a.by/b?c=1">https://{ZWSP}a{ZWSP}.by/{ZWSP}b{ZWSP}?\u2060c{ZWSP}=1</a>')


def test_page_numbers_as_data() -> None:
    assert body_starts([5, 3, 4]) == [1, 7, 11]
    assert [to_roman(n) for n in (1, 4, 9, 14, 40)] == ["i", "iv", "ix", "xiv", "xl"]
    ids = (frozenset({"note-1"}), frozenset({"note-1", "note-2", "note-3"}), frozenset({"note-3"}))
    assert notes_heads(ids, {1: 3, 2: 3, 3: 9}) == ["", "Notes to pages 3–9", "Notes to page 9"]
    part = PartPages("ch01", 3, (False, False, False), (frozenset(),) * 3)
    assert [(s.folio, s.pad) for s in part_stamps(part, 5)] == [("5", False), ("6", False), ("7", False), ("", True)]
    assert short_title("Belarus - Organization for Security and Cooperation in Europe: Project for Sustainable "
                       "Development") == "Belarus - Organization for Security and Cooperation in Europe"


@pytest.fixture(autouse=True)
def _no_stray_parts(tmp_path: Path) -> Iterator[None]:
    yield
    assert not list(tmp_path.glob(".*.part")), "a temporary file was left behind"


def test_layout_report_finds_widows_orphans_and_stranded_headings() -> None:
    """With CSS that lets every defect through, sliding the text down a line at a time shows each."""
    book, _ = load_book(DATA / "pdf-figures")
    assert book is not None
    scale = choose_scale(book.config.trim)
    lines = int((book.config.trim[1] - scale.top_in - scale.bottom_in) * 72 / scale.leading_pt)
    settings = jobs.print_settings(book)
    loose = "p { orphans: 1; widows: 1; } h2 { break-after: auto; page-break-after: auto; }"
    words = "A sentence that fills the line with ordinary words, and then some more of them. " * 5
    laid = []
    for shift in range(lines):
        body = (f'<div style="height: {shift * scale.leading_pt}pt"></div>'
                f"<p>{words}</p><h2>A heading</h2><p>{words}</p><p>{words}</p>")
        chapter = replace(book.chapters[0], html=body, notes=())
        job = jobs.chapter_job(book, chapter, settings)
        laid.append(replace(job, page_css=settings.page_css + loose))
    found = {problem.code for layout in lay_out_parts(laid) for problem in layout.problems}
    assert {"layout-orphan", "layout-widow", "layout-stranded-heading"} <= found


def test_layout_report_finds_a_note_number_that_does_not_match(tmp_path: Path) -> None:
    book, _ = load_book(DATA / "pdf-links")
    assert book is not None
    wrong = book.chapters[0].html.replace('role="doc-noteref">1</a>', 'role="doc-noteref">7</a>')
    assert wrong != book.chapters[0].html
    book = replace(book, chapters=(replace(book.chapters[0], html=wrong), book.chapters[1]))
    problems = [d for d in write_pdf(book, tmp_path / "n.pdf", variant="digital") if d.code == "layout-note-number"]
    assert [(Path(d.path).name, d.message) for d in problems] == [
        ("01-one.md", "page 1: note number 7 is printed where note 1 belongs")]
