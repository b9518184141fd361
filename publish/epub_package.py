"""The EPUB package: metadata, manifest, spine, navigation (nav and NCX) and the zip container.

Takes the rendered pages and media; returns the EPUB's bytes. The one design decision: the zip is
written here with ``zipfile`` rather than by ebooklib, because a reproducible EPUB needs what
ebooklib does not give: ``mimetype`` first and stored, a fixed entry order, fixed timestamps and
permissions, and every file (the package document included) from templates we control.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

from lxml import etree

from publish.assemble import styles_dir, template_environment
from publish.diagnostics import PublishError, error
from publish.epub_media import Media, Resource
from publish.epub_pages import Pages, TocEntry
from publish.epub_xhtml import Source, add_epub_types, parse_page, serialize
from publish.model import Book

CONTENT_DIR = "EPUB"
MIMETYPE = b"application/epub+zip"
_NCX_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


@dataclass(frozen=True)
class Access:
    """schema.org accessibility metadata, each value true of this book (EPUB Accessibility 1.1)."""

    modes: tuple[str, ...]
    sufficient: tuple[str, ...]
    features: tuple[str, ...]
    hazards: tuple[str, ...]
    summary: str


@dataclass(frozen=True)
class NcxPoint:
    order: int
    title: str
    href: str
    children: tuple[NcxPoint, ...]


def package_epub(book: Book, pages: Pages, media: Media) -> bytes:
    """The whole EPUB as bytes; the same book always gives the same bytes."""
    env = template_environment()
    config = book.config
    common = {"lang": config.language, "rtl": pages.rtl, "labels": pages.labels, "config": config}
    nav_text = env.get_template("epub/nav.xhtml").render(
        **common, title=pages.labels.contents, toc=pages.toc, landmarks=pages.landmarks)
    nav = parse_page(nav_text, Source("nav.xhtml"), "nav.xhtml").getroot()
    add_epub_types(nav)
    points, depth = _ncx_points(pages.toc)
    ncx = env.get_template("epub/toc.ncx").render(**common, points=points, depth=depth)
    css = Resource("css/epub.css", "text/css", (styles_dir() / "epub.css").read_bytes())
    resources = [css, *media.fonts, media.cover, *media.images]
    items = [{"id": "nav", "href": "nav.xhtml", "media_type": "application/xhtml+xml", "properties": "nav"},
             {"id": "ncx", "href": "toc.ncx", "media_type": "application/x-dtbncx+xml", "properties": ""}]
    items += [{"id": _item_id(page.name), "href": page.name, "media_type": "application/xhtml+xml",
               "properties": ""} for page in pages.pages]
    items += [{"id": _resource_id(resource, index), "href": resource.path, "media_type": resource.media_type,
               "properties": resource.properties} for index, resource in enumerate(resources)]
    spine = [(_item_id(page.name), page.linear) for page in pages.pages]
    opf = env.get_template("epub/package.opf").render(
        **common, items=items, spine=spine, modified=_modified(config.date), access=accessibility(book, media))
    container = env.get_template("epub/container.xml").render(package_path=f"{CONTENT_DIR}/package.opf")

    entries = [("META-INF/container.xml", _checked_xml(container, "container.xml")),
               (f"{CONTENT_DIR}/package.opf", _checked_xml(opf, "package.opf")),
               (f"{CONTENT_DIR}/nav.xhtml", serialize(etree.ElementTree(nav))),
               (f"{CONTENT_DIR}/toc.ncx", _checked_xml(ncx, "toc.ncx"))]
    entries += [(f"{CONTENT_DIR}/{page.name}", serialize(etree.ElementTree(page.root))) for page in pages.pages]
    entries += [(f"{CONTENT_DIR}/{resource.path}", resource.data) for resource in resources]
    return zip_entries(entries, _zip_time(config.date))


def accessibility(book: Book, media: Media) -> Access:
    """What a reader needs to know before buying: the book is text, with text for every picture."""
    images = sum(len(chapter.images) for chapter in book.chapters)
    notes = len(book.notes)
    sufficient = ("textual", "textual,visual") if media.all_alt else ("textual,visual",)
    features = ["structuralNavigation", "tableOfContents", "readingOrder", "displayTransformability", "ARIA"]
    if media.all_alt:
        features.append("alternativeText")
    if not images:
        pictures = " The cover has a text alternative."
    elif media.all_alt:
        pictures = f" Its {images} image{'s' if images != 1 else ''} and the cover have text alternatives."
    else:
        pictures = " The cover has a text alternative; some images do not."
    summary = ("A reflowable text with a table of contents that lists every chapter and section heading."
               f"{pictures}"
               + (f" Its {notes} endnotes are linked from the text and back." if notes else "")
               + " Font size, margins and colours follow the reader's settings. No flashing, motion or sound.")
    return Access(modes=("textual", "visual"), sufficient=sufficient, features=tuple(features),
                  hazards=("noFlashingHazard", "noMotionSimulationHazard", "noSoundHazard"), summary=summary)


def zip_entries(entries: list[tuple[str, bytes]], when: tuple[int, int, int, int, int, int]) -> bytes:
    """An OCF zip: ``mimetype`` first, stored and without extra fields; then each entry as given."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(_info("mimetype", when, zipfile.ZIP_STORED), MIMETYPE)
        for name, data in entries:
            archive.writestr(_info(name, when, zipfile.ZIP_DEFLATED), data, compresslevel=9)
    return out.getvalue()


def _info(name: str, when: tuple[int, int, int, int, int, int], compression: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=when)
    info.compress_type = compression
    # Fixed "made on Unix, rw-r--r--": otherwise the host system would leak into the bytes.
    info.create_system = 3
    info.external_attr = 0o100644 << 16
    return info


def _ncx_points(toc: tuple[TocEntry, ...]) -> tuple[tuple[NcxPoint, ...], int]:
    counter = 0
    depth = 1

    def convert(entries: tuple[TocEntry, ...], level: int) -> tuple[NcxPoint, ...]:
        nonlocal counter, depth
        points = []
        depth = max(depth, level)
        for entry in entries:
            counter += 1
            order = counter
            points.append(NcxPoint(order, entry.title, entry.href, convert(entry.children, level + 1)))
        return tuple(points)

    return convert(toc, 1), depth


def _checked_xml(text: str, name: str) -> bytes:
    """Package files are parsed too: a template mistake must fail the build, not EPUBCheck."""
    try:
        etree.fromstring(text.encode("utf-8"), _NCX_PARSER)
    except etree.XMLSyntaxError as exc:
        raise PublishError([error(name, exc.lineno or 0, 0, "epub-xml", f"{name} is not well-formed: {exc.msg}")]) \
            from exc
    return text.encode("utf-8")


def _item_id(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", name.rsplit(".", 1)[0])


def _resource_id(resource: Resource, index: int) -> str:
    if "cover-image" in resource.properties:
        return "cover-image"  # the id the EPUB 2 <meta name="cover"> points at
    return f"{resource.path.split('/')[0]}-{index}"


def _modified(date: str) -> str:
    """``dcterms:modified`` from the book's date (never the clock), as EPUB's CCYY-MM-DDThh:mm:ssZ."""
    year, month, day = ([*date.split("-"), "01", "01"])[:3]
    return f"{year}-{month}-{day}T00:00:00Z"


def _zip_time(date: str) -> tuple[int, int, int, int, int, int]:
    year, month, day = (int(part) for part in ([*date.split("-"), "1", "1"])[:3])
    return (year, month, day, 0, 0, 0) if year >= 1980 else (1980, 1, 1, 0, 0, 0)
