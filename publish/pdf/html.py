"""Print HTML: the book model → one HTML document per part of the print edition, and its page CSS.

Takes the ``Book`` and, for the parts laid out after the chapters, the page numbers found by
laying out the chapters; returns HTML strings and the CSS that sizes the page for the trim. Page
numbers enter only as literal text (contents, "p. N"), never as CSS counters, because each part is
laid out alone and no counter crosses from one part into another.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import unescape as html_unescape
from xml.sax.saxutils import escape as xml_escape

from lxml import etree, html
from markupsafe import Markup

from publish import typography
from publish.assemble import template_environment
from publish.config import BookConfig
from publish.imprint import imprint_lines, typeface_line
from publish.labels import ENGLISH, Labels
from publish.model import Book, Chapter, Note
from publish.pdf.hyphenation import hyphenation_language, keep_last_words, protect_compounds
from publish.pdf.printers import PRINTERS
from publish.render import inner_xml

WORD_SPACE_EM = -0.03
"""The book's word spacing, added to the face's 0.2 em space (0.17 em): justified lines stretch
less from a slightly tighter space, as a typesetter sets a book face (the default book's loose
lines: benchmarks/typesetting.py). ``pdf.fit`` moves it, within bounds, chapter by chapter."""
ART_OVERHANG_IN = max(printer.bleed_in for printer in PRINTERS.values())
"""How far a full-page picture (``{.bleed}``) reaches past the trim on every side: the widest
bleed any printer asks for. Pages are laid out at the trim for every edition; the join shows
the overhang as bleed where the printer wants it (``press``), and the trim hides it elsewhere."""

ZWSP, WORD_JOINER = "\u200b", "\u2060"
_URL_LINK = re.compile(r'(<(a|span) class="url"[^>]*>)(.*?)(</\2>)', re.DOTALL)
# A URL written without its scheme is plain text to the model; it must not be hyphenated either.
_SCHEMELESS_URL = re.compile(r'(?<![/\w.="\u200b>])www\.[^\s<>"]+?(?=[.,;:)\]»”’]*(?:\s|<|$))')
_URL_NO_BREAK_AFTER = re.compile(r"[-?!)\]}](?!<wbr)")
# A picture alone in its paragraph, marked {.bleed}: a page of its own, printed to the edges.
_BLEED_PICTURE = re.compile(r'<p>(<img\b[^<>]*\bclass="(?:[^"]* )?bleed(?: [^"]*)?"[^<>]*/?>)</p>')
_BARE_URL_LINK = re.compile(r'<a href="((?:https?|ftp)://[^"]+)">([^<]+)</a>')
# XML may close any element as <x/>; an HTML parser (WeasyPrint's) only knows that of void ones.
_SELF_CLOSED = re.compile(
    r"<(?!(?:area|base|br|col|embed|hr|img|input|link|meta|source|track|wbr)\b)([A-Za-z][\w:-]*)(\s[^<>]*?)?\s*/>")


@dataclass(frozen=True)
class ContentsEntry:
    kind: str
    """``chapter`` or ``back`` (the Notes)."""
    number: str
    title: str
    target: str
    page_room: str
    """Hidden figures as wide as the page number: the number is drawn over them (``Locator``)."""

    @property
    def title_start(self) -> str:
        """The title up to its last word, with the space after it."""
        return self.title[: len(self.title) - len(self.title_end)]

    @property
    def title_end(self) -> str:
        return self.title.rsplit(" ", 1)[-1]


@dataclass(frozen=True)
class Locator:
    """A page number drawn over the empty box laid out for it: a note's "p. 84" (``note``) or
    a contents entry's page (``contents``)."""

    left: float
    top: float
    """CSS px from the top-left corner of the page's text block."""
    text: str
    kind: str = "note"
    owner: str = ""
    """The id of the element whose box it fills (``locator-12``, ``toc-page-ch03``): the text is
    that element's in the book's structure tree; '' for none."""


@dataclass(frozen=True)
class Stamp:
    """What is drawn over one page once all page numbers are known."""

    folio: str
    head: str
    pad: bool = False
    """The blank page the join adds so that the next part opens on a right-hand page."""
    locators: tuple[Locator, ...] = ()


@dataclass(frozen=True)
class TypeScale:
    size_pt: float
    leading_pt: float
    inside_in: float
    outside_in: float
    top_in: float
    bottom_in: float


def choose_scale(trim: tuple[float, float], inside_in: float | None = None) -> TypeScale:
    """Type size, leading and margins for a trim: about 60-70 characters a line on every trim.
    ``inside_in`` overrides the inside margin (book.toml's ``gutter``)."""
    width, height = trim
    size = 11.0 if width >= 5.9 else 10.5 if width >= 5.4 else 10.0
    return TypeScale(
        size_pt=size,
        leading_pt=round(size * 1.32, 2),
        # The inside margin is wider: the binding eats into it.
        inside_in=round(inside_in if inside_in is not None else max(0.6, width * 0.135), 3),
        outside_in=round(max(0.45, width * 0.1), 3),
        top_in=round(height * 0.085, 3),
        bottom_in=round(height * 0.09, 3),
    )


def book_scale(config: BookConfig) -> TypeScale:
    """The scale of a book as book.toml sets it (a ``gutter = "auto"`` is sized by the edition)."""
    return choose_scale(config.trim, config.gutter_in)


def page_css(config: BookConfig, scale: TypeScale) -> str:
    """The @page rules that depend on the trim and margins; print.css holds the rest. Every
    edition lays out its pages at the trim: bleed and marks are the join's (``press``)."""
    width, height = config.trim
    # Margin boxes take the page's font size; running heads and folios are set smaller.
    head_size = round(scale.size_pt * 0.82, 2)
    over = ART_OVERHANG_IN
    return (
        f"@page {{ size: {width}in {height}in; bleed: 0; marks: none; font-size: {head_size}pt;"
        f" margin: {scale.top_in}in {scale.outside_in}in {scale.bottom_in}in {scale.inside_in}in; }}\n"
        f"@page :left {{ margin-left: {scale.outside_in}in; margin-right: {scale.inside_in}in; }}\n"
        f"@page :right {{ margin-left: {scale.inside_in}in; margin-right: {scale.outside_in}in; }}\n"
        f"html {{ font-size: {scale.size_pt}pt; line-height: {scale.leading_pt}pt; }}\n"
        f"body {{ word-spacing: {WORD_SPACE_EM}em; }}\n"
        # A sprite sheet sets folios and heads as its lines, at the size of the margin boxes.
        f".sprite-folio, .sprite-head {{ font-size: {head_size}pt; }}\n"
        # The title and copyright pages fill the text block: the imprint stands at its foot.
        f".title-page, .copyright {{ height: {round(height - scale.top_in - scale.bottom_in, 3)}in; }}\n"
        # A full-page picture covers the page and reaches past the trim by the widest bleed.
        f".bleed-page img.bleed {{ width: {round(width + 2 * over, 4)}in; height: {round(height + 2 * over, 4)}in;"
        f" margin: -{round(over, 4)}in 0 0 -{round(over, 4)}in; }}\n"
    )


def short_title(title: str, limit: int = 80) -> str:
    """A running-head title: the part before a colon when the whole is too long for one line."""
    text = " ".join(title.split())
    if len(text) > limit and ":" in text:
        text = text.split(":", 1)[0].strip()
    if len(text) > limit:
        cut = text[:limit].rsplit(" ", 1)[0]
        text = cut.rstrip(" ,;:–—-") + "…"
    return text


def book_short_title(title: str) -> str:
    """The book's title without its subtitle: half-title and left-hand running heads."""
    return short_title(title.split(":", 1)[0] if ":" in title else title, limit=48)


def title_parts(title: str, subtitle: str) -> tuple[str, str]:
    """The title and subtitle the title page sets apart: book.toml's subtitle, or else what a
    title written "Title: Subtitle" holds after its colon."""
    if subtitle or ":" not in title:
        return title, subtitle
    main, rest = title.split(":", 1)
    return (main.strip(), rest.strip()) if main.strip() and rest.strip() else (title, subtitle)


def front_html(book: Book, entries: Sequence[ContentsEntry]) -> str:
    config = book.config
    book_title, subtitle = title_parts(config.title, config.subtitle)
    return template_environment().get_template("print/front.html").render(
        language=hyphenation_language(config.language), title=config.title, short_title=book_short_title(config.title),
        book_title=book_title, subtitle=subtitle, author=config.author,
        publisher=config.publisher, imprint=imprint_lines(config), typeface=typeface_line(config),
        entries=entries, labels=config.labels,
    )


def chapter_html(book: Book, chapter: Chapter) -> str:
    """One chapter with its opener; notes follow it or sit at the foot of the page as configured."""
    placement = book.config.notes
    body = chapter.html
    title_html = chapter.title_html
    notes: list[dict[str, object]] = []
    if placement == "page":
        by_number = {note.number: note for note in chapter.notes}
        done: set[int] = set()
        title_html = _footnotes_inline(title_html, by_number, done)
        body = _footnotes_inline(body, by_number, done)
        left = [number for number in by_number if number not in done]
        if left:
            # Notes nothing cites (a warning) still print, at the foot of the chapter's last page.
            body += _footnotes_inline("<p class=\"uncited-notes\"></p>", by_number, done, uncited=left)
    elif placement == "chapter":
        notes = [{"number": note.number, "html": label_note(note, labels=book.config.labels)}
                 for note in chapter.notes]
    return template_environment().get_template("print/chapter.html").render(
        language=hyphenation_language(book.config.language), title=chapter.title, chapter_id=chapter.id,
        number=chapter.number, verso=book_short_title(book.config.title), recto=short_title(chapter.title),
        title_html=Markup(print_markup(title_html)), body_html=Markup(print_markup(widen_lists(body))), notes=notes,
        number_css=note_number_css(book), labels=book.config.labels,
    )


def notes_html(book: Book, digits: int) -> str:
    """The Notes section, each "p. N" an empty box wide enough for ``digits`` digits a page."""
    groups = []
    for chapter in book.chapters:
        if not chapter.notes:
            continue
        notes = [{"number": note.number, "html": label_note(note, digits, book.config.labels)}
                 for note in chapter.notes]
        groups.append({"chapter_id": chapter.id, "number": chapter.number,
                       "title": chapter.title, "notes": notes})
    labels = book.config.labels
    return template_environment().get_template("print/notes.html").render(
        language=hyphenation_language(book.config.language), title=labels.notes, groups=groups,
        number_css=note_number_css(book), labels=labels)


DIGIT_EM = 0.48
"""Advance of a tabular lining figure of the book's face (EB Garamond: 480 units of 1,000)."""
PERIOD_EM = 0.23
NUMBER_GAP_EM = 0.35


def note_number_css(book: Book) -> str:
    """The notes' number column, as wide as the book's widest note number: the numbers are set
    flush right in it, in tabular figures, so that their periods align and "1000." never runs
    into the "p. N" that follows it."""
    digits = len(str(max((note.number for note in book.notes), default=1)))
    width = round(max(digits, 2) * DIGIT_EM + PERIOD_EM + NUMBER_GAP_EM, 3)
    return (f".note, .chapter-notes .note {{ padding-left: {width}em; }}\n"
            f".note-number {{ width: {width}em; margin-left: -{width}em; padding-right: {NUMBER_GAP_EM}em; }}\n")


def widen_lists(fragment: str) -> str:
    """Numbered lists whose numbers reach three figures or more get the room their numbers need,
    so that "100." does not hang into the margin."""
    if "<ol" not in fragment:
        return fragment
    root = html.fragment_fromstring(fragment, create_parent="div")
    widened = False
    for ol in root.iter("ol"):
        start = ol.get("start", "1")
        first = int(start) if start.lstrip("-").isdigit() else 1
        count = sum(1 for child in ol if child.tag == "li")
        digits = max(len(str(abs(first))), len(str(abs(first + count - 1))))
        if digits >= 3:
            ol.set("style", f"padding-left: {round(digits * DIGIT_EM + PERIOD_EM + NUMBER_GAP_EM + 0.2, 3)}em")
            widened = True
    return inner_xml(root) if widened else fragment


def sheet_html(book: Book, stamps: Sequence[Stamp], blocks: Sequence[tuple[str, Sequence[str]]]) -> str:
    """Stamp pages (one per stamp), then a sprite sheet: one block of lines per kind of stamp."""
    return template_environment().get_template("print/sheet.html").render(
        language=hyphenation_language(book.config.language), title="Stamps", stamps=stamps, blocks=blocks)


def label_note(note: Note, digits: int = 0, labels: Labels | None = None) -> Markup:
    """The note's text with its number and "p. N" (linked back to the reference) run into it; with
    no ``digits``, no "p. N" (notes that end their chapter), and the number links back.

    The pages are not known when the Notes are laid out (the chapters are laid out beside them),
    so "p. N" is an empty box as wide as the widest text it can hold, ``p. 000`` or ``pp. 000,
    000`` in tabular figures, and the text is drawn over it afterwards (``Locator``): the Notes
    are laid out once, whatever pages the references fall on.
    """
    ref = note.ref_ids[0] if note.ref_ids else ""
    label = f'<span class="note-number">{note.number}.</span>'
    if ref and not digits:
        label = f'<a class="note-number" href="#{ref}">{note.number}.</a>'
    elif ref:
        # The number and its "p. N" are one label, never parted by a line break.
        label = (f'<span class="note-label">{label}<a class="note-page" id="{locator_id(note.number)}" '
                 f'href="#{ref}"><span class="locator-room">{locator_room(len(note.ref_ids), digits, labels)}'
                 '</span></a></span> ')
    content = print_markup(note.html).strip()
    if content.startswith("<p>"):
        return Markup(f"<p>{label}{content[3:]}")
    return Markup(f"<p>{label}</p>{content}")


def locator_id(number: int) -> str:
    return f"locator-{number}"


def contents_page_id(target: str) -> str:
    return f"toc-page-{target}"


def locator_room(references: int, digits: int, labels: Labels | None = None) -> str:
    """The widest "p. N" of a note with ``references`` references, in pages of ``digits`` digits."""
    return locator_text(["0" * digits] * references, labels, distinct=False)


def locator_text(pages: Sequence[str], labels: Labels | None = None, *, distinct: bool = True) -> str:
    """``p. 84``, or ``pp. 84, 86`` for a note referred to from several pages (in the labels'
    language: ``S. 84``, ``с. 84``)."""
    shown = list(dict.fromkeys(pages)) if distinct else list(pages)
    labels = labels or ENGLISH
    return (labels.pages if len(shown) > 1 else labels.page) + " " + ", ".join(shown)


def print_markup(fragment: str) -> str:
    """The model's XHTML made quick to lay out, with URLs breaking only where the model allows.

    Each ``<wbr/>`` is an element (with a generated box) to WeasyPrint, and a note with a long
    URL holds twenty: laying out the Notes took seconds. A zero-width space is the same break
    opportunity as plain text. Inside a URL a word joiner follows each "-" and "?", because
    Unicode line breaking would otherwise also allow a break after them, and a line ending in "-"
    reads as a hyphenated word; the model's break points put the break before them.
    """
    def fix_url(match: re.Match[str]) -> str:
        inner = _URL_NO_BREAK_AFTER.sub(lambda m: m.group() + WORD_JOINER, match.group(3))
        return match.group(1) + inner + match.group(4)

    # Only references with nothing between them get a separating comma ("127,128"); CSS's "+"
    # would also match two references with words between them.
    fragment = fragment.replace('</sup><sup class="noteref">', '</sup><sup class="noteref noteref-next">')
    fragment = _SELF_CLOSED.sub(lambda m: f"<{m.group(1)}{m.group(2) or ''}></{m.group(1)}>", fragment)
    fragment = _BLEED_PICTURE.sub(r'<div class="bleed-page">\1</div>', fragment)
    fragment = _BARE_URL_LINK.sub(_mark_url, fragment)
    fragment = _SCHEMELESS_URL.sub(
        lambda m: '<span class="url">' + "<wbr/>".join(typography.url_break_points(m.group())) + "</span>", fragment)
    fragment = _URL_LINK.sub(fix_url, fragment).replace("<wbr/>", ZWSP).replace("<wbr></wbr>", ZWSP)
    return keep_last_words(protect_compounds(fragment))


def _mark_url(match: re.Match[str]) -> str:
    """An autolink (``<https://…>``) shows its URL as text: give it the URL's break points too."""
    href, text = match.group(1), match.group(2)
    if html_unescape(text) != html_unescape(href):
        return match.group()
    pieces = typography.url_break_points(html_unescape(text))
    return f'<a class="url" href="{href}">' + "<wbr/>".join(xml_escape(piece) for piece in pieces) + "</a>"


def _footnotes_inline(fragment: str, notes: Mapping[int, Note], done: set[int],
                      uncited: Sequence[int] = ()) -> str:
    """Each first reference becomes the note itself, floated to the foot of the page by CSS.

    A note cited from another note's text follows that note, at the same place in the text, with
    no mark of its own there (its mark is in the note that cites it); ``uncited`` notes go into
    the fragment's first element the same way."""
    if "noteref" not in fragment and not uncited:
        return fragment
    root = html.fragment_fromstring(fragment, create_parent="div")

    def make(number: int, nested: bool) -> html.HtmlElement:
        note = html.fragment_fromstring(print_markup(notes[number].html), create_parent="span")
        note.set("class", "footnote footnote-nested" if nested else "footnote")
        note.set("id", f"note-{number}")
        note.set("data-number", str(number))
        for inner in note.iter():
            # A block inside the paragraph that cites the note would end that paragraph when the
            # HTML is parsed, and its words would fall out of the note: every block becomes a
            # span that print.css shows as the block it is.
            if isinstance(inner.tag, str) and inner is not note and inner.tag in _FOOTNOTE_BLOCKS:
                classes = f"fn-{inner.tag} {inner.get('class') or ''}".strip()
                if inner.tag != "pre" and inner.text is not None and not inner.text.strip():
                    inner.text = None
                if inner.tail is not None and not inner.tail.strip():
                    inner.tail = None  # a line break between two blocks would be a blank line
                inner.tag = "span"
                inner.set("class", classes)
        for code in note.iterfind(".//span[@class='fn-pre']/code"):
            if code.text and not len(code):
                code.text = code.text.rstrip("\n")
        return note

    def place(parent: html.HtmlElement, index: int, number: int, nested: bool) -> int:
        """Put note ``number`` and the notes first cited in it at ``index``; the next index."""
        done.add(number)
        note = make(number, nested)
        parent.insert(index, note)
        index += 1
        for inner in _first_references(note, notes, done):
            index = place(parent, index, inner, True)
        return index

    for sup in list(root.iter("sup")):
        if sup.get("class") != "noteref":
            continue
        link = sup.find("a")
        number = _reference_number(link)
        if link is None or number not in notes or number in done:
            continue
        anchor = etree.Element("a", {"id": link.get("id", ""), "class": "noteref-anchor"})
        parent = sup.getparent()
        index = parent.index(sup)
        tail = sup.tail
        parent.remove(sup)
        parent.insert(index, anchor)
        after = place(parent, index + 1, number, False)
        parent[after - 1].tail = tail
    if uncited and len(root):
        index = 0
        for number in uncited:
            if number not in done:
                index = place(root[0], index, number, True)
    return inner_xml(root)


_FOOTNOTE_BLOCKS = frozenset({
    "p", "ul", "ol", "li", "blockquote", "pre", "div", "figure", "figcaption", "section", "aside", "dl", "dt",
    "dd", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tfoot", "tr", "td", "th",
    "caption",
})


def _reference_number(link: html.HtmlElement | None) -> int:
    match = re.fullmatch(r"#note-(\d+)", link.get("href", "") if link is not None else "")
    return int(match.group(1)) if match else 0


def _first_references(note: html.HtmlElement, notes: Mapping[int, Note], done: set[int]) -> list[int]:
    """The notes a note's text cites that are not placed yet, in order."""
    found = []
    for sup in note.iter("sup"):
        number = _reference_number(sup.find("a")) if sup.get("class") == "noteref" else 0
        if number in notes and number not in done and number not in found:
            found.append(number)
    return found
