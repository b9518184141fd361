"""What this project relies on inside other libraries, checked against the versions installed.

Each reliance lives in one adapter module, whose check names the assumption when a new release
breaks it: Python-Markdown's footnotes (``markdown_notes``), WeasyPrint's boxes, fonts, content
streams, footnotes, tags and line breaking under a tight word spacing (``pdf.weasyprint_*``),
pypdf's object table (``pdf.pypdf_objects``), and the metrics of DejaVu Sans that the proof's
margin labels are stacked by (``proof.pdf``). These run in the fast tier: an upgrade that breaks
one fails here first, by name.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from publish.markdown_notes import check_markdown_internals
from publish.paths import styles_dir
from publish.pdf.pypdf_objects import check_pypdf_internals

pytestmark = pytest.mark.fast


@pytest.fixture(scope="module")
def document() -> Any:
    """A small document laid out with the book's stylesheet: a heading, a paragraph, a table."""
    import weasyprint

    from publish.pdf.weasyprint_fonts import drop_font_files

    html = ("<h1>Title</h1><p>Some <em>text</em> to draw, with a note.</p>"
            "<table><tr><td>a</td><td>b</td></tr></table>")
    css = weasyprint.CSS(filename=str(styles_dir() / "print.css"))
    rendered = weasyprint.HTML(string=html).render(stylesheets=[css])
    rendered.write_pdf(uncompressed_pdf=True, finisher=drop_font_files)
    return rendered


@pytest.fixture(scope="module")
def footnoted() -> Any:
    """A paragraph with a note set at the foot of its page, as ``notes = "page"`` lays one out."""
    import weasyprint

    html = '<p>Some text<span class="footnote" data-number="1">A note.</span> and more.</p>'
    return weasyprint.HTML(string=html).render(stylesheets=[weasyprint.CSS(filename=str(styles_dir() / "print.css"))])


def test_python_markdown() -> None:
    check_markdown_internals()


def test_weasyprint_boxes(document: Any) -> None:
    from publish.pdf.weasyprint_boxes import check_box_internals

    check_box_internals(document.pages[0])


def test_weasyprint_fonts(document: Any) -> None:
    from publish.pdf.weasyprint_fonts import check_font_internals

    check_font_internals(document)


def test_weasyprint_content_streams(document: Any) -> None:
    import io

    from pypdf import PdfReader

    from publish.pdf.weasyprint_streams import check_stream_form

    data = document.write_pdf(uncompressed_pdf=True)
    check_stream_form(PdfReader(io.BytesIO(data)).pages[0].get_contents().get_data())


def test_weasyprint_text(footnoted: Any) -> None:
    from publish.pdf.weasyprint_text import check_text_internals, read_lines

    check_text_internals(footnoted)
    assert [(line.text, line.flow) for line in read_lines(footnoted.pages)] == [
        ("Some text\ue000 and more.", True), ("A note.", False)]


def test_weasyprint_colours(document: Any) -> None:
    """The print edition sets WeasyPrint's RGB colours as ink (publish/pdf/pdfx.py)."""
    import io

    from pypdf import PdfReader

    from publish.pdf.weasyprint_streams import check_colour_form

    data = document.write_pdf(uncompressed_pdf=True)
    check_colour_form(PdfReader(io.BytesIO(data)).pages[0].get_contents().get_data())


def test_weasyprint_footnotes() -> None:
    from publish.pdf.weasyprint_footnotes import check_footnote_internals

    check_footnote_internals()


def test_weasyprint_tags() -> None:
    from publish.pdf.weasyprint_tags import check_tag_internals

    check_tag_internals()


def test_weasyprint_spacing() -> None:
    from publish.pdf.weasyprint_spacing import check_spacing_internals, install

    check_spacing_internals()
    install()
    check_spacing_internals()  # the wrapper keeps what it wraps in sight


def test_pypdf() -> None:
    check_pypdf_internals()


def test_the_proof_stacks_labels_by_dejavu_sans_condensed_metrics() -> None:
    """The margin labels are stacked by an estimate of their width; it must be no narrower than
    the face WeasyPrint finds (Debian's fonts-dejavu-core, which .ci/run installs)."""
    from fontTools.ttLib import TTFont

    from publish.proof.pdf import LABEL_ASCENT_EM, LABEL_EM_WIDTH

    if shutil.which("fc-match") is None:
        pytest.fail("fc-match (fontconfig) is missing: WeasyPrint cannot find fonts on this machine")
    found = subprocess.run(["fc-match", "-f", "%{file}", "DejaVu Sans:condensed"], capture_output=True,
                           text=True, check=True).stdout
    assert "DejaVuSansCondensed" in found, f"DejaVu Sans Condensed is not installed ({found}): apt-get install " \
        "fonts-dejavu-core"
    face = TTFont(Path(found))
    per_em = face["head"].unitsPerEm
    cmap, advances = face.getBestCmap(), face["hmtx"]
    sample = "note-repeated: note 12 repeats the text of note 11 (l. 345) doubled-word: “the the”"
    average = sum(advances[cmap[ord(ch)]][0] for ch in sample) / len(sample) / per_em
    assert average <= LABEL_EM_WIDTH, (LABEL_EM_WIDTH, average)
    assert abs(face["hhea"].ascent / per_em - LABEL_ASCENT_EM) < 0.02


def test_each_check_names_its_assumption_when_it_breaks(document: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each detector on input that has its defect: a release that changed what it checks."""
    import io
    from types import SimpleNamespace

    from pypdf import PdfReader, PdfWriter
    from weasyprint.layout import block
    from weasyprint.text import line_break

    from publish.pdf import weasyprint_footnotes, weasyprint_spacing
    from publish.pdf.weasyprint_boxes import check_box_internals
    from publish.pdf.weasyprint_fonts import check_font_internals
    from publish.pdf.weasyprint_streams import check_stream_form

    content = PdfReader(io.BytesIO(document.write_pdf(uncompressed_pdf=True))).pages[0].get_contents().get_data()
    with pytest.raises(RuntimeError, match="Tm"):
        check_stream_form(content.replace(b"1 0 0 -1 ", b"1 0 0 1 "))
    with pytest.raises(RuntimeError, match="_page_box"):
        check_box_internals(SimpleNamespace())
    with pytest.raises(RuntimeError, match=r"Document\.fonts"):
        check_font_internals(SimpleNamespace(fonts={}))
    from publish.pdf.weasyprint_text import check_text_internals

    with pytest.raises(RuntimeError, match="footnote-call"):
        check_text_internals(document)  # a document with no note at the foot of a page
    monkeypatch.delattr(PdfWriter, "_replace_object")
    with pytest.raises(RuntimeError, match="_replace_object"):
        check_pypdf_internals()

    def renamed(ctx: Any, box: Any, position: int, child: Any, children: Any) -> None: ...

    monkeypatch.setattr(block, "_linebox_layout", renamed)
    with pytest.raises(RuntimeError, match="_linebox_layout takes"):
        weasyprint_footnotes.check_footnote_internals()

    def layout_with(text: Any, style: Any, context: Any, width: Any) -> None: ...

    monkeypatch.setattr(line_break, "create_layout", layout_with)
    with pytest.raises(RuntimeError, match="create_layout takes"):
        weasyprint_spacing.check_spacing_internals()
    from weasyprint.pdf import tags

    from publish.pdf.weasyprint_tags import check_tag_internals

    def untagged(box: Any, parent: Any, pdf: Any) -> list[Any]:
        return []

    monkeypatch.setattr(tags, "_build_box_tree", untagged)
    with pytest.raises(RuntimeError, match="_build_box_tree takes"):
        check_tag_internals()
    monkeypatch.setattr("publish.markdown_notes._Notes.setFootnote", lambda self, id, text: None)
    with pytest.raises(RuntimeError, match="setFootnote"):
        check_markdown_internals()
    monkeypatch.undo()
    # LinearInline: an internal of Python-Markdown's inline processor gone, and its output no
    # longer Python-Markdown's (a pass that never looks at the text before a placeholder).
    from markdown import treeprocessors

    monkeypatch.delattr(treeprocessors.InlineProcessor, "_InlineProcessor__stashNode")
    with pytest.raises(RuntimeError, match="__stashNode"):
        check_markdown_internals()
    monkeypatch.undo()
    monkeypatch.setattr("publish.markdown_notes._Pass.rebuild", lambda self: None)
    with pytest.raises(RuntimeError, match=r"LinearInline .* no longer gives Python-Markdown's output"):
        check_markdown_internals()


def test_weasyprint_lines(document: Any) -> None:
    from publish.pdf.weasyprint_boxes import check_line_internals

    check_line_internals(document.pages[0])


def test_the_face_space_the_loose_measure_assumes() -> None:
    from fontTools.ttLib import TTFont

    from publish.pdf.lines import SPACE_EM

    # The text faces; the bold ones (0.237 em) set no running text in the book's styles.
    for path in (styles_dir() / "fonts" / "EBGaramond-Regular.ttf", styles_dir() / "fonts" / "EBGaramond-Italic.ttf"):
        font = TTFont(path)
        cmap = font.getBestCmap()
        for char in (0x20, 0xA0):
            assert font["hmtx"][cmap[char]][0] / font["head"].unitsPerEm == SPACE_EM, path.name
