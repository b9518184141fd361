"""The EPUB package, written by ebooklib: manifest, spine, navigation (nav and NCX) and metadata.

Takes the rendered pages and media; returns the EPUB's bytes. ebooklib builds the package document,
the navigation document (``toc`` with every sub-heading, and ``landmarks``), the NCX and the
container; our pages go in as the bytes we serialised, never re-parsed by ebooklib. What ebooklib
cannot express is added to its output afterwards, each piece with its reason (``_finish_opf``,
``_finish_ncx``), and ``epub.edition.ocf`` re-packs the result so that the same book gives the same bytes.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any
from xml.sax.saxutils import quoteattr

from ebooklib import epub
from lxml import etree

from publish.cache import Cache
from publish.config import CONFIG_NAME
from publish.diagnostics import PublishError, display_path, error
from publish.epub.fonts import characters_by_face, faces_used, subset_faces
from publish.epub.media import Media, key_line
from publish.epub.metadata import REPORT_PAGE, XML_LANG, Access, modified_time, set_metadata
from publish.epub.ocf import write_package, zip_entries, zip_time
from publish.epub.pages import Pages, TocEntry
from publish.epub.xhtml import EPUB_TYPE, XHTML, serialize
from publish.model import Book
from publish.paths import styles_dir

OPF = "http://www.idpf.org/2007/opf"
NCX = "http://www.daisy.org/z3986/2005/ncx/"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
# book.toml's key for each Dublin Core element, so that a field ebooklib dropped is named there.
_TOML_KEYS = {"identifier": "identifier", "title": "title", "creator": "author", "language": "language",
              "publisher": "publisher", "date": "date", "rights": "rights", "description": "description"}


class VerbatimPage(epub.EpubHtml):  # type: ignore[misc]  # ebooklib has no type stubs
    """An XHTML page that ebooklib writes exactly as we serialised it.

    ``EpubHtml.get_content`` re-parses the page as HTML and rebuilds its ``<head>`` from ebooklib's
    own template, dropping our title, charset and stylesheet link and the body's ``epub:type``.
    Staying an ``EpubHtml`` keeps ebooklib treating it as a document, with ``properties`` in the
    manifest; our pages need none, because ``sanitize`` removes the inline SVG, MathML and
    scripts that the ``svg``, ``mathml`` and ``scripted`` properties announce.
    """

    def get_content(self, default: bytes | None = None) -> bytes:
        return bytes(self.content)


def package_epub(book: Book, pages: Pages, media: Media, access: Access, page_list: Sequence[tuple[str, str]] = (),
                 cache: Cache | None = None, *, extra_files: Sequence[tuple[str, bytes]] = ()) -> bytes:
    """The whole EPUB as bytes; the same book always gives the same bytes. ``extra_files`` (a
    store's) go into the container beside ``META-INF/container.xml``."""
    config = book.config
    toml = display_path(book.root / CONFIG_NAME)
    ebook = epub.EpubBook()
    set_metadata(ebook, book, access)
    if pages.rtl:
        ebook.set_direction("rtl")
    # The NCX template is the root element ebooklib builds the NCX into: ebooklib's own, in the book's language.
    ncx_root = etree.fromstring(f'<ncx xmlns="{NCX}" version="2005-1"/>')
    ncx_root.set(XML_LANG, config.language)
    ebook.set_template("ncx", etree.tostring(ncx_root))

    nav = epub.EpubNav(title=pages.labels.contents, direction="rtl" if pages.rtl else None)
    nav.add_link(href="css/epub.css", rel="stylesheet", type="text/css")
    ebook.add_item(nav)
    ebook.add_item(epub.EpubNcx())
    spine = []
    for page in pages.pages:
        item = VerbatimPage(uid=_item_id(page.name), file_name=page.name, media_type="application/xhtml+xml",
                            title=page.title, content=serialize(etree.ElementTree(page.root)))
        ebook.add_item(item)
        spine.append((item, "yes" if page.linear else "no"))
    ebook.spine = spine
    # Only the faces the pages use; each is cut down to its characters once the navigation
    # document, which ebooklib writes, is known too (below).
    fonts = faces_used(page.root for page in pages.pages)
    css = fonts.stylesheet((styles_dir() / "epub.css").read_text(encoding="utf-8"))
    ebook.add_item(epub.EpubItem(uid="css", file_name="css/epub.css", media_type="text/css",
                                 content=css.encode("utf-8")))
    for number, font in enumerate(fonts.resources({}), start=1):
        ebook.add_item(epub.EpubItem(uid=f"font-{number}", file_name=font.path, media_type=font.media_type,
                                     content=font.data))
    # set_cover marks the image cover-image in the manifest and adds the EPUB 2 <meta name="cover">
    # that Kobo and Kindle still read for the library thumbnail; the cover page is ours (create_page
    # off), since ebooklib's is non-linear, styled inline and labelled only "Cover".
    ebook.set_cover(media.cover.path, media.cover.data, create_page=False)
    for number, image in enumerate(media.images, start=1):
        ebook.add_item(epub.EpubImage(uid=f"image-{number}", file_name=image.path, media_type=image.media_type,
                                      content=image.data))

    ebook.toc = _toc(pages.toc, itertools.count(1))
    ebook.guide = [{"type": epub_type, "href": href, "title": label} for epub_type, href, label in pages.landmarks]
    modified = modified_time(config.stamp_date)
    options = {
        "mtime": modified,
        # The landmarks come from ebook.guide. ebooklib would also write them into an EPUB 2 OPF
        # <guide>, which EPUB 3 deprecates and whose type names differ (title-page, text).
        "epub2_guide": False, "epub3_landmark": True, "landmark_title": pages.labels.guide,
        # ebooklib's page-list collects every element with an id and an epub:type: all our
        # noterefs and notes would be listed as "pages". The book has no print page numbers.
        "epub3_pages": False,
        # NCX navPoints must carry playOrder (NCX 2005-1); ebooklib writes it only when asked.
        "play_order": {"enabled": True, "start_from": 1},
        "spine_direction": True, "package_direction": True,
    }
    entries = [(name, _finish_nav(data, page_list, pages.labels.page_list) if name.endswith("/nav.xhtml") else data)
               for name, data in write_package(ebook, options, toml)]
    nav = next(etree.fromstring(data, _PARSER) for name, data in entries if name.endswith("/nav.xhtml"))
    characters = characters_by_face([*(page.root for page in pages.pages), nav], fonts.faces)
    subsets = {f"EPUB/{font.path}": font.data for font in fonts.resources(subset_faces(characters, cache))}
    finished = []
    for name, data in entries:
        data = subsets.get(name, data)
        if name.endswith(".opf"):
            data = _finish_opf(data, ebook, config.language, book, toml, access)
        elif name.endswith(".ncx"):
            data = _finish_ncx(data, config.author)
        finished.append((name, data))
        if name == "META-INF/container.xml":
            finished += extra_files
    return zip_entries(finished, zip_time(modified))


def _toc(entries: tuple[TocEntry, ...], numbers: Iterator[int]) -> list[Any]:
    """ebooklib's toc: a heading with sub-headings is a (Section, children) pair, a leaf is a Link.

    A leaf must not be a pair: ebooklib would write an empty ``<ol/>``, which EPUB 3 nav forbids.
    """
    toc: list[Any] = []
    for entry in entries:
        if entry.children:
            toc.append((epub.Section(entry.title, entry.href), _toc(entry.children, numbers)))
        else:
            toc.append(epub.Link(entry.href, entry.title, f"navpoint-{next(numbers)}"))
    return toc


def _finish_opf(data: bytes, ebook: Any, language: str, book: Book, toml: str, access: Access) -> bytes:
    """ebooklib's package document with ``xml:lang`` on ``<package>`` and the link to the
    accessibility report, once nothing is missing from it.

    ebooklib has no way to set ``xml:lang`` on the package element, which EPUB Accessibility asks
    for so that the title and summary are read in the right language, nor to write a ``<link>``.
    And when lxml refuses a value
    (a control character in the description), ebooklib logs it and writes the field empty or not at
    all: every field must come out as it went in, or the build stops.
    """
    tree = etree.ElementTree(etree.fromstring(data, _PARSER))
    root = tree.getroot()
    root.set(XML_LANG, language)
    metadata = root.find(f"{{{OPF}}}metadata")
    # dcterms:modified is the one element ebooklib writes from its options, not its metadata.
    written = Counter((etree.QName(el).localname, el.text or "") for el in ([] if metadata is None else metadata)
                      if el.get("property") != "dcterms:modified")
    wanted: Counter[tuple[str, str]] = Counter()
    for namespace, names in ebook.metadata.items():
        for name, values in names.items():
            # Dublin Core fields keep their names; everything else ebooklib writes as <meta>.
            tag = name if namespace == epub.NAMESPACES["DC"] else "meta"
            wanted.update((tag, value or "") for value, _ in values)
    missing = sorted(name for name, _ in (wanted - written).elements())
    if missing:
        keys = [_TOML_KEYS.get(name, name) for name in dict.fromkeys(missing)]
        raise PublishError([error(toml, key_line(book.root / CONFIG_NAME, key), 0, "epub-metadata",
                                  f"'{key}' holds a character XML cannot carry (a control character?), so "
                                  "ebooklib could not write it into the EPUB") for key in keys])
    # The certifier's report: the page the EPUB carries (in the spine, as a linked resource in the
    # container must be), or the address book.toml gives. Written as text: lxml would give the
    # element the "opf:" prefix ebooklib declares beside the default namespace.
    media_type = ' media-type="application/xhtml+xml"' if access.report == REPORT_PAGE else ""
    link = f'  <link rel="a11y:certifierReport" refines="#certifier" href={quoteattr(access.report)}{media_type}/>\n'
    serialized = _xml(tree)
    at = serialized.rindex(b"\n  </metadata>") + 1
    return serialized[:at] + b"  " + link.encode("utf-8") + serialized[at:]


def _finish_nav(data: bytes, page_list: Sequence[tuple[str, str]], title: str) -> bytes:
    """ebooklib's navigation document with the print edition's pages listed (``page-list``).

    ebooklib's own page list gathers every element that has an id and an ``epub:type``: it would
    list each note and note reference as a page. The list is hidden: reading systems offer it as
    "go to page", not as a page of the book.
    """
    if not page_list:
        return data
    tree = etree.ElementTree(etree.fromstring(data, _PARSER))
    body = tree.getroot().find(f"{{{XHTML}}}body")
    if body is None:
        return data
    nav = etree.SubElement(body, f"{{{XHTML}}}nav", {EPUB_TYPE: "page-list", "role": "doc-pagelist",
                                                      "id": "page-list", "hidden": "hidden"})
    etree.SubElement(nav, f"{{{XHTML}}}h2").text = title
    listed = etree.SubElement(nav, f"{{{XHTML}}}ol")
    for folio, href in page_list:
        etree.SubElement(etree.SubElement(listed, f"{{{XHTML}}}li"), f"{{{XHTML}}}a", {"href": href}).text = folio
    return _xml(tree)


def _finish_ncx(data: bytes, author: str) -> bytes:
    """ebooklib's NCX with its ``dtb:depth`` set (it writes 0) and the author's ``docAuthor``.

    The NCX 2005-1 ``dtb:depth`` is the depth of the navMap; ``docAuthor`` must follow
    ``docTitle``, and ebooklib appends its elements after anything its template holds, so neither
    can come from the template.
    """
    tree = etree.ElementTree(etree.fromstring(data, _PARSER))
    root = tree.getroot()
    points = root.iter(f"{{{NCX}}}navPoint")
    depth = max((sum(1 for a in p.iterancestors(f"{{{NCX}}}navPoint")) + 1 for p in points), default=1)
    for meta in root.iterfind(f"{{{NCX}}}head/{{{NCX}}}meta[@name='dtb:depth']"):
        meta.set("content", str(depth))
    title = root.find(f"{{{NCX}}}docTitle")
    if title is not None:
        doc_author = etree.Element(f"{{{NCX}}}docAuthor")
        etree.SubElement(doc_author, f"{{{NCX}}}text").text = author
        doc_author.tail = title.tail
        title.addnext(doc_author)
    return _xml(tree)


def _xml(tree: etree._ElementTree) -> bytes:
    return etree.tostring(tree, encoding="utf-8", xml_declaration=True)


def _item_id(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", name.rsplit(".", 1)[0])
