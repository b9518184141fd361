"""The page ``publish serve`` opens the PDF at: the first page a new build drew differently, found
by comparing the parts (real PDFs, each page with its own content stream)."""

from __future__ import annotations

import io

from pypdf import PdfWriter
from pypdf.generic import NameObject, StreamObject

from publish.pdf.changes import Drawn, first_changed_page
from publish.pdf.pypdf_objects import add_object


def part_pdf(*pages: str) -> bytes:
    """A PDF whose pages draw the given texts."""
    writer = PdfWriter()
    for text in pages:
        page = writer.add_blank_page(300, 400)
        stream = StreamObject()
        stream.set_data(f"BT /F1 12 Tf 20 300 Td ({text}) Tj ET".encode("latin-1"))
        page[NameObject("/Contents")] = add_object(writer, stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


BEFORE = Drawn({"front": part_pdf("title", "contents"), "ch01": part_pdf("a1", "a2", "a3"),
                "ch02": part_pdf("b1", "b2"), "notes": part_pdf("n1")},
               {"front": 0, "ch01": 2, "ch02": 6, "notes": 8})


def test_an_edit_on_the_third_page_of_a_chapter_opens_that_page() -> None:
    after = Drawn({**BEFORE.pdfs, "ch01": part_pdf("a1", "a2", "a3 edited")}, BEFORE.starts)
    assert first_changed_page(BEFORE, after) == 4


def test_an_edit_that_changes_the_notes_too_opens_the_chapter_first() -> None:
    after = Drawn({**BEFORE.pdfs, "ch02": part_pdf("b1", "b2 edited"), "notes": part_pdf("n1 edited")},
                  BEFORE.starts)
    assert first_changed_page(BEFORE, after) == 7


def test_nothing_changed_gives_no_page() -> None:
    assert first_changed_page(BEFORE, Drawn(dict(BEFORE.pdfs), dict(BEFORE.starts))) is None


def test_a_chapter_that_grew_a_page_points_at_its_new_page() -> None:
    after = Drawn({**BEFORE.pdfs, "ch01": part_pdf("a1", "a2", "a3", "a4")},
                  {"front": 0, "ch01": 2, "ch02": 6, "notes": 8})
    assert first_changed_page(BEFORE, after) == 5


def test_a_new_chapter_opens_at_its_first_page() -> None:
    after = Drawn({**BEFORE.pdfs, "ch03": part_pdf("c1")}, {**BEFORE.starts, "ch03": 8, "notes": 10})
    assert first_changed_page(BEFORE, after) == 8
