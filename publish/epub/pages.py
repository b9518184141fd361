"""The EPUB's pages: cover, title page, copyright, contents, one file per chapter, notes, font licence.

Takes the ``Book`` and its packaged media; returns the pages in reading order as parsed XHTML trees
(with ``epub:type`` added and every internal link landed) and the warnings met. Pages are Jinja2
templates under ``styles/templates/epub``; the model's fragments go in as they are and only their
hrefs change: ``#note-12`` becomes ``notes.xhtml#note-12`` when the note lives in another file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from markupsafe import Markup, escape

from publish import __version__
from publish.assemble import collect_ids, point_hrefs, template_environment
from publish.config import SELF_DECLARED
from publish.diagnostics import Diagnostic, PublishError, display_path, error
from publish.epub.media import Media, font_licence
from publish.epub.metadata import CONFORMANCE, REPORT_PAGE, Access
from publish.epub.xhtml import XHTML, Source, add_epub_types, conform, land_links, parse_page
from publish.imprint import imprint_lines
from publish.labels import Labels
from publish.model import Book, Chapter, Heading, Note
from publish.paths import DESIGNERS, TYPEFACE

NOTES_FILE = "notes.xhtml"
ACCESSIBILITY_TITLE = "Accessibility"
"""The report page is in English, as its summary is, whatever the book's language."""
RTL_LANGUAGES = frozenset({"ar", "arc", "dv", "fa", "ha", "he", "khw", "ks", "ku", "ps", "ur", "yi"})


@dataclass(frozen=True)
class Page:
    name: str
    """File name inside the package, e.g. ``ch03.xhtml``."""
    title: str
    root: etree._Element
    linear: bool = True


@dataclass(frozen=True)
class TocEntry:
    title: str
    href: str
    children: tuple[TocEntry, ...] = ()


@dataclass(frozen=True)
class Pages:
    pages: tuple[Page, ...]
    toc: tuple[TocEntry, ...]
    """Chapters with their sub-headings, then the notes: the navigation document's ``toc``."""
    landmarks: tuple[tuple[str, str, str], ...]
    """(epub:type, href, label) for the navigation document's ``landmarks``."""
    labels: Labels
    rtl: bool
    problems: tuple[Diagnostic, ...] = field(default=())


def chapter_file(chapter: Chapter) -> str:
    return f"{chapter.id}.xhtml"


@dataclass(frozen=True)
class _Draft:
    """A page as filled-in template text, before it is parsed."""

    name: str
    title: str
    text: str
    linear: bool
    source: Source


def render_pages(book: Book, media: Media, access: Access) -> Pages:
    """Every page of the EPUB in reading order; raises ``PublishError`` for a page that cannot be made."""
    missing = [error(display_path(c.path), 1, 1, "no-title", "the chapter has no level-1 title; start the "
                     "file with '# Title'") for c in book.chapters if not c.title.strip()]
    if missing:
        raise PublishError(missing)
    labels = book.config.labels
    rtl = book.config.language.split("-")[0].lower() in RTL_LANGUAGES
    book_notes = book.config.notes == "book" and bool(book.notes)
    problems: list[Diagnostic] = []
    pages: list[Page] = []
    drafts = _fill_templates(book, media, access, labels, rtl, NOTES_FILE if book_notes else "")
    for draft in drafts:
        root = parse_page(draft.text, draft.source, draft.name).getroot()
        _place_images(root, media)
        body = root.find(f"{{{XHTML}}}body")
        if body is not None:  # the template's head is ours; only the body holds the author's markup
            problems += conform(body, draft.source)
        add_epub_types(root)
        pages.append(Page(name=draft.name, title=draft.title, root=root, linear=draft.linear))
    problems += land_links({page.name: page.root for page in pages}, {d.name: d.source for d in drafts})
    return Pages(pages=tuple(pages), toc=_toc(book, labels, NOTES_FILE if book_notes else ""),
                 landmarks=_landmarks(book, labels, book_notes), labels=labels, rtl=rtl, problems=tuple(problems))


def _fill_templates(book: Book, media: Media, access: Access, labels: Labels, rtl: bool,
                    notes_file: str) -> list[_Draft]:
    """Each page's template filled in; ``notes_file`` is empty when notes end each chapter."""
    config = book.config
    env = template_environment()
    id_files = _id_files(book, notes_file)
    common: dict[str, Any] = {"lang": config.language, "rtl": rtl, "labels": labels, "config": config}
    book_source = Source(display_path(book.root / "book.toml"))
    drafts: list[_Draft] = []

    def add(name: str, template: str, title: str, *, linear: bool = True, source: Source = book_source,
            **values: Any) -> None:
        text = env.get_template(f"epub/{template}").render(**common, title=title, **values)
        drafts.append(_Draft(name, title, text, linear, source))

    def notes_html(chapter: Chapter, current: str) -> Markup:
        items = "\n".join(note_item(note, labels, display_path(chapter.path)) for note in chapter.notes)
        return Markup(point_hrefs(items, id_files, current))

    add("cover.xhtml", "cover.xhtml", labels.cover, src=media.cover.path,
        alt=labels.cover_alt.format(title=config.title, author=config.author))
    add("titlepage.xhtml", "titlepage.xhtml", config.title)
    add("copyright.xhtml", "copyright.xhtml", labels.copyright, imprint=imprint_lines(config),
        colophon=_colophon(labels))
    entries = [(c.title, chapter_file(c)) for c in book.chapters]
    if notes_file:
        entries.append((labels.notes, notes_file))
    add("contents.xhtml", "contents.xhtml", labels.contents, entries=entries)
    for chapter in book.chapters:
        name = chapter_file(chapter)
        add(name, "chapter.xhtml", chapter.title, source=Source(display_path(chapter.path), chapter.source),
            chapter=chapter,
            title_html=Markup(point_hrefs(chapter.title_html, id_files, name)),
            body_html=Markup(point_hrefs(chapter.html, id_files, name)),
            notes_html=Markup() if notes_file else notes_html(chapter, name),
            notes_start=chapter.notes[0].number if chapter.notes else 1)
    if notes_file:
        add(notes_file, "notes.xhtml", labels.notes,
            groups=[(c, notes_html(c, notes_file)) for c in book.chapters if c.notes])
    add("font-licence.xhtml", "font-licence.xhtml", labels.licence_title, linear=False, text=font_licence())
    add(REPORT_PAGE, "accessibility.xhtml", ACCESSIBILITY_TITLE, linear=False, access=access,
        conformance=CONFORMANCE.replace(" - ", ", "), version=__version__,
        self_declared=access.credential == SELF_DECLARED)
    return drafts


def note_item(note: Note, labels: Labels, shown: str) -> str:
    """One endnote as an ``<li>``: the number links back to the first reference, and ↑2, ↑3… to the others.

    The number leads the first paragraph and the id sits on the note itself, the shape Kindle's
    pop-up detection needs (a note that starts with a link back to its reference, as Standard
    Ebooks' Kindle build arranges them); Apple Books and Kobo key on ``epub:type="endnote"``.
    """
    try:
        item = etree.fromstring(f"<li>{note.html}</li>")
    except etree.XMLSyntaxError as exc:
        raise PublishError([error(shown, note.line, 1, "epub-xml",
                                  f"note [^{note.label}] is not well-formed XML: {exc.msg}")]) from exc
    item.attrib.update({"id": note.id, "class": "note"})
    for para in item.findall("p"):
        # Python-Markdown leaves an empty <p/> where it put the backlink after a list or quote.
        if not len(para) and not (para.text or "").strip():
            item.remove(para)
    first = item[0] if len(item) and item[0].tag == "p" and not (item.text or "").strip() else None
    if first is None:
        first = etree.Element("p")
        first.text, item.text = (item.text or "").strip() or None, None
        item.insert(0, first)
    if note.ref_ids:
        number = etree.Element("a", {"href": f"#{note.ref_ids[0]}", "class": "note-number", "role": "doc-backlink"})
    else:  # a note nothing cites (a warning): there is nowhere to go back to
        number = etree.Element("span", {"class": "note-number"})
    number.text = f"{note.number}."
    number.tail = " " + (first.text or "").lstrip() if first.text or len(first) else None
    first.text = None
    first.insert(0, number)
    if len(note.ref_ids) <= 1:
        return etree.tostring(item, encoding="unicode")
    last = item[-1] if item[-1].tag == "p" else etree.SubElement(item, "p")
    for index, ref_id in enumerate(note.ref_ids[1:], start=2):
        back = etree.SubElement(last, "a", {"href": f"#{ref_id}", "class": "backlink", "role": "doc-backlink",
                                            "aria-label": labels.back_to_reference.format(n=index)})
        back.text = f"↑{index}"
        previous = back.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + " "
        else:
            last.text = (last.text or "") + " "
    return etree.tostring(item, encoding="unicode")


def _id_files(book: Book, notes_file: str) -> dict[str, str]:
    """Which file holds each book-wide id: the chapter's own, or the notes file for the notes."""
    id_files: dict[str, str] = {}
    for chapter in book.chapters:
        name = chapter_file(chapter)
        for found in [chapter.id, *collect_ids(chapter.title_html), *collect_ids(chapter.html)]:
            id_files.setdefault(found, name)
        for note in chapter.notes:
            id_files[note.id] = notes_file or name
    return id_files


def _place_images(root: etree._Element, media: Media) -> None:
    """Point each image at its packaged file; an image that could not be packaged shows its alt text."""
    for img in list(root.iter(f"{{{XHTML}}}img")):
        if img.get("class") == "cover":
            continue
        packaged = media.image_paths.get(img.get("src", ""))
        if packaged:
            img.set("src", packaged)
            continue
        span = etree.Element(f"{{{XHTML}}}span", {"class": "image-alt"})
        span.text, span.tail = img.get("alt") or "", img.tail
        parent = img.getparent()
        if parent is not None:
            parent.replace(img, span)


def _toc(book: Book, labels: Labels, notes_file: str) -> tuple[TocEntry, ...]:
    entries = [TocEntry(c.title, chapter_file(c), _nest(chapter_file(c), c.headings)) for c in book.chapters]
    if notes_file:
        entries.append(TocEntry(labels.notes, notes_file))
    return tuple(entries)


def _nest(name: str, headings: tuple[Heading, ...]) -> tuple[TocEntry, ...]:
    """Headings as a tree: each one under the nearest earlier heading of a higher level."""
    top: list[dict[str, Any]] = []
    stack: list[tuple[int, list[dict[str, Any]]]] = [(1, top)]
    for heading in headings:
        if not heading.text.strip():
            continue  # a navigation entry needs text (EPUB 3 nav rules)
        node: dict[str, Any] = {"title": heading.text, "href": f"{name}#{heading.id}", "children": []}
        while stack[-1][0] >= heading.level:
            stack.pop()
        stack[-1][1].append(node)
        stack.append((heading.level, node["children"]))

    def freeze(nodes: list[dict[str, Any]]) -> tuple[TocEntry, ...]:
        return tuple(TocEntry(n["title"], n["href"], freeze(n["children"])) for n in nodes)

    return freeze(top)


def _landmarks(book: Book, labels: Labels, book_notes: bool) -> tuple[tuple[str, str, str], ...]:
    marks = [("cover", "cover.xhtml", labels.cover), ("titlepage", "titlepage.xhtml", labels.title_page),
             ("copyright-page", "copyright.xhtml", labels.copyright), ("toc", "contents.xhtml", labels.contents),
             ("bodymatter", chapter_file(book.chapters[0]), labels.start)]
    if book_notes:
        marks.append(("endnotes", NOTES_FILE, labels.notes))
    else:
        first = next((c for c in book.chapters if c.notes), None)
        if first is not None:
            marks.append(("endnotes", f"{chapter_file(first)}#notes-{first.id}", labels.notes))
    return tuple(marks)


def _colophon(labels: Labels) -> Markup:
    before, _, after = labels.licence.partition("{licence}")
    link = Markup('<a href="font-licence.xhtml">{}</a>').format(labels.licence_title)
    return (escape(labels.colophon.format(font=TYPEFACE, designers=DESIGNERS)) + Markup(" ")
            + escape(before) + link + escape(after))
