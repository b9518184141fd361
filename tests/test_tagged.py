"""The digital PDF is tagged (PDF/UA-1): its structure tree, read back with pypdf as a reader does.

Books: the golden book (a table, lists, a figure, a block quote, notes on notes, sections, links),
the footnotes book (notes at the foot of the page), the default book (contents, 35 chapters, the
Notes), and small books made here for one behaviour each. Every check reads the joined PDF.
"""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import require
from lxml import etree
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject
from tags import Element, Tagged, heading_levels, read_tagged

from publish.build import build_pdf
from publish.cli import main
from publish.diagnostics import Diagnostic
from publish.manuscript import load_book
from publish.model import Book

pytestmark = pytest.mark.slow  # whole books laid out by WeasyPrint

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
MANUSCRIPT = ROOT / "manuscript"
HEADINGS = ("H1", "H2", "H3", "H4", "H5", "H6")


@dataclass(frozen=True)
class Built:
    path: Path
    tagged: Tagged
    book: Book
    diagnostics: list[Diagnostic]


def build(book_dir: Path, out: Path, *, printer: str | None = None) -> Built:
    target, diagnostics = build_pdf(book_dir, out, variant="digital", printer=printer)
    book, _ = load_book(book_dir)
    assert book is not None
    return Built(target, read_tagged(target), book, diagnostics)


@pytest.fixture(scope="module")
def golden(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build(DATA / "golden-book", tmp_path_factory.mktemp("tagged") / "golden.pdf")


@pytest.fixture(scope="module")
def footnoted(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build(DATA / "pdf-footnotes", tmp_path_factory.mktemp("tagged") / "footnotes.pdf")


@pytest.fixture(scope="module")
def default(tmp_path_factory: pytest.TempPathFactory) -> Built:
    if not (MANUSCRIPT / "book.toml").is_file():
        pytest.skip("the default book (manuscript/) is not in this checkout")
    return build(MANUSCRIPT, tmp_path_factory.mktemp("tagged") / "book.pdf")


BOOKS = ("golden", "footnoted", "default")


@pytest.mark.parametrize("name", BOOKS)
def test_every_marked_content_is_in_the_tree_and_its_element_points_back(
        name: str, request: pytest.FixtureRequest) -> None:
    built: Built = request.getfixturevalue(name)
    tagged = built.tagged
    reader = tagged.reader
    assert tagged.marks, "no marked content at all"
    in_tree = {key: element for element in tagged.root.walk() for key in element.contents()
               if not any(isinstance(kid, Element) and key in kid.contents() for kid in element.kids)}
    for (page, mcid), mark in tagged.marks.items():
        key = reader.pages[page]["/StructParents"]
        parents = tagged.parent_tree[key]
        assert isinstance(parents, list) and mcid < len(parents) and parents[mcid] is not None, \
            f"page {page}: MCID {mcid} ({mark.text!r}) has no parent in the ParentTree"
        element = tagged.elements.get(parents[mcid])  # type: ignore[arg-type]
        assert element is not None, f"page {page}: MCID {mcid}'s parent is not in the structure tree"
        assert (page, mcid) in element.contents(), f"page {page}: MCID {mcid}'s parent does not hold it"
        assert in_tree.get((page, mcid)) is element
    # …and the other way: the tree names no marked content a page does not have.
    assert set(in_tree) <= set(tagged.marks)


@pytest.mark.parametrize("name", BOOKS)
def test_every_mark_on_every_page_is_tagged_content_or_an_artifact(name: str, request: pytest.FixtureRequest) -> None:
    built: Built = request.getfixturevalue(name)
    tagged = built.tagged
    assert tagged.unmarked == [], f"drawn outside any marked content: {tagged.unmarked[:5]}"
    nested = [mark for mark in [*tagged.marks.values(), *tagged.artifacts] if mark.inside]
    assert nested == [], f"marked content inside other marked content: {nested[:3]}"
    assert all(mark.tag == "/Artifact" for mark in tagged.artifacts)


@pytest.mark.parametrize("name", BOOKS)
def test_struct_parents_are_unique_and_every_link_is_tagged_with_its_annotation(
        name: str, request: pytest.FixtureRequest) -> None:
    built: Built = request.getfixturevalue(name)
    tagged = built.tagged
    reader = tagged.reader
    catalog = reader.trailer["/Root"]
    keys = [page["/StructParents"] for page in reader.pages]
    assert len(set(keys)) == len(keys)
    assert all(page["/Tabs"] == "/S" for page in reader.pages), "a page without the structure's tab order"
    annotations = 0
    for page in reader.pages:
        for reference in page.get("/Annots") or []:
            annotation = reference.get_object()
            annotations += 1
            key = annotation["/StructParent"]
            assert key not in keys
            link = tagged.elements[tagged.parent_tree[key]]  # type: ignore[index]
            assert link.role == "Link" and reference.idnum in link.kids
            assert str(annotation["/Contents"]).strip(), "a link with no description"
            assert annotation["/F"] & 4
    struct_parents = [annotation.get_object()["/StructParent"] for page in reader.pages
                      for annotation in page.get("/Annots") or []]
    assert len(set(struct_parents)) == len(struct_parents) == annotations > 0
    tree = catalog["/StructTreeRoot"]
    assert tree["/ParentTreeNextKey"] > max(struct_parents)
    # Every annotation is in exactly one Link element, and every OBJR names an annotation.
    objrs = [kid for element in tagged.root.walk() for kid in element.kids if isinstance(kid, int)]
    every = [ref.idnum for page in reader.pages for ref in page.get("/Annots") or []]
    assert sorted(objrs) == sorted(every)


@pytest.mark.parametrize("name", BOOKS)
def test_headings_nest(name: str, request: pytest.FixtureRequest) -> None:
    built: Built = request.getfixturevalue(name)
    levels = heading_levels(built.tagged)
    assert levels[0][0] == 1
    for (before, _), (level, text) in itertools.pairwise(levels):
        assert level <= before + 1, f"{text!r} is H{level} after an H{before}"
    titles = {text.strip() for level, text in levels if level == 1}
    for chapter in built.book.chapters:
        assert any(chapter.title.split()[-1] in title for title in titles), chapter.title
    sections = [heading.text for chapter in built.book.chapters for heading in chapter.headings if heading.section]
    for section in sections:
        assert (2, section) in [(level, text.strip()) for level, text in levels], section


def test_the_chapter_titles_are_h1_and_sections_h2_in_the_golden_book(golden: Built) -> None:
    levels = [(level, text.strip()) for level, text in heading_levels(golden.tagged)]
    assert levels == [(1, "A Golden Book"), (1, "Contents"), (1, "The First Chapter"), (2, "A Section"),
                      (1, "The Second Chapter"), (2, "A Heading"), (1, "Notes"), (2, "1. The First Chapter"),
                      (2, "2. The Second Chapter")]


@pytest.mark.parametrize("name", BOOKS)
def test_notes_and_note_references_are_tagged_as_such(name: str, request: pytest.FixtureRequest) -> None:
    built: Built = request.getfixturevalue(name)
    tagged = built.tagged
    notes = {element.id: element for element in tagged.elements_of("Note")}
    id_tree = tagged.reader.trailer["/Root"]["/StructTreeRoot"]["/IDTree"]["/Names"]
    by_id = {str(key): value.idnum for key, value in zip(id_tree[::2], id_tree[1::2], strict=True)}
    assert list(by_id) == sorted(by_id, key=lambda key: key.encode())
    for note in built.book.notes:
        element = notes.get(f"note-{note.number}")
        assert element is not None, f"note {note.number} is not a Note"
        assert by_id[f"note-{note.number}"] == element.idnum
        words = re.sub(r"\s+", " ", note.text).strip()[:25]
        assert " ".join(words.split()[:3]) in " ".join(tagged.text(element).split()), (note.number, words)
    references = tagged.elements_of("Reference")
    cited = sum(len(note.ref_ids) for note in built.book.notes)
    assert len(references) == cited
    for reference in references:
        number = tagged.text(reference).strip().lstrip(",")
        assert number.isdigit() and f"note-{number}" in notes


def test_each_note_names_the_page_of_its_reference_inside_the_note(default: Built) -> None:
    """The "p. N" drawn over the Notes is the note's: a link in it, not a stray artifact."""
    tagged = default.tagged
    labels = list(tagged.reader.page_labels)
    for element in tagged.elements_of("Note"):
        links = [kid for kid in element.walk() if kid.role == "Link" and tagged.text(kid).strip().startswith("p")]
        assert links, f"{element.id} has no page of its reference"
        page = re.fullmatch(r"pp?\. (\d+)(?:, \d+)*", tagged.text(links[0]).strip())
        assert page is not None and page[1] in labels, tagged.text(links[0])


def test_the_contents_are_a_toc_whose_entries_hold_their_page(default: Built) -> None:
    tagged = default.tagged
    [toc] = tagged.elements_of("TOC")
    entries = [kid for kid in toc.kids if isinstance(kid, Element)]
    assert all(entry.role == "TOCI" for entry in entries)
    assert len(entries) == len(default.book.chapters) + sum(
        heading.section for chapter in default.book.chapters for heading in chapter.headings) + 1
    labels = list(tagged.reader.page_labels)
    for entry, chapter in zip(entries, default.book.chapters, strict=False):
        text = " ".join(tagged.text(entry).split())
        assert text.startswith(f"{chapter.number}.") and ". . ." not in text
        assert text.split()[-1] in labels, text
    # The dots leading to the page number are artifacts (of layout), one for each dot.
    pages = {entry.page for entry in entries}
    dots = [mark for mark in tagged.artifacts if mark.page in pages and mark.text.strip() == "."]
    assert len(dots) > 10 * len(entries) and all(mark.properties == {"/Type": "/Layout"} for mark in dots)


def test_folios_and_running_heads_are_pagination_artifacts(default: Built) -> None:
    tagged = default.tagged
    reader = tagged.reader
    labels = list(reader.page_labels)
    footers = {mark.page: mark.text.strip() for mark in tagged.artifacts
               if mark.properties.get("/Subtype") == "/Footer"}
    [toc] = tagged.elements_of("TOC")
    # Every page from the contents on that has text has its folio, as a footer artifact.
    with_text = {page for page, _ in tagged.marks if toc.page is not None and page >= toc.page}
    assert with_text and all(footers.get(page) == labels[page] for page in with_text), \
        [(page, footers.get(page), labels[page]) for page in sorted(with_text) if footers.get(page) != labels[page]]
    heads = [mark.text.strip() for mark in tagged.artifacts if mark.properties.get("/Subtype") == "/Header"]
    titles = {" ".join(chapter.title.split()) for chapter in default.book.chapters}
    assert {" ".join(head.split()) for head in heads} & titles
    assert any(head.startswith("Notes to page") for head in heads)
    # No running head or folio is text of the tree.
    tree = " ".join(mark.text for mark in tagged.marks.values())
    assert not re.search(r"Notes to pages? \d", tree)
    assert all(mark.properties.get("/Type") == "/Pagination" for mark in tagged.artifacts
               if mark.properties.get("/Subtype") in ("/Header", "/Footer"))


def test_blank_padding_pages_hold_no_tagged_content(default: Built) -> None:
    tagged = default.tagged
    # The pages that show nothing: those the plan pads with, so that a chapter opens on the right.
    # No element of the tree (and no marked content) may point at one: a page index off by one in
    # the join would.
    blank = {index for index, page in enumerate(tagged.reader.pages) if not page.extract_text().strip()}
    assert len(blank) > 5  # the default book opens its chapters on right-hand pages
    assert not {page for page, _ in tagged.marks} & blank
    assert not [element.role for element in tagged.root.walk() if element.page in blank]


def test_the_figure_carries_its_markdown_alt_text(golden: Built) -> None:
    [figure] = golden.tagged.elements_of("Figure")
    assert figure.alt == "A chart of the years"
    assert figure.attributes["/O"] == "/Layout" and len(figure.attributes["/BBox"]) == 4  # type: ignore[arg-type]
    [caption] = golden.tagged.elements_of("Caption")
    assert caption.parent is figure.parent and golden.tagged.text(caption).strip() == "The chart’s caption"


def test_tables_have_header_cells_that_their_cells_name_and_lists_have_labels(golden: Built) -> None:
    tagged = golden.tagged
    [table] = tagged.elements_of("Table")
    headers = [cell for cell in table.walk() if cell.role == "TH"]
    cells = [cell for cell in table.walk() if cell.role == "TD"]
    assert [tagged.text(cell).strip() for cell in headers] == ["Year", "Note"]
    assert all(cell.attributes["/Scope"] == "/Column" and cell.id for cell in headers)
    assert [list(cell.attributes["/Headers"]) for cell in cells] == [[h.id] for h in headers]  # type: ignore[call-overload]
    rows = [row for row in table.walk() if row.role == "TR"]
    assert [row.parent.role for row in rows if row.parent] == ["THead", "TBody"]
    lists = tagged.elements_of("L")
    assert len(lists) == 2
    for items in lists:
        for item in items.kids:
            assert isinstance(item, Element) and item.role == "LI"
            assert [kid.role for kid in item.kids if isinstance(kid, Element)] == ["Lbl", "LBody"]
    assert [" ".join(tagged.text(item).split()) for item in lists[1].kids if isinstance(item, Element)] == [
        "1. One.", "2. Two."]


def test_footnotes_follow_their_chapter_and_their_calls_are_references(footnoted: Built) -> None:
    tagged = footnoted.tagged
    sections = [kid for kid in tagged.root.kids if isinstance(kid, Element) and kid.role == "Sect"]
    notes = tagged.elements_of("Note")
    assert {note.id for note in notes} == {f"note-{note.number}" for note in footnoted.book.notes}
    for note in notes:
        chapter = note.parent
        assert chapter in sections
        assert chapter is not None
        kids = [kid for kid in chapter.kids if isinstance(kid, Element)]
        # After the chapter's text, in the order of their numbers.
        assert all(kid.role == "Note" for kid in kids[kids.index(note):])
    [note_a] = [note for note in notes if "first note" in tagged.text(note)]
    assert [kid.role for kid in note_a.kids if isinstance(kid, Element)] == ["Lbl", "P"]
    calls = tagged.elements_of("Reference")
    assert [tagged.text(call).strip() for call in calls][:2] == ["1", "2"]


def test_the_digital_pdf_says_it_is_pdf_ua_1_with_its_title_and_language(golden: Built) -> None:
    reader = golden.tagged.reader
    catalog = reader.trailer["/Root"]
    assert bool(catalog["/MarkInfo"]["/Marked"])
    assert catalog["/Lang"] == golden.book.config.language
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"]
    info = reader.trailer["/Info"]
    assert info["/Title"] == f"{golden.book.config.title}: {golden.book.config.subtitle}"
    packet = catalog["/Metadata"].get_object().get_data().decode("utf-8")
    body = etree.fromstring(packet.split("?>", 1)[1].rsplit("<?xpacket", 1)[0].encode())
    ns = {"pdfuaid": "http://www.aiim.org/pdfua/ns/id/", "dc": "http://purl.org/dc/elements/1.1/",
          "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#"}
    assert body.findtext(".//pdfuaid:part", namespaces=ns) == "1"
    assert body.findtext(".//dc:title/rdf:Alt/rdf:li", namespaces=ns) == info["/Title"]
    assert body.findtext(".//dc:language/rdf:Bag/rdf:li", namespaces=ns) == "en"
    assert reader.pdf_header == "%PDF-1.7"
    roles = {element.role for element in golden.tagged.root.walk()}
    assert "RoleMap" not in catalog["/StructTreeRoot"] or all(
        role in roles for role in catalog["/StructTreeRoot"]["/RoleMap"])


def test_a_picture_without_a_description_is_an_artifact_and_a_warning(tmp_path: Path) -> None:
    book = tmp_path / "book"
    shutil.copytree(DATA / "pdf-figures", book)
    chapter = book / "01-one.md"
    chapter.write_text(chapter.read_text(encoding="utf-8").replace("![A small mark]", "![]"), encoding="utf-8")
    built = build(book, tmp_path / "out.pdf")
    [figure] = built.tagged.elements_of("Figure")
    assert figure.alt == "A wide chart"
    assert any(mark.properties == {} and mark.tag == "/Artifact" and mark.text == "" for mark in built.tagged.artifacts)
    [warned] = [d for d in built.diagnostics if d.code == "image-no-alt"]
    assert warned.path.endswith("01-one.md") and warned.line == 9


def test_print_files_are_tagged_but_claim_pdf_x_alone(tmp_path: Path) -> None:
    """A printer's file carries the same tree; its marks and slug are artifacts of production."""
    require(Path("/usr/share/color/icc/ghostscript/default_cmyk.icc").is_file(),
            "Ghostscript's ICC profiles (Debian's libgs-common)")
    built = build(DATA / "golden-book", tmp_path / "offset.pdf", printer="offset")
    tagged = built.tagged
    assert tagged.unmarked == []
    assert [mark for mark in tagged.artifacts if mark.properties.get("/Type") == "/Page" and "page" in mark.text]
    catalog = tagged.reader.trailer["/Root"]
    packet = catalog["/Metadata"].get_object().get_data().decode("utf-8")
    assert "pdfuaid" not in packet and "GTS_PDFXVersion" in packet
    assert not any(page.get("/Annots") for page in tagged.reader.pages)


def test_the_tree_is_the_same_from_the_cache_and_whatever_the_number_of_processes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    book = tmp_path / "book"
    shutil.copytree(DATA / "golden-book", book)
    monkeypatch.chdir(tmp_path)
    built = []
    for name, extra in (("one.pdf", ["--no-cache", "--jobs", "1"]), ("cold.pdf", ["--jobs", "2"]),
                        ("warm.pdf", ["--jobs", "2"]), ("warm-one.pdf", ["--jobs", "1"])):
        assert main(["pdf", "--book", str(book), "-o", name, *extra]) == 0
        built.append(Path(name).read_bytes())
    assert built[0] == built[1] == built[2] == built[3]
    tree = PdfReader(tmp_path / "warm.pdf").trailer["/Root"]["/StructTreeRoot"]
    assert isinstance(tree["/K"], ArrayObject) and isinstance(tree["/ParentTree"], DictionaryObject)


def test_a_pdf_ua_checker_finds_no_error(golden: Built, default: Built) -> None:
    """outloud (PyPI) runs the machine-checkable PDF/UA-1 conformance checks veraPDF makes, in
    Python; veraPDF itself is published only to Maven Central, which CI cannot reach."""
    found = shutil.which("outloud") or (Path(sys.executable).parent / "outloud")
    require(Path(found).is_file(), "outloud, the PDF/UA-1 checker (pip install outloud)")
    for built in (golden, default):
        done = subprocess.run([str(found), str(built.path), "--layer", "conformance", "--fail-on", "error"],
                              capture_output=True, text=True)
        assert done.returncode == 0 and " 0 error(s)" in done.stdout, done.stdout[-3000:]
