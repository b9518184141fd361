"""Stamps drawn from sprite sheets land exactly where stamp pages laid out for them would put
them, on rectos and versos, from every sheet and every page of a sheet; a sheet that does not
hold the lines it was given is refused."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import pytest
from pypdf import PdfReader

from publish.manuscript import load_book
from publish.model import Book
from publish.pdf import jobs
from publish.pdf.engine import lay_out_here
from publish.pdf.html import Locator, Stamp, sheet_html
from publish.pdf.parts import SourceMap
from publish.pdf.sprites import SpritePlan, calibration_stamps, draw_sprites, plan_sprites
from publish.pdf.weasyprint_streams import Run, SpriteError, read_runs

pytestmark = pytest.mark.slow  # whole books laid out by WeasyPrint

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def book() -> Book:
    loaded, _ = load_book(DATA / "pdf-links")
    assert loaded is not None
    return loaded


def page_contents(book: Book, html: str) -> list[bytes]:
    settings = jobs.print_settings(book)
    [layout] = lay_out_here([jobs.part_job("sheet", html, settings, SourceMap("sheet"), inspect=False)])
    contents = []
    for page in PdfReader(io.BytesIO(layout.pdf)).pages:
        content = page["/Contents"].get_object()
        contents.append(content.get_data())
    return contents


def stamp_pages(book: Book, stamps: Sequence[Stamp]) -> list[bytes]:
    """The stamps laid out the direct way: a page of the book's size for each."""
    return page_contents(book, sheet_html(book, stamps, []))


def sprite_pages(book: Book, plan: SpritePlan) -> dict[int, bytes]:
    """The stamps drawn from sprite sheets: what each page of the book gets."""
    settings = jobs.print_settings(book)
    sheets = [page_contents(book, jobs.sheet_job(book, n, cells, settings).html)
              for n, cells in enumerate(plan.sheets)]
    return {page: drawn.data for page, drawn in draw_sprites(plan, sheets).items()}


def placed(runs: list[Run]) -> list[tuple[float, float, tuple[bytes, ...]]]:
    """Each run's place and glyphs (its TJ operators), in reading order."""
    return sorted((round(run.x, 3), round(run.y, 3), tuple(op for op in run.text if op.endswith(b"TJ")))
                  for run in runs)


STAMPS = [
    Stamp("22", ""),
    Stamp("187", "Notes to pages 104–112",
          locators=(Locator(37.5, 120.25, "pp. 12, 104", "note"), Locator(0.0, 410.0, "p. 9", "note"))),
    Stamp("", "", locators=(Locator(250.0, 300.0, "133", "contents"), Locator(250.0, 330.5, "7", "contents"))),
    Stamp("1", "Notes to page 3", locators=(Locator(12.0, 14.0, "p. 1", "note"),)),
    Stamp("", "", pad=True),
    Stamp("2000", "Notes"),
]


def test_sprites_land_where_stamp_pages_put_them(book: Book) -> None:
    direct = stamp_pages(book, STAMPS)
    # Two lines a sheet: several sheets, each calibrated by its own first lines.
    drawn = sprite_pages(book, plan_sprites(STAMPS, 2))
    assert sorted(drawn) == [0, 1, 2, 3, 5]  # the digital edition's pad page has no crop marks
    for page, stamp in enumerate(STAMPS):
        if page in drawn:
            assert placed(read_runs(drawn[page])) == placed(read_runs(direct[page])), f"page {page}: {stamp}"
        else:
            assert not read_runs(direct[page])


def test_a_sheet_longer_than_its_page_still_places_every_line(book: Book) -> None:
    stamps = [Stamp(str(n), "") for n in range(1, 1400)]
    plan = plan_sprites(stamps, 2000)
    assert len(plan.sheets) == 1
    drawn = sprite_pages(book, plan)
    settings = jobs.print_settings(book)
    [sheet] = plan.sheets
    html = jobs.sheet_job(book, 0, sheet, settings).html
    assert len(page_contents(book, html)) > len(calibration_stamps()) + 1, "the sheet should need two pages"
    # The last folios come from the sheet's second page; a recto and a verso, laid out directly.
    direct = stamp_pages(book, [stamps[1396], stamps[1397]])
    assert placed(read_runs(drawn[1396])) == placed(read_runs(direct[0]))
    assert placed(read_runs(drawn[1397])) == placed(read_runs(direct[1]))
    baselines = {round(run.y, 3) for page in range(0, 1399, 2) for run in read_runs(drawn[page])}
    assert baselines == {round(read_runs(direct[0])[0].y, 3)}


def test_a_sheet_missing_a_line_is_refused(book: Book) -> None:
    plan = plan_sprites(STAMPS[:2], 600)
    settings = jobs.print_settings(book)
    [pages] = [page_contents(book, jobs.sheet_job(book, 0, cells, settings).html) for cells in plan.sheets]
    last = pages[-1]
    # Drop the last run of text, as a sheet laid out with a line too few would be.
    cut = last[: last.rindex(b"1 0 0 -1 ")] + b"ET\nQ\n"
    with pytest.raises(SpriteError, match=r"sheet 1 has \d+ lines of text where \d+ were set"):
        draw_sprites(plan, [[*pages[:-1], cut]])
