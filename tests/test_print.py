"""`publish pdf --printer NAME`: whole books built for each printer, read back with pypdf and Poppler.

The default book is built once per preset (sharing one cache, so the parts are laid out once);
tests/data/print-art holds a full-page picture that bleeds, tests/data/print-defects every fault
the preflight finds. No PDF/X validator can be installed from the package registries this
project reaches (veraPDF is on Maven Central and checks PDF/A and PDF/UA, not PDF/X), so the
PDF/X-4 structure is checked here, key by key, against what ISO 15930-7 asks.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import require
from lxml import etree
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject

from publish.build import build_pdf
from publish.cache import Cache
from publish.diagnostics import Diagnostic, PublishError, Severity
from publish.pdf.pdfx import find_profiles
from publish.pdf.preflight import unembedded_fonts
from publish.pdf.printers import PRINTERS, find_printer

pytestmark = pytest.mark.slow  # whole books laid out by WeasyPrint

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
MANUSCRIPT = ROOT / "manuscript"
PT = 72.0


def needs_profiles() -> None:
    require(find_profiles(), "Ghostscript's ICC profiles (Debian's libgs-common)")


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Cache:
    return Cache(tmp_path_factory.mktemp("cache"))


Books = dict[str, tuple[Path, list[Diagnostic]]]


@pytest.fixture(scope="module")
def default_books(tmp_path_factory: pytest.TempPathFactory, cache: Cache) -> Books:
    if not (MANUSCRIPT / "book.toml").is_file():
        pytest.skip("the default book (manuscript/) is not in this checkout")
    folder = tmp_path_factory.mktemp("print")
    built = {}
    for name in (*PRINTERS, "digital"):
        target, found = build_pdf(MANUSCRIPT, folder / f"{name}.pdf", printer=None if name == "digital" else name,
                                  cache=cache)
        built[name] = (target, found)
    return built


def boxes(page: object) -> tuple[tuple[float, ...], ...]:
    return tuple(tuple(round(float(v), 2) for v in getattr(page, box)) for box in ("mediabox", "trimbox", "bleedbox"))


@pytest.mark.parametrize("name", sorted(PRINTERS))
def test_the_default_book_has_its_printers_geometry_on_every_page(default_books: Books, name: str) -> None:
    reader = PdfReader(default_books[name][0])
    printer = find_printer(name)
    # A text-only book: no bleed (--bleed auto), and no marks but the offset printer's.
    band = printer.marks_in * PT
    for index, page in enumerate(reader.pages):
        assert "/TrimBox" in page and "/BleedBox" in page, index
        media, trim, bleed = boxes(page)
        assert trim == tuple(round(v, 2) for v in (band, band, band + 432, band + 648)), index
        assert bleed == trim, index
        assert media == (0, 0, round(432 + 2 * band, 2), round(648 + 2 * band, 2)), index
        assert "/Annots" not in page


@pytest.mark.parametrize("name", sorted(PRINTERS))
def test_the_default_book_passes_each_preflight_and_is_pdfx_4(default_books: Books, name: str) -> None:
    needs_profiles()
    path, found = default_books[name]
    # The fitting pass's notes say what it did; nothing the printer or the reader must act on.
    assert [d.format() for d in found
            if d.code.startswith(("preflight-", "layout-")) and d.severity is not Severity.NOTE] == []
    check_pdfx_4(path.read_bytes())


def check_pdfx_4(data: bytes) -> None:
    """What ISO 15930-7 (PDF/X-4) asks of the file, key by key."""
    assert data.startswith(b"%PDF-1.6")
    reader = PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]
    [intent] = [ref.get_object() for ref in root["/OutputIntents"]]
    assert intent["/S"] == "/GTS_PDFX" and intent["/OutputConditionIdentifier"]
    profile = intent["/DestOutputProfile"].get_object()
    assert profile["/N"] == 4 and profile.get_data()[12:20] == b"prtrCMYK"
    info = reader.trailer["/Info"].get_object()
    assert info["/GTS_PDFXVersion"] == "PDF/X-4" and info["/Trapped"] == "/False" and info["/Title"]
    assert len(reader.trailer["/ID"]) == 2
    xmp = root["/Metadata"].get_object()
    assert "/Filter" not in xmp and xmp["/Subtype"] == "/XML"
    packet = xmp.get_data().decode("utf-8")
    body = etree.fromstring(packet.split("?>", 1)[1].rsplit("<?xpacket", 1)[0].encode())
    text = {el.tag.split("}")[1]: el.text for el in body.iter() if isinstance(el.tag, str) and el.text
            and el.text.strip()}
    assert text["GTS_PDFXVersion"] == "PDF/X-4" and text["Trapped"] == "False"
    assert text["DocumentID"].startswith("uuid:") and text["VersionID"] and text["RenditionClass"] == "default"
    created = info["/CreationDate"]  # D:YYYYMMDDhhmmssZ, the book's date, also in the XMP
    assert text["CreateDate"] == f"{created[2:6]}-{created[6:8]}-{created[8:10]}T{created[10:12]}:" \
                                 f"{created[12:14]}:{created[14:16]}Z"
    assert unembedded_fonts(data) == []
    for page in reader.pages:
        trim, bleed, media = page.trimbox, page.bleedbox, page.mediabox
        assert float(media.left) <= float(bleed.left) <= float(trim.left)
        assert float(trim.right) <= float(bleed.right) <= float(media.right)
        content = page.get_contents()
        drawn = content.get_data() if content is not None else b""
        # No device RGB against a CMYK output intent: WeasyPrint's colours are set as ink.
        assert not re.search(rb"(^|\n)[\d. ]+ (rg|RG)\n", drawn)
        for xobject in (page["/Resources"].get("/XObject") or {}).values():
            image = xobject.get_object()
            if image.get("/Subtype") == "/Image":
                assert image.get("/ColorSpace") != "/DeviceRGB"


def test_the_digital_edition_has_no_press(default_books: Books) -> None:
    reader = PdfReader(default_books["digital"][0])
    assert "/OutputIntents" not in reader.trailer["/Root"]
    assert all(boxes(page)[0] == (0, 0, 432, 648) for page in reader.pages)
    assert not [d for d in default_books["digital"][1] if d.code.startswith("preflight-")]


def test_offset_draws_marks_and_a_slug_outside_the_trim(default_books: Books, tmp_path: Path) -> None:
    path = default_books["offset"][0]
    reader = PdfReader(path)
    page = reader.pages[20]
    spaces = page["/Resources"]["/ColorSpace"]
    registration = spaces["/PublishRegistration"]
    assert registration[0] == "/Separation" and registration[1] == "/All"
    trim = page.trimbox
    slug: list[tuple[str, float]] = []

    def visit(text: str, cm: list[float], tm: list[float], _font: object, _size: float) -> None:
        if "page" in text:
            slug.append((text, tm[5] * cm[3] + cm[5]))

    page.extract_text(visitor_text=visit)
    [(text, y)] = [(t, y) for t, y in slug if "Belarus" in t]
    assert re.search(r"page 15 \(21 of \d+\) · 27 November 2026", text), text
    assert y < float(trim.bottom)  # below the trim, where it is cut off
    # Poppler renders the marks: ink in the corner band beyond the bleed, none elsewhere off the page.
    require(shutil.which("pdftoppm"), "pdftoppm (poppler-utils)")
    subprocess.run(["pdftoppm", "-png", "-r", "72", "-f", "21", "-l", "21", str(path), str(tmp_path / "p")],
                   check=True)
    image = Image.open(next(tmp_path.glob("p-*.png"))).convert("L")
    height = image.height
    left, bottom = float(trim.left), float(trim.bottom)
    # The crop mark on the bottom-left corner's vertical trim line, past the bleed.
    column = [image.getpixel((round(left), height - round(bottom) + dy)) for dy in range(10, 20)]
    assert min(column) < 128


def test_the_print_variant_is_the_kdp_preset(tmp_path: Path) -> None:
    needs_profiles()
    variant, _ = build_pdf(DATA / "pdf-links", tmp_path / "v.pdf", variant="print")
    preset, _ = build_pdf(DATA / "pdf-links", tmp_path / "k.pdf", printer="kdp")
    assert variant.read_bytes() == preset.read_bytes()
    assert all("/Annots" not in page for page in PdfReader(variant).pages)


def test_a_full_page_picture_bleeds_on_the_edges_each_printer_names(tmp_path: Path) -> None:
    needs_profiles()
    trim = (360.0, 576.0)  # 5 x 8 in
    for name, width in (("kdp", 369.0), ("lulu", 378.0)):
        target, found = build_pdf(DATA / "print-art", tmp_path / f"{name}.pdf", printer=name)
        reader = PdfReader(target)
        assert not [d for d in found if d.code in ("preflight-bleed", "preflight-resolution", "layout-clipped")]
        for index, page in enumerate(reader.pages):
            media, trimbox, bleed = boxes(page)
            assert media == (0, 0, width, 594.0), (name, index)
            assert trimbox[2] - trimbox[0] == trim[0] and bleed == media
            if name == "kdp":
                # No bleed on the gutter: a recto's trim starts at the sheet's left edge.
                assert trimbox[0] == (0.0 if index % 2 == 0 else 9.0)
        check_pdfx_4(target.read_bytes())
    # The plate covers its page's bleed: the sheet's corners are grey, not paper.
    require(shutil.which("pdftoppm"), "pdftoppm (poppler-utils)")
    # The plate's page is the one that draws a picture (the pages of a part share their resources).
    plate = next(i for i, page in enumerate(PdfReader(tmp_path / "kdp.pdf").pages)
                 if re.search(rb"/i\w+ Do", page.get_contents().get_data()))  # type: ignore[union-attr]
    subprocess.run(["pdftoppm", "-png", "-r", "36", "-f", str(plate + 1), "-l", str(plate + 1),
                    str(tmp_path / "kdp.pdf"), str(tmp_path / "plate")], check=True)
    image = Image.open(next(tmp_path.glob("plate-*.png"))).convert("L")
    for corner in ((0, 0), (image.width - 1, 0), (0, image.height - 1), (image.width - 1, image.height - 1)):
        assert image.getpixel(corner) < 200, corner


def test_bleed_none_keeps_the_trim_and_says_what_it_costs(tmp_path: Path) -> None:
    target, found = build_pdf(DATA / "print-art", tmp_path / "n.pdf", printer="kdp", bleed="none")
    assert all(boxes(page)[0] == (0, 0, 360, 576) for page in PdfReader(target).pages)
    [warning] = [d for d in found if d.code == "preflight-bleed"]
    assert (Path(warning.path).name, warning.line) == ("01-one.md", 5)
    assert "without bleed" in warning.message


def test_gutter_auto_widens_the_inside_margin_to_the_printers_least(tmp_path: Path) -> None:
    book = tmp_path / "book"
    shutil.copytree(DATA / "print-art", book)
    # 5 x 8 in sets a 0.675 in inside margin; Lulu asks for 0.7 in.
    _, found = build_pdf(book, tmp_path / "own.pdf", printer="lulu")
    [short] = [d for d in found if d.code == "preflight-gutter"]
    assert "0.675 in" in short.message and "0.7 in" in short.message
    config = book / "book.toml"
    config.write_text(config.read_text(encoding="utf-8") + 'gutter = "auto"\n', encoding="utf-8")
    target, found = build_pdf(book, tmp_path / "auto.pdf", printer="lulu")
    assert not [d for d in found if d.code == "preflight-gutter"]
    reader = PdfReader(target)
    opener = next(i for i, page in enumerate(reader.pages) if "A paragraph before" in page.extract_text())
    assert opener % 2 == 0  # a recto: its inside margin is on the left
    xs: list[float] = []

    def visit(text: str, cm: list[float], tm: list[float], _font: object, _size: float) -> None:
        if text.strip():
            xs.append(tm[4] * cm[0] + cm[4])

    reader.pages[opener].extract_text(visitor_text=visit)
    trim_left = float(reader.pages[opener].trimbox.left)
    assert min(xs) - trim_left >= 0.7 * PT - 0.5


def test_the_preflight_finds_every_fault_where_it_was_written(tmp_path: Path) -> None:
    _, found = build_pdf(DATA / "print-defects", tmp_path / "f.pdf", printer="kdp")
    seen = sorted({(d.code, Path(d.path).name, d.line) for d in found if d.code.startswith("preflight-")})
    expected = [
        ("preflight-bleed", "01-one.md", 12),  # a picture pushed off the page, not full-page art
        ("preflight-colour", "01-one.md", 8), ("preflight-colour", "01-one.md", 12),  # RGB pictures
        ("preflight-colour", "book.toml", 1),  # red text
        ("preflight-gutter", "book.toml", 6),  # gutter = "0.3in" < 0.375 in
        ("preflight-pages", "book.toml", 1),  # 8 pages < 24
        ("preflight-resolution", "01-one.md", 8), ("preflight-resolution", "01-one.md", 12),
    ]
    if find_profiles() is None:
        expected.append(("preflight-pdfx", "book.toml", 1))
    assert seen == sorted(expected)
    # --strict fails on any finding, and writes nothing.
    with pytest.raises(PublishError) as failed:
        build_pdf(DATA / "print-defects", tmp_path / "strict.pdf", printer="kdp", strict=True)
    assert any(d.code == "preflight-pages" for d in failed.value.diagnostics)
    assert not (tmp_path / "strict.pdf").exists()


def test_the_font_check_finds_a_font_without_its_file(tmp_path: Path) -> None:
    target, _ = build_pdf(DATA / "pdf-links", tmp_path / "l.pdf", printer="ingramspark")
    assert unembedded_fonts(target.read_bytes()) == []
    # The same file with one face's font program taken out.
    writer = PdfWriter(clone_from=PdfReader(target))
    font = next(iter(next(p for p in writer.pages if "/Font" in p["/Resources"])["/Resources"]["/Font"].values()))
    descriptor = font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
    del descriptor[NameObject("/FontFile2")]
    out = io.BytesIO()
    writer.write(out)
    [missing] = unembedded_fonts(out.getvalue())
    assert missing == str(font.get_object()["/BaseFont"]).lstrip("/")


def test_print_builds_are_byte_identical_with_and_without_the_cache(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    cached = Cache(tmp_path / "cache")
    first, _ = build_pdf(DATA / "print-art", tmp_path / "a.pdf", printer="offset", cache=cached)
    again, _ = build_pdf(DATA / "print-art", tmp_path / "b.pdf", printer="offset", cache=cached)
    plain, _ = build_pdf(DATA / "print-art", tmp_path / "c.pdf", printer="offset")
    assert first.read_bytes() == again.read_bytes() == plain.read_bytes()
