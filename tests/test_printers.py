"""Printer presets: the sheet each service asks for, its preflight, PDF/X-4 (fast: from data).

The whole books built for each preset are in test_print.py (slow); here are the table, the
geometry of a page on the press sheet, the marks, the colour rewrite, the metadata and the
command line, each from plain values.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import require
from lxml import etree

from publish.cli import build_parser, chosen_printer
from publish.config import load_config
from publish.pdf.html import title_parts
from publish.pdf.pdfx import Identity, find_profiles, profile_description, xmp_packet
from publish.pdf.press import Press, mark_content, place_page
from publish.pdf.printers import PRINTERS, find_printer
from publish.pdf.weasyprint_streams import grey_colours

pytestmark = pytest.mark.fast

TRIM_6X9 = (432.0, 648.0)


def test_kdp_and_ingramspark_bleed_the_top_bottom_and_outside_edges_only() -> None:
    for name in ("kdp", "ingramspark"):
        press = Press(find_printer(name), bleed=True)
        recto = place_page(press, *TRIM_6X9, recto=True)
        verso = place_page(press, *TRIM_6X9, recto=False)
        # 6 x 9 in becomes 6.125 x 9.25 in: 441 x 666 pt.
        assert recto.media == verso.media == (0.0, 0.0, 441.0, 666.0)
        # A recto's gutter is its left edge: the trim starts at the sheet's edge there.
        assert recto.trim == (0.0, 9.0, 432.0, 657.0)
        assert recto.bleed == (0.0, 0.0, 441.0, 666.0)
        assert verso.trim == (9.0, 9.0, 441.0, 657.0)
        assert verso.bleed == (0.0, 0.0, 441.0, 666.0)


def test_lulu_bleeds_every_edge_and_no_bleed_is_the_trim_alone() -> None:
    sheet = place_page(Press(find_printer("lulu"), bleed=True), *TRIM_6X9, recto=True)
    assert sheet.media == (0.0, 0.0, 450.0, 666.0)  # 6.25 x 9.25 in
    assert sheet.trim == (9.0, 9.0, 441.0, 657.0)
    for name in ("kdp", "ingramspark", "lulu"):
        plain = place_page(Press(find_printer(name), bleed=False), *TRIM_6X9, recto=False)
        assert plain.media == plain.trim == plain.bleed == (0.0, 0.0, 432.0, 648.0)
        assert mark_content(find_printer(name), plain) == b""


def test_offset_marks_lie_outside_the_bleed() -> None:
    printer = find_printer("offset")
    sheet = place_page(Press(printer, bleed=True), *TRIM_6X9, recto=True)
    bx1, by1, bx2, by2 = sheet.bleed
    assert sheet.bleed == pytest.approx((sheet.trim[0] - 8.504, sheet.trim[1] - 8.504,
                                         sheet.trim[2] + 8.504, sheet.trim[3] + 8.504), abs=0.01)  # 3 mm
    content = mark_content(printer, sheet).decode()
    assert "/PublishRegistration CS" in content
    points = [(float(x), float(y)) for x, y in re.findall(r"(-?[\d.]+) (-?[\d.]+) [ml]\n", content)]
    assert len(points) >= 16 + 16  # eight crop hairlines and four crosshairs
    for x, y in points:
        # A crop mark may start on the bleed's edge (its butt cap puts no ink past it), never in it.
        inside_bleed = bx1 + 0.01 < x < bx2 - 0.01 and by1 + 0.01 < y < by2 - 0.01
        assert not inside_bleed, (x, y)
        assert 0 <= x <= sheet.media[2] and 0 <= y <= sheet.media[3]


def test_page_limits_and_least_gutters_come_from_the_table() -> None:
    kdp = find_printer("kdp")
    assert [kdp.min_inside_in(pages) for pages in (24, 150, 151, 300, 301, 500, 501, 700, 701, 828)] == [
        0.375, 0.375, 0.5, 0.5, 0.625, 0.625, 0.75, 0.75, 0.875, 0.875]
    limit = kdp.limit((6.0, 9.0))
    assert limit is not None and (limit.min_pages, limit.max_pages) == (24, 828)
    large = kdp.limit((8.5, 11.0))
    assert large is not None and large.max_pages == 590
    assert find_printer("lulu").limit((6.0, 9.0)).min_pages == 32  # type: ignore[union-attr]
    assert find_printer("ingramspark").limit((6.0, 9.0)).min_pages == 18  # type: ignore[union-attr]
    assert {name for name, printer in PRINTERS.items() if printer.marks} == {"offset"}


def test_every_number_in_the_table_names_its_source() -> None:
    source = (Path(__file__).resolve().parents[1] / "publish/pdf/printers.py").read_text(encoding="utf-8")
    table = source[source.index("PRINTERS: dict"):]
    for name in PRINTERS:
        entry = table[table.index(f'"{name}": Printer('):]
        entry = entry[: entry.index("\n    ),\n")]
        comments = " ".join(line.split("#", 1)[1] for line in entry.split("\n") if "#" in line)
        assert len(comments) > 120, f"{name}: the sources of its numbers are not given"


def test_weasyprint_rgb_colours_become_ink() -> None:
    stream = b"q\n0 0 0 rg\n0.5 0.5 0.5 RG\nBT\n1 0 0 -1 10 20 Tm\nET\nQ"
    grey, coloured = grey_colours(stream)
    assert grey == b"q\n0 g\n0.5 G\nBT\n1 0 0 -1 10 20 Tm\nET\nQ"
    assert not coloured
    red, coloured = grey_colours(b"1 0 0 rg\n")
    assert red == b"0 1 1 0 k\n" and coloured


def test_gutter_is_auto_a_length_or_an_error(tmp_path: Path) -> None:
    def config(value: str) -> tuple[object, list[str]]:
        (tmp_path / "book.toml").write_text(
            f'title = "T"\nauthor = "A"\nlanguage = "en"\ndate = "2026-01-01"\nidentifier = "x"\ngutter = "{value}"\n',
            encoding="utf-8")
        loaded, problems = load_config(tmp_path)
        return loaded, [f"{p.line}:{p.code}" for p in problems]

    loaded, problems = config("auto")
    assert problems == [] and loaded.gutter == "auto" and loaded.gutter_in is None  # type: ignore[attr-defined]
    loaded, problems = config("20mm")
    assert problems == [] and loaded.gutter_in == pytest.approx(20 / 25.4)  # type: ignore[attr-defined]
    loaded, problems = config("wide")
    assert loaded is None and problems == ["6:config-value"]
    loaded, problems = config("4in")  # more than half a 6 in page
    assert loaded is None and problems == ["6:config-value"]


def test_the_title_page_sets_a_subtitle_apart() -> None:
    assert title_parts("Belarus and Its Partners: Essays on Economic Cooperation", "") == (
        "Belarus and Its Partners", "Essays on Economic Cooperation")
    assert title_parts("A Book: Its Subtitle", "Given") == ("A Book: Its Subtitle", "Given")
    assert title_parts("Plain", "") == ("Plain", "")


def test_xmp_says_pdfx_4_with_the_books_dates() -> None:
    packet = xmp_packet(Identity("A <Title> & more", "An Author", "D:20261127000000Z", "publish", "key"))
    body = packet.split("?>", 1)[1].rsplit("<?xpacket", 1)[0]
    root = etree.fromstring(body.encode())
    ns = {"pdfxid": "http://www.npes.org/pdfx/ns/id/", "xmp": "http://ns.adobe.com/xap/1.0/",
          "pdf": "http://ns.adobe.com/pdf/1.3/", "dc": "http://purl.org/dc/elements/1.1/",
          "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "xmpMM": "http://ns.adobe.com/xap/1.0/mm/"}
    assert root.findtext(".//pdfxid:GTS_PDFXVersion", namespaces=ns) == "PDF/X-4"
    assert root.findtext(".//xmp:CreateDate", namespaces=ns) == "2026-11-27T00:00:00Z"
    assert root.findtext(".//pdf:Trapped", namespaces=ns) == "False"
    assert root.findtext(".//dc:title/rdf:Alt/rdf:li", namespaces=ns) == "A <Title> & more"
    assert root.findtext(".//xmpMM:DocumentID", namespaces=ns).startswith("uuid:")  # type: ignore[union-attr]
    assert packet == xmp_packet(Identity("A <Title> & more", "An Author", "D:20261127000000Z", "publish", "key"))


def test_the_output_profile_is_a_cmyk_output_profile(tmp_path: Path) -> None:
    profiles = find_profiles()
    require(profiles, "Ghostscript's ICC profiles (Debian's libgs-common)")
    assert profiles is not None
    assert profiles.cmyk[12:20] == b"prtrCMYK"
    assert profiles.rgb[16:20] == b"RGB "
    assert "CMYK" in profiles.condition == profile_description(profiles.cmyk)
    # A folder holding only display profiles gives none: PDF/X needs an output profile.
    (tmp_path / "default_cmyk.icc").write_bytes(profiles.rgb)
    (tmp_path / "srgb.icc").write_bytes(profiles.rgb)
    assert find_profiles([tmp_path]) is None


def test_the_command_line_names_the_printers() -> None:
    parser = build_parser()
    args = parser.parse_args(["pdf", "--printer", "ingramspark", "--bleed", "none"])
    assert (chosen_printer(args), args.bleed) == ("ingramspark", "none")
    assert chosen_printer(parser.parse_args(["pdf", "--variant", "print"])) == "kdp"
    assert chosen_printer(parser.parse_args(["build", "--printer", "offset"])) == "offset"
    assert chosen_printer(parser.parse_args(["pdf"])) is None
    with pytest.raises(SystemExit):
        parser.parse_args(["pdf", "--printer", "inkjet"])
