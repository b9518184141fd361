"""The rules that shape a part's structure (``pdf.tagging``), the structure's cache form, how the
join marks what it draws (``pdf.tree.Marking``), the XMP claims, and one small part laid out
tagged by WeasyPrint (``pdf.weasyprint_tags``)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from publish.pdf.jobs import part_job, print_settings
from publish.pdf.parts import SourceMap
from publish.pdf.sprites import Cell as SpriteCell
from publish.pdf.sprites import Placement
from publish.pdf.structure import Cell, Marked, Node, PartStructure, structure_from_json, structure_to_json
from publish.pdf.tagging import Artifact, Loose, Tagged, shape_structure
from publish.pdf.tree import Marking
from publish.pdf.xmp import Identity, metadata_packet

pytestmark = pytest.mark.fast


class Tree:
    """Tagged elements as WeasyPrint's tree gives them, numbered as they are made."""

    def __init__(self) -> None:
        self.count = 0
        self.elements: dict[str, int] = {}

    def __call__(self, role: str, tag: str, page: int, *kids: Tagged | Marked, element: str = "",
                 **extra: object) -> Tagged:
        self.count += 1
        key = self.elements.setdefault(element or f"{tag}#{self.count}", len(self.elements))
        return Tagged(self.count, role, tag, key, page, tuple(kids), **extra)  # type: ignore[arg-type]


def texts(structure: PartStructure) -> list[tuple[int, str, tuple[object, ...]]]:
    """(depth, role, marked content) of every node, in reading order."""
    depth = {index: 0 for index in structure.roots}
    found = []
    for index, node in structure.walk():
        for kid in node.kids:
            if isinstance(kid, int):
                depth[kid] = depth[index] + 1
        found.append((depth[index], node.role, tuple((k.page, k.mcid) for k in node.kids if isinstance(k, Marked))))
    return found


def test_an_element_on_three_pages_is_one_node_and_its_runs_of_text_its_marked_content() -> None:
    t = Tree()
    roots = [
        t("Sect", "section", 0, t("P", "p", 0, Marked(0, 0), Marked(0, 1), element="p1"), t(
            "P", "p", 0, Marked(0, 2), element="p2"), element="s"),
        t("Sect", "section", 1, t("P", "p", 1, Marked(1, 0), element="p2"), element="s"),
        t("Sect", "section", 2, t("P", "p", 2, Marked(2, 0), element="p2"),
          t("P", "p", 2, Marked(2, 1), element="p3"), element="s"),
    ]
    shaped = shape_structure(roots, [], "ch01")
    assert texts(shaped.structure) == [(0, "Sect", ()), (1, "P", ((0, 0), (0, 1))),
                                       (1, "P", ((0, 2), (1, 0), (2, 0))), (1, "P", ((2, 1),))]
    # Every WeasyPrint element is found in the node it ended in.
    assert {shaped.nodes[root.number] for root in roots} == {0}


def test_grouping_that_says_nothing_gives_its_content_to_its_parent() -> None:
    t = Tree()
    paragraph = t("P", "p", 0, Marked(0, 0), t("NonStruct", "em", 0, Marked(0, 1)),
                  t("Span", "span", 0, Marked(0, 2)), t("Span", "span", 0, Marked(0, 3), lang="fr"),
                  t("P", "p", 0, Marked(0, 4), element="p"), t("NonStruct", "p::before", 0), element="p")
    shaped = shape_structure([t("Div", "div", 0, paragraph)], [], "ch01")
    assert texts(shaped.structure) == [(0, "Div", ()), (1, "P", ((0, 0), (0, 1), (0, 2), (0, 4))),
                                       (2, "Span", ((0, 3),))]
    assert shaped.structure.nodes[2].lang == "fr"


def test_headings_nest_one_level_at_a_time() -> None:
    t = Tree()
    roots = [t("Sect", "section", 0, *(t(f"H{level}", f"h{level}", 0, Marked(0, n))
                                        for n, level in enumerate((1, 3, 4, 2, 5, 1, 2))))]
    roles = [node.role for _, node in shape_structure(roots, [], "ch01").structure.walk()]
    assert roles == ["Sect", "H1", "H2", "H3", "H2", "H3", "H1", "H2"]


def test_notes_and_references_are_tagged_as_such() -> None:
    t = Tree()
    reference = t("NonStruct", "sup", 0, t("Link", "a", 0, Marked(0, 1), id="noteref-3", link=True),
                  classes=("noteref",))
    note = t("Div", "div", 0, t("P", "p", 0, Marked(0, 2)), classes=("note",), id="note-3")
    shaped = shape_structure([t("Sect", "section", 0, t("P", "p", 0, Marked(0, 0), reference), note)], [], "notes")
    nodes = shaped.structure.nodes
    assert [node.role for node in nodes] == ["Sect", "P", "Reference", "Link", "Note", "P"]
    assert nodes[4].id == "note-3" and nodes[3].anchor == "noteref-3" and not nodes[3].id


def test_footnotes_follow_their_chapter_with_their_calls_as_references() -> None:
    t = Tree()
    call = t("NonStruct", "span::footnote-call", 0, Marked(0, 1), element="fn1", classes=("footnote",), id="note-1")
    footnote = t("Span", "span", 0, t("NonStruct", "span::footnote-marker", 0, Marked(0, 3)),
                 t("Span", "span", 0, Marked(0, 4), classes=("fn-p",)), element="fn1", classes=("footnote",),
                 id="note-1")
    roots = [t("Sect", "section", 0, t("P", "p", 0, Marked(0, 0), call), element="ch"),
             t("NonStruct", "", 0, footnote, region="footnotes"),
             t("Sect", "section", 1, t("P", "p", 1, Marked(1, 0)), element="ch")]
    shaped = shape_structure(roots, [], "ch01")
    assert texts(shaped.structure) == [(0, "Sect", ()), (1, "P", ((0, 0),)), (2, "Reference", ((0, 1),)),
                                       (1, "P", ((1, 0),)), (1, "Note", ()), (2, "Lbl", ((0, 3),)),
                                       (2, "P", ((0, 4),))]
    assert shaped.structure.nodes[4].id == "note-1" and shaped.structure.nodes[2].id == ""


def test_the_contents_are_a_toc_of_entries() -> None:
    t = Tree()
    entry = t("LI", "li", 0, t("LBody", "li", 0, t("Link", "a", 0, Marked(0, 1), t(
        "Span", "span", 0, Marked(0, 2), id="toc-page-ch01"), link=True), element="li"), element="li")
    contents = t("Sect", "section", 0, t("H1", "h1", 0, Marked(0, 0)), t("L", "ol", 0, entry),
                 classes=("contents",), id="contents")
    shaped = shape_structure([contents], [], "front")
    assert [node.role for _, node in shaped.structure.walk()] == ["Sect", "H1", "TOC", "TOCI", "Link", "Span"]
    assert shaped.structure.by_anchor()["toc-page-ch01"] == 5


def test_lists_have_labels_and_bodies() -> None:
    t = Tree()
    item = t("LI", "li", 0, t("Lbl", "li::marker", 0, Marked(0, 0)), t("P", "p", 0, Marked(0, 1)), element="li")
    roles = [node.role for _, node in shape_structure([t("L", "ul", 0, item)], [], "ch01").structure.walk()]
    assert roles == ["L", "LI", "Lbl", "LBody", "P"]


def test_what_is_not_text_becomes_an_artifact() -> None:
    t = Tree()
    roots = [t("Div", "div", 0, t("Figure", "img", 0, Marked(0, 0)), t("Figure", "img", 0, Marked(0, 1), alt="A map"),
               t("NonStruct", "span", 0, Marked(0, 2), Marked(0, 3), region="leader"), t("P", "p", 0, Marked(0, 4)))]
    loose = [Loose(Marked(0, 5), "top"), Loose(Marked(0, 6), "bottom")]
    shaped = shape_structure(roots, loose, "ch01")
    assert [node.role for node in shaped.structure.nodes] == ["Div", "Figure", "P"]
    assert shaped.structure.nodes[1].alt == "A map"
    assert shaped.artifacts == (Artifact(Marked(0, 0), ""), Artifact(Marked(0, 2), "Layout"),
                                Artifact(Marked(0, 3), "Layout"), Artifact(Marked(0, 5), "Pagination", "Header"),
                                Artifact(Marked(0, 6), "Pagination", "Footer"))


def test_table_header_ids_are_the_parts_own() -> None:
    t = Tree()
    header = t("TH", "th", 0, Marked(0, 0), cell=Cell(header_id="17-0-0"))
    data = t("TD", "td", 0, Marked(0, 1), cell=Cell(headers=("17-0-0",)))
    table = t("Table", "table", 0, t("TR", "tr", 0, header), t("TR", "tr", 0, data))
    nodes = shape_structure([table], [], "ch04").structure.nodes
    assert nodes[2].id == "ch04-th-1" and nodes[2].cell == Cell("ch04-th-1", (), "Column")
    assert nodes[4].cell == Cell("", ("ch04-th-1",))


def test_a_structure_comes_back_from_its_cache_form_unchanged() -> None:
    structure = PartStructure((
        Node("Sect", 0, (1, 2), anchor="ch01"),
        Node("Figure", 0, (Marked(0, 3),), alt="A “map”", bbox=(1.5, 2.0, 30.25, 40.0)),
        Node("TH", 1, (Marked(1, 0), Marked(2, 7)), id="ch01-th-1", cell=Cell("ch01-th-1", (), "Column", 2, 1)),
    ), (0,))
    assert structure_from_json(structure_to_json(structure)) == structure
    with pytest.raises(ValueError):
        structure_from_json({"nodes": [], "roots": [3]})


def test_the_join_marks_a_page_number_as_its_elements_text_and_a_folio_as_an_artifact() -> None:
    marking = Marking({"locator-3": (2, 41)}, {10: 7})
    note = Placement(10, SpriteCell("note", "p. 5"), owner="locator-3")
    assert marking.mark(note) == (b"/Span <</MCID 7>> BDC\n", b"EMC\n")
    assert marking.mark(Placement(10, SpriteCell("folio", "12")))[0] == \
        b"/Artifact <</Type /Pagination /Subtype /Footer>> BDC\n"
    assert marking.mark(Placement(10, SpriteCell("note", "p. 6"), owner="locator-99"))[0].startswith(b"/Artifact")
    assert marking.mark(Placement(3, SpriteCell("contents", "9"), owner="locator-3"))[0] == b"/Span <</MCID 0>> BDC\n"
    assert [(d.page, d.mcid, d.part, d.node) for d in marking.drawn] == [(10, 7, 2, 41), (3, 0, 2, 41)]


def test_the_xmp_claims_what_each_edition_is() -> None:
    identity = Identity("A Book", "An Author", "D:20261127000000Z", "publish", "key", "fr")
    digital = metadata_packet(identity, pdfua=1)
    assert "<pdfuaid:part>1</pdfuaid:part>" in digital and "GTS_PDFX" not in digital and "Trapped" not in digital
    assert "<rdf:li>fr</rdf:li>" in digital
    printed = metadata_packet(identity, pdfx="PDF/X-4")
    assert "pdfuaid" not in printed and "<pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>" in printed


def test_a_part_laid_out_tagged_has_its_running_heads_and_leaders_as_artifacts(tmp_path: Path) -> None:
    """WeasyPrint marks a margin box's text as content of no element, and a leader's dots as
    text: the part draws both as artifacts, and its structure holds the text alone."""
    from publish.manuscript import load_book
    from publish.pdf.layout import lay_out_parts

    (tmp_path / "book.toml").write_text('title = "T"\nauthor = "A"\nlanguage = "en"\n', encoding="utf-8")
    (tmp_path / "01-one.md").write_text("# One\n\nText.\n", encoding="utf-8")
    book, _ = load_book(tmp_path)
    assert book is not None
    html = ('<html lang="en"><body><style>.dots::after { content: leader(". ") }</style>'
            '<section class="chapter" data-recto="RUNNING HEAD" data-verso="RUNNING HEAD">'
            '<h1>Title</h1><p style="break-before: page">A paragraph of <em>text</em>.</p>'
            '<p><span class="dots">Dots</span> <a href="#x">a link</a></p></section></body></html>')
    [part] = lay_out_parts([part_job("ch01", html, print_settings(book), SourceMap("x.md"))])
    assert part.structure is not None
    assert [node.role for _, node in part.structure.walk()] == ["Sect", "H1", "P", "P", "Link"]
    [link] = part.links
    assert part.structure.nodes[link.node].role == "Link"
    reader = PdfReader(io.BytesIO(part.pdf))
    assert "/StructTreeRoot" not in reader.trailer["/Root"]
    content = reader.pages[1].get_contents().get_data()
    assert len(re.findall(rb"/Artifact\n<</Type /Pagination ?/Subtype /Header>>\nBDC", content)) == 1
    assert content.count(b"/Artifact\n<</Type /Layout>>\nBDC") > 5
    marked = {int(n) for n in re.findall(rb"<</MCID (\d+)>>", content)}
    assert marked == {kid.mcid for node in part.structure.nodes for kid in node.kids
                      if isinstance(kid, Marked) and kid.page == 1}
