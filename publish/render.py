"""Render one chapter: Markdown source → title, body XHTML, headings, notes, images and the problems.

Takes a chapter's text, its place in the book and the number its first note gets; returns a
``Chapter`` and the diagnostics its source alone gives (notes undefined, defined twice or never
cited, open TK queries, a missing title, raw HTML removed). Python-Markdown decides what the
Markdown says (``markdown_notes`` is the one adapter over its footnotes); the output is then
reworked as an lxml tree so that ids, note numbers and links are book-wide and the markup is
well-formed XHTML whatever the input. Nothing here reads the disk, so a rendering can be cached
by its inputs; what depends on other files (images, links to other chapters) is ``check``'s.

Notes are numbered in reading order, as a reader who follows each reference meets them: a note
cited in another note's text comes right after the note that cites it; a note nothing cites comes
last, with a warning, so no word is lost.
"""

from __future__ import annotations

import bisect
import hashlib
import posixpath
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from lxml import etree, html

from publish import markdown_notes, sanitize, typography
from publish.diagnostics import Diagnostic, error, warning
from publish.model import Chapter, Heading, Image, Note, chapter_id, slugify

_ATX = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t#]*$")
_FENCE = re.compile(r"^(```|~~~)")
_CODE_FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)", re.DOTALL)
# Python-Markdown's reference pattern, and what makes one a definition: "]:" at the start of a
# line, after any block-quote or list markers.
_LABEL = re.compile(markdown_notes.REFERENCE + r"(:?)")
_TK = re.compile(r"\bTK\b")
_ID_UNSAFE = re.compile(r"[^\w.:-]+")
_NO_TYPOGRAPHY = {"code", "pre", "kbd", "samp", "script", "style"}
# Where a quotation cannot run on: a quote left open at a block's end is not carried into the next.
_BLOCKS = frozenset({
    "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre",
    "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption", "figure", "figcaption", "hr", "section",
    "aside", "header", "footer", "nav", "details", "summary", "address",
})
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
EXTENSIONS: list[str] = ["tables", "attr_list", "sane_lists"]
MAX_DEPTH = 48
"""How deeply a chapter's elements may nest (a list level is two: list and item). WeasyPrint
runs out of Python's stack at about 150 (75 list levels); a reader cannot follow a tenth of that."""
_PARSER = html.HTMLParser(huge_tree=True)
# The model's own XHTML read back as lxml.html elements (the sanitizer drops tags with their API);
# no entity is resolved, no DTD or network read.
_FRAGMENT_PARSER = html.XHTMLParser(resolve_entities=False, no_network=True, load_dtd=False)


@dataclass(frozen=True)
class ChapterSource:
    """A chapter file as read from disk, before rendering."""

    number: int
    path: Path
    shown: str
    """The path as diagnostics print it."""
    text: str
    folder: str = ""
    """The chapter's folder relative to the book folder (``""`` at its top), with forward slashes."""


def render_chapter(
    source: ChapterSource,
    *,
    language: str,
    first_note: int,
    chapter_numbers: Mapping[str, int],
) -> tuple[Chapter, list[Diagnostic]]:
    """Render one chapter; ``chapter_numbers`` maps chapter file names to their numbers, for links."""
    places = SourcePlaces(source.text)
    problems = _control_problems(source, places)
    deepest_line, levels = _deepest_line(source.text)
    body = None
    # Nesting far past what any edition sets is refused before Python-Markdown, which parses
    # nested lists and quotes recursively (seconds, then RecursionError, for 300 levels).
    if levels <= MAX_DEPTH:
        try:
            converted = _convert(source.text)
            # huge_tree: libxml2 would otherwise drop, silently, whatever lies below 256 levels.
            body = html.fragment_fromstring(converted.html, create_parent="div", parser=_PARSER)
        except RecursionError:
            body = None
    if body is None or tree_depth(body) > MAX_DEPTH:
        return _unrendered(source), [*problems, error(
            source.shown, deepest_line, 1, "nesting-too-deep",
            f"lists or block quotes are nested too deeply here (more than {MAX_DEPTH // 2} levels); no edition "
            "can set them: flatten the nesting")]
    for removed in sanitize.clean_tree(body):
        line, col = places.find(removed.needle)
        problems.append(warning(source.shown, line, col, "unsafe-html",
                                f"{removed.what} removed: EPUB and PDF content may not contain it"))
    prefix = chapter_id(source.number)
    token = _token(source.text)
    # Links before notes are taken out, so a link inside a note is made book-wide too.
    _rewrite_links(body, prefix, chapter_numbers)
    numbered = number_notes(body, converted.syntax, token, first_note, language)
    problems += _note_problems(numbered, converted.syntax, body, token, places, source.shown)
    renamed = _rewrite_ids(body, prefix)
    for item in numbered.items.values():
        renamed += _rewrite_ids(item, prefix)
    for written, rewritten in dict.fromkeys(renamed):
        line, col = places.find(written)
        problems.append(warning(source.shown, line, col, "id-invalid",
                                f"id '{written}' may not hold spaces or such signs; it is written '{rewritten}'"))
    images = [*_collect_images(body, source, places)]
    for item in numbered.items.values():
        images += _collect_images(item, source, places)
    _refine_text(body, language)
    title_el, headings = _collect_headings(body, source, prefix)
    title_html = inner_xml(title_el) if title_el is not None else ""
    title = _plain(title_el) if title_el is not None else ""
    if title_el is not None:
        body.remove(title_el)
    notes = tuple(_make_note(numbered, converted.syntax.labels, index, source, places) for index in numbered.order)
    problems += _text_problems(source, places, title, body, images)
    chapter = Chapter(
        number=source.number,
        stem=source.path.stem,
        slug=re.sub(r"^\d+[-_ ]*", "", source.path.stem) or source.path.stem,
        path=source.path,
        source=source.text,
        title=title,
        title_html=title_html,
        html=inner_xml(body),
        headings=headings,
        notes=notes,
        images=tuple(images),
    )
    return chapter, problems


def count_notes(text: str, language: str = "en") -> int:
    """How many notes a chapter numbers (every definition Python-Markdown reads), so that a proof
    can start mid-book without rendering the chapters before it. The language does not change the
    count (typography is set after parsing); callers pass it as they always have."""
    try:
        return len(_convert(text).syntax.labels)
    except RecursionError:  # nested too deep to render: the chapter's own check says so
        return 0


def tree_depth(root: html.HtmlElement) -> int:
    """How deeply elements nest under ``root`` (without recursion, which is what is measured)."""
    deepest = 0
    stack = [(root, 0)]
    while stack:
        el, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in el)
    return deepest


def _control_problems(source: ChapterSource, places: SourcePlaces) -> list[Diagnostic]:
    """A warning for each control character in the text: ``_convert`` removes them (no page may
    hold one, and Python-Markdown reads two of them as its own placeholders)."""
    problems = []
    for match in sanitize.CONTROL.finditer(source.text):
        line, col = places.locate(match.start())
        problems.append(warning(source.shown, line, col, "control-character",
                                f"control character U+{ord(match.group()):04X} removed: no e-book or PDF may "
                                "contain it"))
    return problems


def _deepest_line(text: str) -> tuple[int, int]:
    """The line most deeply nested by its quote markers and indentation (four spaces a list
    level), and how many levels that is: an estimate from the text, for the error's place and
    to refuse absurd nesting before parsing it."""
    deepest, levels = 1, 0
    for number, line in enumerate(text.split("\n"), 1):
        lead = len(line) - len(line.lstrip(" \t>"))
        prefix = line[:lead]
        found = prefix.count(">") + len(prefix.replace(">", "").expandtabs(4)) // 4
        if found > levels:
            deepest, levels = number, found
    return deepest, levels


def _unrendered(source: ChapterSource) -> Chapter:
    """What stands for a chapter that could not be rendered: its error stops every build."""
    return Chapter(number=source.number, stem=source.path.stem, slug=source.path.stem, path=source.path,
                   source=source.text, title="", title_html="", html="", headings=(), notes=(), images=())


def mask_code(text: str) -> str:
    """The text with code blocks and spans blanked (same length), so their content is not read as markup."""
    def blank(match: re.Match[str]) -> str:
        return re.sub(r"[^\n]", " ", match.group())

    return _CODE_SPAN.sub(blank, _CODE_FENCE.sub(blank, text))


def _convert(text: str) -> markdown_notes.Converted:
    # No typography here: it is set on the rendered tree (typography.typeset_pieces), where a
    # quote is read with the characters around it across elements, and URLs and code are known.
    # Control characters go first: no page may hold one, and Python-Markdown reads two of them as
    # its own placeholders.
    text = sanitize.CONTROL.sub("", text)
    return markdown_notes.convert(text, list(EXTENSIONS), {}, token=_token(text))


def _token(text: str) -> str:
    """A mark the adapter puts on the elements it makes: raw HTML in the chapter cannot carry it,
    since it is derived from the whole text (the text would have to contain its own digest).
    Derived from the text as converted, control characters removed, so that the converter and the
    numbering, given the chapter before and after that removal, make the same mark."""
    converted = sanitize.CONTROL.sub("", text)
    return hashlib.sha256(converted.encode("utf-8", "surrogatepass")).hexdigest()[:16]


class SourcePlaces:
    """Where things stand in a chapter's Markdown, found in one pass and looked up by label."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.masked = mask_code(text)
        self._lines = [0] + [m.end() for m in re.finditer("\n", text)]
        self.references: dict[str, list[int]] = {}
        self.definitions: dict[str, list[int]] = {}
        for match in _LABEL.finditer(self.masked):
            label = match.group(1)
            if match.group(2) and self._is_line_start(match.start()):
                self.definitions.setdefault(_normal(label), []).append(match.start())
            else:
                self.references.setdefault(_normal(label), []).append(match.start())

    def _is_line_start(self, offset: int) -> bool:
        start = self.masked.rfind("\n", 0, offset) + 1
        return re.fullmatch(r"[ \t>*+\-\d.)]*", self.masked[start:offset]) is not None

    def locate(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self._lines, offset)
        return line, offset - self._lines[line - 1] + 1

    def definition(self, label: str, which: int = 0) -> tuple[int, int]:
        found = self.definitions.get(_normal(label), [])
        return self.locate(found[min(which, len(found) - 1)]) if found else self.find(f"[^{label}]:")

    def reference(self, label: str, which: int = 0) -> tuple[int, int]:
        found = self.references.get(_normal(label), [])
        return self.locate(found[min(which, len(found) - 1)]) if found else self.find(f"[^{label}]")

    def find(self, needle: str) -> tuple[int, int]:
        index = self.text.lower().find(needle.lower()) if needle else -1
        return self.locate(index) if index >= 0 else (0, 0)

    def index(self, needle: str, start: int = 0) -> int:
        """Offset of ``needle`` at or after ``start`` (exactly as written), or -1."""
        return self.text.find(needle, start)


def _normal(label: str) -> str:
    """A label as Python-Markdown reads it and as the file holds it may differ by quote markers and
    line breaks (a label broken over a line in a block quote); compare their words."""
    return " ".join(label.replace(">", " ").split())


@dataclass
class NumberedNotes:
    """The chapter's notes taken out of the body, numbered book-wide."""

    items: dict[int, html.HtmlElement]
    """Label index → the note's ``<li>`` (its content, references numbered)."""
    order: list[int]
    """Label indices in numbering order."""
    numbers: dict[int, int]
    refs: dict[int, list[str]]
    """Label index → the ids of its references, in reading order."""
    cited_in: dict[int, int]
    """Label index → the number of the note whose text first cites it (absent: cited in the body)."""
    unused: list[int]


def number_notes(body: html.HtmlElement, syntax: markdown_notes.NoteSyntax, token: str,
                 first_note: int, language: str = "en") -> NumberedNotes:
    """Give notes book-wide numbers in reading order and the ids shared by both editions; each
    note's text is set for ``language``."""
    items: dict[int, html.HtmlElement] = {}
    for div in body.iter("div"):
        if div.get("data-notes") == token:
            for item in list(div.iterchildren("li")):
                index = _index(item.get("data-fn"), token)
                if index is not None:
                    del item.attrib["data-fn"]
                    # Each note its own tree: lxml, freeing an element, looks through the whole
                    # tree it belongs to, and ten thousand notes in one tree made that quadratic.
                    div.remove(item)
                    items[index] = item
            div.getparent().remove(div)
            break
    numbered = NumberedNotes(items=items, order=[], numbers={}, refs={}, cited_in={}, unused=[])

    def number_from(root: html.HtmlElement, within: int | None) -> None:
        # Depth first, as a reader who follows each reference meets the notes: a note cited in
        # another note's text is numbered right after it. A stack, not recursion: a chain of
        # notes citing notes may be thousands long.
        stack = [(iter(list(root.iter("sup"))), within)]
        while stack:
            sups, cited_by = stack[-1]
            sup = next(sups, None)
            if sup is None:
                stack.pop()
                continue
            index = _index(sup.get("data-fn"), token)
            if index is None or index not in items:
                continue
            new = index not in numbered.numbers
            if new:
                numbered.numbers[index] = first_note + len(numbered.order)
                numbered.order.append(index)
                if cited_by is not None:
                    numbered.cited_in[index] = numbered.numbers[cited_by]
            number = numbered.numbers[index]
            refs = numbered.refs.setdefault(index, [])
            ref_id = f"noteref-{number}" + (f"-{len(refs) + 1}" if refs else "")
            refs.append(ref_id)
            sup.attrib.clear()
            sup.set("class", "noteref")
            link = etree.SubElement(sup, "a", {"id": ref_id, "href": f"#note-{number}", "class": "noteref",
                                               "role": "doc-noteref"})
            link.text = str(number)
            if new:
                stack.append((iter(list(items[index].iter("sup"))), index))

    number_from(body, None)
    for index in sorted(items):
        if index not in numbered.numbers:
            # Cited nowhere: kept (never lose a word), numbered last, reported.
            numbered.numbers[index] = first_note + len(numbered.order)
            numbered.order.append(index)
            numbered.unused.append(index)
            number_from(items[index], index)
    for item in items.values():
        _refine_text(item, language, in_note=True)
    return numbered


def _index(value: str | None, token: str) -> int | None:
    """The label index an adapter-made attribute (``token:K``) carries; None for any other value."""
    if not value or not value.startswith(token + ":"):
        return None
    digits = value[len(token) + 1:]
    return int(digits) if digits.isdigit() else None


def _make_note(numbered: NumberedNotes, labels: list[str], index: int, source: ChapterSource,
               places: SourcePlaces) -> Note:
    item = numbered.items[index]
    label = labels[index]
    return Note(
        number=numbered.numbers[index], label=label, chapter=source.number,
        html=inner_xml(item).strip(), text=" ".join(_plain(item).split()),
        ref_ids=tuple(numbered.refs.get(index, ())), line=places.definition(label)[0],
        cited_in=numbered.cited_in.get(index, 0),
    )


def _note_problems(
    numbered: NumberedNotes, syntax: markdown_notes.NoteSyntax, body: html.HtmlElement, token: str,
    places: SourcePlaces, shown: str,
) -> list[Diagnostic]:
    problems: list[Diagnostic] = []
    for label, count in syntax.definitions.items():
        if count > 1:
            first = places.definition(label, 0)[0]
            line, col = places.definition(label, 1)
            times = "twice" if count == 2 else f"{count} times"
            problems.append(error(shown, line, col, "note-duplicate",
                                  f"note [^{label}] is defined {times} (first at line {first}); only one "
                                  "definition can be printed: remove or relabel the others"))
    for index in numbered.unused:
        label = syntax.labels[index]
        line, col = places.definition(label)
        problems.append(warning(shown, line, col, "note-unused",
                                f"note [^{label}] is defined but never referenced; it is printed as note "
                                f"{numbered.numbers[index]} with no reference to it: reference it or delete it"))
    seen: dict[str, int] = {}
    roots = [body, *(numbered.items[index] for index in numbered.order)]
    for root in roots:
        for span in list(root.iter("span")):
            found = _index(span.get("data-fn-undefined"), token)
            if found is None or found >= len(syntax.undefined):
                continue
            label = syntax.undefined[found]
            which = seen.get(label, 0)
            seen[label] = which + 1
            line, col = places.reference(label, which)
            problems.append(error(shown, line, col, "note-undefined",
                                  f"note reference [^{label}] has no definition; add '[^{label}]: text' "
                                  "at the end of the chapter"))
            span.drop_tag()
    return problems


def _text_problems(source: ChapterSource, places: SourcePlaces, title: str, body: html.HtmlElement,
                   images: list[Image]) -> list[Diagnostic]:
    problems: list[Diagnostic] = []
    shown = source.shown
    for match in _TK.finditer(places.masked):
        line, col = places.locate(match.start())
        problems.append(warning(shown, line, col, "tk", f"open editorial query: {_around(source.text, match.start())}"))
    for image in images:
        if not image.alt.strip():
            problems.append(warning(shown, image.line, image.col, "image-no-alt",
                                    f"image '{image.src}' has no alt text; screen-reader users will miss it (the "
                                    "PDF tags it as decoration): write ![what it shows](...)"))
    if not title:
        problems.append(error(shown, 1, 1, "no-title",
                              "the chapter has no level-1 title; start the file with '# Title'"))
    has_text = bool("".join(body.itertext()).strip())
    if not has_text and not images and body.find(".//table") is None:
        problems.append(error(shown, 1, 1, "empty-chapter",
                              "the chapter has no text after its title; write it or remove the file"))
    return problems


def _around(text: str, offset: int, before: int = 30, after: int = 50) -> str:
    """The words of the line around ``offset``, shortened with ellipses, for a one-line message."""
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    end = len(text) if end < 0 else end
    head = text[max(start, offset - before):offset]
    tail = text[offset:min(end, offset + after)]
    lead = "…" if offset - before > start else ""
    trail = "…" if offset + after < end else ""
    return lead + " ".join((head + tail).split()) + trail


def _rewrite_ids(body: html.HtmlElement, prefix: str) -> list[tuple[str, str]]:
    """Author ids (attribute lists) are prefixed with the chapter id, so they are unique book-wide;
    an id that XHTML or a link could not hold (a space, ``#``, ``"``) has those signs made hyphens.
    Returns the ids so rewritten, as written and as kept."""
    renamed = []
    for el in body.iter():
        el_id = el.get("id")
        if el_id is None or el.get("class") == "noteref":
            continue
        kept = _ID_UNSAFE.sub("-", el_id).strip("-")
        if kept != el_id:
            renamed.append((el_id, kept))
        if kept:
            el.set("id", f"{prefix}-{kept}")
        else:
            del el.attrib["id"]
    return renamed


def _rewrite_links(body: html.HtmlElement, prefix: str, chapter_numbers: Mapping[str, int]) -> None:
    """Links to chapter files become fragment links to book-wide ids; unresolvable ones lose their href."""
    for link in body.iter("a"):
        href = link.get("href")
        if href is None:
            continue
        parts = urlsplit(href)
        if parts.scheme or parts.netloc:
            continue
        if not parts.path:
            link.set("href", f"#{prefix}-{parts.fragment}" if parts.fragment else f"#{prefix}")
            continue
        number = chapter_numbers.get(PurePosixPath(unquote(parts.path)).name)
        if number is None:
            del link.attrib["href"]
            continue
        target = chapter_id(number)
        link.set("href", f"#{target}-{parts.fragment}" if parts.fragment else f"#{target}")


def _collect_images(root: html.HtmlElement, source: ChapterSource, places: SourcePlaces) -> Iterator[Image]:
    """Images get their path relative to the book folder, worked out from the text alone (``check``
    refuses one that leaves the book); an image with a title becomes a figure with that caption.
    An image that is no file of the book (a URL) or has no source (``javascript:`` removed, only a
    ``srcset``) is printed as its alt text in both editions; ``check`` says so."""
    cursor = 0
    for img in list(root.iter("img")):
        written = img.get("src", "")
        src = book_path(source.folder, written)
        alt = img.get("alt", "")
        img.set("src", src)
        img.set("alt", alt)
        offset = -1
        for needle in (written, alt, "![", "<img"):
            offset = places.index(needle, cursor) if needle else -1
            if offset >= 0:
                cursor = offset + 1
                break
        line, col = places.locate(offset) if offset >= 0 else (0, 0)
        yield Image(src=src, alt=alt, line=line, col=col)
        if not src.strip() or urlsplit(src).scheme:
            span = html.Element("span", {"class": "image-alt"})
            span.text, span.tail = alt, img.tail
            img.getparent().replace(img, span)
            continue
        title = img.attrib.pop("title", None)
        parent = img.getparent()
        if title and parent is not None and parent.tag == "p" and len(parent) == 1 \
                and not (parent.text or "").strip() and not (img.tail or "").strip():
            parent.tag = "figure"
            parent.text = None
            img.tail = None
            caption = etree.SubElement(parent, "figcaption")
            caption.text = title


def book_path(folder: str, written: str) -> str:
    """A path written in a chapter (percent-encoded or not) as a path from the book folder, with
    forward slashes; a URL, or a path that climbs out of the book, stays as written (decoded)."""
    decoded = unquote(written)
    if urlsplit(decoded).scheme or not decoded:
        return decoded
    joined = posixpath.normpath(posixpath.join(folder, decoded.replace("\\", "/")))
    return decoded if joined.startswith(("../", "/")) or joined == ".." else joined


def _collect_headings(
    body: html.HtmlElement, source: ChapterSource, prefix: str,
) -> tuple[html.HtmlElement | None, tuple[Heading, ...]]:
    """The first level-1 heading is the chapter's title. Later ``#`` headings are its sections:
    when a chapter has any, every heading after the title goes one level down (``#`` → h2,
    ``##`` → h3…), so the chapter keeps the shape the author gave it under its one title."""
    lines = _heading_lines(source.text)
    found = [el for el in body if el.tag in _HEADINGS]
    title_el = next((el for el in found if el.tag == "h1"), None)
    sections = any(el.tag == "h1" for el in found if el is not title_el)
    headings = []
    used: set[str] = set()
    for index, el in enumerate(found):
        line = lines[index] if index < len(lines) else 0
        if title_el is not None and el is title_el:
            title_el.set("id", prefix)
            continue
        written = int(el.tag[1])
        level = min(written + 1, 6) if sections else written
        el.tag = f"h{level}"
        text = " ".join(_plain(el, skip_notes=True).split())
        el_id = el.get("id") or f"{prefix}-{slugify(text, max_words=16) or 'section'}"
        base, n = el_id, 2
        while el_id in used:
            el_id, n = f"{base}-{n}", n + 1
        used.add(el_id)
        el.set("id", el_id)
        headings.append(Heading(level=level, text=text, id=el_id, line=line, section=written == 1))
    return title_el, tuple(headings)


@dataclass(frozen=True)
class _Slot:
    """A text node of the tree (an element's text or tail) and the pieces it was cut into."""

    element: html.HtmlElement
    is_tail: bool
    pieces: tuple[tuple[int, bool], ...]
    """(index in the piece list, is a URL to make a link of)."""


def _refine_text(root: html.HtmlElement, language: str, *, in_note: bool = False) -> None:
    """Typography for the language in every text node outside code, read in document order across
    elements (a quote before ``<em>`` opens, one after ``</em>`` closes); URLs are left as they are
    and, outside links, become links with break points."""
    rules, _ = typography.choose_rules(language)
    pieces: list[typography.Piece] = []
    slots: list[_Slot] = []
    hidden = code = link = 0

    def add(element: html.HtmlElement, is_tail: bool, text: str | None) -> None:
        if not text:
            return
        if hidden or code:
            pieces.append(typography.Piece(text, typography.Kind.HIDDEN if hidden else typography.Kind.KEEP))
            return
        cut = []
        for part, is_url in typography.split_urls(text):
            cut.append((len(pieces), is_url and not link))
            pieces.append(typography.Piece(part, typography.Kind.KEEP if is_url else typography.Kind.TEXT))
        slots.append(_Slot(element, is_tail, tuple(cut)))

    for event, el in etree.iterwalk(root, events=("start", "end", "comment", "pi")):
        if not isinstance(el.tag, str):
            add(el, True, el.tail)
            continue
        is_ref = el.tag == "sup" and el.get("class") == "noteref"
        if event == "start":
            if el.tag in _BLOCKS:
                pieces.append(typography.Piece("", typography.Kind.BREAK))
            hidden += is_ref
            code += el.tag in _NO_TYPOGRAPHY
            link += el.tag == "a"
            # A line break is a space between words; a picture stands in the line like a word.
            if el.tag in ("br", "img"):
                pieces.append(typography.Piece("\n" if el.tag == "br" else "\ufffc", typography.Kind.KEEP))
            add(el, False, el.text)
            continue
        hidden -= is_ref
        code -= el.tag in _NO_TYPOGRAPHY
        link -= el.tag == "a"
        if el.tag in _BLOCKS:
            pieces.append(typography.Piece("", typography.Kind.BREAK))
        if el is not root:
            add(el, True, el.tail)
    texts = typography.typeset_pieces(pieces, rules, in_note=in_note)
    for slot in slots:
        _write_slot(slot, texts)


def _write_slot(slot: _Slot, texts: list[str]) -> None:
    """Put a text node's set pieces back; each URL outside a link becomes a link after it."""
    text = "".join(texts[index] for index, _ in slot.pieces)
    if not any(is_url for _, is_url in slot.pieces):
        _set_text(slot, text)
        return
    # Links go in beside the text they came from, never at a position counted among a
    # paragraph's children (lxml walks them to find one: quadratic in a long paragraph).
    parent = slot.element.getparent() if slot.is_tail else slot.element
    lead = ""
    last: html.HtmlElement | None = None
    for index, is_url in slot.pieces:
        piece = texts[index]
        if not is_url:
            if last is None:
                lead += piece
            else:
                last.tail = (last.tail or "") + piece
            continue
        link = html.Element("a", {"class": "url", "href": piece})
        _fill_url(link, piece)
        if last is not None:
            last.addnext(link)
        elif slot.is_tail:
            slot.element.addnext(link)
        else:
            parent.insert(0, link)
        last = link
    _set_text(slot, lead)


def _set_text(slot: _Slot, text: str) -> None:
    if slot.is_tail:
        slot.element.tail = text
    else:
        slot.element.text = text


def _fill_url(link: html.HtmlElement, url: str) -> None:
    parts = typography.url_break_points(url)
    link.text = parts[0]
    for part in parts[1:]:
        wbr = etree.SubElement(link, "wbr")
        wbr.tail = part


def _drop_keep_tail(el: html.HtmlElement) -> None:
    parent = el.getparent()
    if parent is None:
        return
    previous = el.getprevious()
    if el.tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _plain(el: html.HtmlElement, *, skip_notes: bool = True) -> str:
    """The element's text without its tail; note reference numbers left out unless asked."""
    parts = [el.text or ""]
    for child in el:
        is_ref = child.tag == "sup" and child.get("class") == "noteref"
        if isinstance(child.tag, str) and not (skip_notes and is_ref):
            parts.append(_plain(child, skip_notes=skip_notes))
        parts.append(child.tail or "")
    return "".join(parts)


def clean_fragment(fragment: str) -> str | None:
    """A fragment of the model's XHTML passed through the sanitizer again; None when it is not
    well-formed XML. For what the build cache hands back: an entry forged to look valid must not
    carry into an edition anything the sanitizer would have removed. Idempotent on the
    renderer's own output, so a cached chapter is the same bytes as a fresh one."""
    try:
        root = etree.fromstring(f"<div>{fragment}</div>", _FRAGMENT_PARSER)
    except etree.XMLSyntaxError:
        return None
    sanitize.clean_tree(root)
    return inner_xml(root)


def inner_xml(el: html.HtmlElement) -> str:
    """The element's content serialised as XML (self-closed ``<br/>``, escaped ``&``)."""
    out = [_escape(el.text or "")]
    for child in el:
        out.append(etree.tostring(child, method="xml", encoding="unicode", with_tail=False))
        out.append(_escape(child.tail or ""))
    return "".join(out)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _heading_lines(text: str) -> list[int]:
    lines = []
    fenced = False
    source_lines = text.split("\n")
    for number, line in enumerate(source_lines, start=1):
        if _FENCE.match(line):
            fenced = not fenced
        if fenced:
            continue
        if _ATX.match(line):
            lines.append(number)
        elif re.match(r"^(=+|-+)\s*$", line) and number > 1 and source_lines[number - 2].strip() \
                and not source_lines[number - 2].startswith(("#", "-", "*", "+", ">")):
            lines.append(number - 1)
    return lines


