"""Render one chapter: Markdown source → title, body XHTML, headings, notes and images.

Takes a chapter's text, its place in the book and the number its first note gets; returns a
``Chapter`` and the warnings rendering raised. A fresh ``Markdown`` instance per chapter (a
reused one leaks footnotes between chapters); the output is then reworked as an lxml tree so that
ids, note numbers and links are book-wide and the markup is well-formed XHTML whatever the input.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import markdown
from lxml import etree, html

from publish import sanitize, typography
from publish.diagnostics import Diagnostic, locate, warning
from publish.model import Chapter, Heading, Image, Note, chapter_id, slugify

_ATX = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t#]*$")
_FENCE = re.compile(r"^(```|~~~)")
_DEFINITION = re.compile(r"^ {0,3}\[\^([^\]\s]+)\]:", re.MULTILINE)
_CODE_FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)", re.DOTALL)
_NO_TYPOGRAPHY = {"code", "pre", "kbd", "samp", "script", "style"}


@dataclass(frozen=True)
class ChapterSource:
    """A chapter file as read from disk, before rendering."""

    number: int
    path: Path
    shown: str
    """The path as diagnostics print it."""
    text: str


def render_chapter(
    source: ChapterSource,
    *,
    language: str,
    first_note: int,
    chapter_numbers: Mapping[str, int],
    book_root: Path,
) -> tuple[Chapter, list[Diagnostic]]:
    """Render one chapter; ``chapter_numbers`` maps chapter file names to their numbers, for links."""
    problems: list[Diagnostic] = []
    converter = _new_markdown(language)
    body = html.fragment_fromstring(converter.convert(source.text), create_parent="div")
    for removed in sanitize.clean_tree(body):
        line, col = _find_in_source(source.text, removed.needle)
        problems.append(warning(source.shown, line, col, "unsafe-html",
                                f"{removed.what} removed: EPUB and PDF content may not contain it"))
    prefix = chapter_id(source.number)
    # Links before notes are taken out, so a link inside a note is made book-wide too.
    _rewrite_links(body, prefix, chapter_numbers)
    notes = _number_notes(body, source, first_note)
    _rewrite_ids(body, prefix)
    images = _collect_images(body, source, book_root)
    _refine_text(body, language)
    title_el, headings = _collect_headings(body, source, prefix)
    title_html = inner_xml(title_el) if title_el is not None else ""
    title = _plain(title_el) if title_el is not None else ""
    if title_el is not None:
        body.remove(title_el)
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
        images=images,
    )
    return chapter, problems


def count_notes(text: str) -> int:
    """How many notes a chapter will number, without rendering it (so a proof can start mid-book)."""
    text = mask_code(text)
    defined = set(_DEFINITION.findall(text))
    body = _DEFINITION.sub("", text)
    referenced = {label for label in re.findall(r"\[\^([^\]\s]+)\](?!:)", body) if label in defined}
    return len(referenced)


def mask_code(text: str) -> str:
    """The text with code blocks and spans blanked (same length), so their content is not read as markup."""
    def blank(match: re.Match[str]) -> str:
        return re.sub(r"[^\n]", " ", match.group())

    return _CODE_SPAN.sub(blank, _CODE_FENCE.sub(blank, text))


def _new_markdown(language: str) -> markdown.Markdown:
    ldq, rdq, lsq, rsq = typography.quotes_for(language)
    return markdown.Markdown(
        extensions=["footnotes", "tables", "attr_list", "smarty", "sane_lists"],
        extension_configs={
            # "-" instead of ":" keeps ids valid as CSS selectors and XML ids.
            "footnotes": {"SEPARATOR": "-", "USE_DEFINITION_ORDER": False},
            # Dashes are done later, outside URLs ("belarus--serbiya" is a real URL).
            "smarty": {
                "smart_dashes": False,
                "substitutions": {
                    "left-double-quote": ldq, "right-double-quote": rdq,
                    "left-single-quote": lsq, "right-single-quote": rsq,
                },
            },
        },
        output_format="xhtml",
    )


def _number_notes(body: html.HtmlElement, source: ChapterSource, first_note: int) -> tuple[Note, ...]:
    """Give notes book-wide numbers in reading order and the ids shared by both editions."""
    container = body.find(".//div[@class='footnote']")
    items: dict[str, html.HtmlElement] = {}
    if container is not None:
        for item in container.iter("li"):
            item_id = item.get("id", "")
            if item_id.startswith("fn-"):
                items[item_id[3:]] = item
        container.getparent().remove(container)
    numbers: dict[str, int] = {}
    refs: dict[str, list[str]] = {}
    for sup in list(body.iter("sup")):
        link = sup.find("a[@class='footnote-ref']")
        if link is None:
            continue
        label = link.get("href", "")[4:]
        if label not in numbers:
            numbers[label] = first_note + len(numbers)
        number = numbers[label]
        ref_id = f"noteref-{number}" + (f"-{len(refs[label]) + 1}" if label in refs else "")
        refs.setdefault(label, []).append(ref_id)
        sup.attrib.clear()
        sup.set("class", "noteref")
        link.attrib.clear()
        link.set("id", ref_id)
        link.set("href", f"#note-{number}")
        link.set("class", "noteref")
        link.set("role", "doc-noteref")
        link.text = str(number)
    notes = []
    for label, number in numbers.items():
        item = items.get(label)
        if item is None:
            continue
        for back in item.findall(".//a[@class='footnote-backref']"):
            _drop_keep_tail(back)
        for para in item.iter("p"):
            if para.text is not None:
                para.text = para.text.rstrip("\u00a0 ")
            last = para[-1] if len(para) else None
            if last is not None and last.tail:
                last.tail = last.tail.rstrip("\u00a0 ")
            elif last is None and para.text:
                para.text = para.text.rstrip("\u00a0 ")
        _mark_notes(item)
        _refine_text(item, "", in_note=True)
        notes.append(Note(
            number=number, label=label, chapter=source.number,
            html=inner_xml(item).strip(), text=" ".join(_plain(item).split()),
            ref_ids=tuple(refs[label]), line=_definition_line(source.text, label),
        ))
    return tuple(notes)


def _mark_notes(item: html.HtmlElement) -> None:
    # Note text is typeset later by _refine_text; flag it so dashes follow the notes' convention.
    item.set("data-note", "1")


def _rewrite_ids(body: html.HtmlElement, prefix: str) -> None:
    """Author ids (attribute lists) are prefixed with the chapter id, so they are unique book-wide."""
    for el in body.iter():
        el_id = el.get("id")
        if el_id and el.get("class") != "noteref":
            el.set("id", f"{prefix}-{el_id}")


def _rewrite_links(body: html.HtmlElement, prefix: str, chapter_numbers: Mapping[str, int]) -> None:
    """Links to chapter files become fragment links to book-wide ids; unresolvable ones lose their href."""
    for link in body.iter("a"):
        href = link.get("href")
        if href is None or link.get("class") in ("noteref", "footnote-ref", "footnote-backref"):
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


def _collect_images(body: html.HtmlElement, source: ChapterSource, book_root: Path) -> tuple[Image, ...]:
    """Images keep a book-relative path; an image with a title becomes a figure with that caption."""
    images = []
    chapter_dir = source.path.parent
    for img in list(body.iter("img")):
        src = unquote(img.get("src", ""))
        if urlsplit(src).scheme:
            images.append(Image(src=src, alt=img.get("alt", ""), line=_find_in_source(source.text, src)[0]))
            continue
        try:
            relative = (chapter_dir / src).resolve().relative_to(book_root.resolve()).as_posix()
        except ValueError:
            relative = src
        img.set("src", relative)
        img.set("alt", img.get("alt", ""))
        images.append(Image(src=relative, alt=img.get("alt", ""), line=_find_in_source(source.text, src)[0]))
        title = img.attrib.pop("title", None)
        parent = img.getparent()
        if title and parent is not None and parent.tag == "p" and len(parent) == 1 \
                and not (parent.text or "").strip() and not (img.tail or "").strip():
            parent.tag = "figure"
            parent.text = None
            img.tail = None
            caption = etree.SubElement(parent, "figcaption")
            caption.text = title
    return tuple(images)


def _collect_headings(
    body: html.HtmlElement, source: ChapterSource, prefix: str,
) -> tuple[html.HtmlElement | None, tuple[Heading, ...]]:
    lines = _heading_lines(source.text)
    title_el = None
    headings = []
    used: set[str] = set()
    for index, el in enumerate(el for el in body if el.tag in {"h1", "h2", "h3", "h4", "h5", "h6"}):
        level = int(el.tag[1])
        line = lines[index] if index < len(lines) else 0
        if level == 1 and title_el is None:
            title_el = el
            el.set("id", prefix)
            continue
        text = " ".join(_plain(el, skip_notes=True).split())
        el_id = el.get("id") or f"{prefix}-{slugify(text, max_words=16) or 'section'}"
        base, n = el_id, 2
        while el_id in used:
            el_id, n = f"{base}-{n}", n + 1
        used.add(el_id)
        el.set("id", el_id)
        headings.append(Heading(level=level, text=text, id=el_id, line=line))
    return title_el, tuple(headings)


def _refine_text(root: html.HtmlElement, language: str, *, in_note: bool = False) -> None:
    """Dashes and breakable URLs in every text node outside code; URLs become links."""
    for el in list(root.iter()):
        if el.tag in _NO_TYPOGRAPHY or not isinstance(el.tag, str):
            continue
        note_context = in_note or el.get("data-note") is not None
        inside_link = el.tag == "a" or any(a.tag == "a" for a in el.iterancestors())
        if el.text:
            el.text = _refine_piece(el, el.text, 0, note_context, inside_link)
        for child in list(el):
            if child.tail and child.tag not in ("wbr",):
                child.tail = _refine_piece(el, child.tail, el.index(child) + 1, note_context, inside_link)
    if root.get("data-note") is not None:
        del root.attrib["data-note"]


def _refine_piece(parent: html.HtmlElement, text: str, position: int, in_note: bool, inside_link: bool) -> str:
    """Refine one text run; URLs found in it are inserted as links at ``position`` in ``parent``."""
    pieces = typography.split_urls(text)
    if inside_link or not any(is_url for _, is_url in pieces):
        return "".join(piece if is_url else typography.refine_dashes(piece, in_note=in_note)
                       for piece, is_url in pieces)
    lead = ""
    insert_at = position
    last: html.HtmlElement | None = None
    for piece, is_url in pieces:
        if not is_url:
            piece = typography.refine_dashes(piece, in_note=in_note)
            if last is None:
                lead += piece
            else:
                last.tail = (last.tail or "") + piece
            continue
        link = html.Element("a", {"class": "url", "href": piece})
        _fill_url(link, piece)
        parent.insert(insert_at, link)
        insert_at += 1
        last = link
    return lead


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


def _definition_line(text: str, label: str) -> int:
    match = re.search(rf"^ {{0,3}}\[\^{re.escape(label)}\]:", text, re.MULTILINE)
    return locate(text, match.start())[0] if match else 0


def _find_in_source(text: str, needle: str) -> tuple[int, int]:
    index = text.lower().find(needle.lower()) if needle else -1
    return locate(text, index) if index >= 0 else (0, 0)
