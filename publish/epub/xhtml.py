"""XHTML for the EPUB: parse each page strictly, add ``epub:type``, keep only valid HTML5, land every link.

Takes the text of a page (a template filled with the model's fragments) and returns an lxml tree;
then works on the set of trees: every internal link must reach an id in a file of the book. The
one design decision: each page is parsed with lxml.etree before it is packaged, so a page that is
not well-formed XML stops the build with a diagnostic instead of reaching a reader as a broken file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from lxml import etree

from publish.config import LANGUAGE_TAG
from publish.diagnostics import Diagnostic, PublishError, error, locate, warning

XHTML = "http://www.w3.org/1999/xhtml"
OPS = "http://www.idpf.org/2007/ops"
EPUB_TYPE = f"{{{OPS}}}type"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_comments=False)

# The model carries ARIA roles only; EPUB reading systems (Apple Books, Kobo) key their pop-up
# notes and landmarks on epub:type, so each role gets its EPUB 3 Structural Semantics twin.
ROLE_TYPES = {
    "doc-noteref": "noteref",
    "doc-backlink": "backlink",
    "doc-endnotes": "endnotes",
    "doc-chapter": "chapter",
    "doc-toc": "toc",
    "doc-cover": "cover",
    "doc-colophon": "colophon",
    "doc-subtitle": "subtitle",
}
# Roles a chapter may carry into the EPUB: DPUB-ARIA and the document-structure roles. Anything
# else is a typo EPUBCheck rejects.
KNOWN_ROLES = frozenset(ROLE_TYPES) | {
    "doc-abstract", "doc-acknowledgments", "doc-afterword", "doc-appendix", "doc-bibliography",
    "doc-biblioentry", "doc-biblioref", "doc-conclusion", "doc-credit", "doc-credits",
    "doc-dedication", "doc-epigraph", "doc-epilogue", "doc-example", "doc-footnote",
    "doc-glossary", "doc-glossref", "doc-index", "doc-introduction", "doc-notice",
    "doc-pagebreak", "doc-part", "doc-preface", "doc-prologue", "doc-pullquote", "doc-qna",
    "doc-tip", "figure", "img", "list", "listitem", "note", "none",
    "presentation", "region", "separator", "table", "term", "definition", "group",
}
# HTML5 allows these attributes only on these elements; elsewhere they are obsolete or invalid.
_ATTRIBUTE_ELEMENTS = {
    "href": {"a"}, "src": {"img"}, "alt": {"img"}, "width": {"img"}, "height": {"img"},
    "colspan": {"td", "th"}, "rowspan": {"td", "th"}, "scope": {"th"}, "start": {"ol"},
    "reversed": {"ol"}, "type": {"ol"}, "cite": {"blockquote", "q", "del", "ins"},
    "datetime": {"time", "del", "ins"},
}
_DIGITS = re.compile(r"^\d+$")


@dataclass(frozen=True)
class Source:
    """Where an author fixes a page: the file as shown in diagnostics, and its text for line numbers."""

    shown: str
    text: str = ""

    def find(self, needle: str) -> tuple[int, int]:
        index = self.text.find(needle) if needle else -1
        return locate(self.text, index) if index >= 0 else (0, 0)


def parse_page(text: str, source: Source, name: str) -> etree._ElementTree:
    """The page as an lxml tree; a page that is not well-formed XML is an error naming its source."""
    try:
        root = etree.fromstring(text.encode("utf-8"), _PARSER)
    except etree.XMLSyntaxError as exc:
        line = _line_of(text, exc.position[0] if exc.position else 0)
        raise PublishError([error(source.shown, *source.find(line.strip()[:40]), "epub-xml",
                                  f"{name} is not well-formed XML ({exc.msg}); the text near "
                                  f"'{line.strip()[:60]}' breaks it")]) from exc
    return etree.ElementTree(root)


def serialize(tree: etree._ElementTree) -> bytes:
    return etree.tostring(tree, encoding="utf-8", xml_declaration=True) + b"\n"


def add_epub_types(root: etree._Element) -> None:
    """Give every element with a known DPUB-ARIA role its ``epub:type``, keeping any already set.

    A note is a list item of a ``doc-endnotes`` list: DPUB-ARIA 1.1 deprecated ``doc-endnote``
    (EPUBCheck warns RSC-017), but ``epub:type="endnote"`` is what pop-up notes key on.
    """
    for el in root.iter(f"{{{XHTML}}}*"):
        epub_type = ROLE_TYPES.get(el.get("role", ""))
        if el.tag == f"{{{XHTML}}}li" and el.get("class") == "note" and _in_endnotes(el):
            epub_type = "endnote"
        if epub_type and el.get(EPUB_TYPE) is None:
            el.set(EPUB_TYPE, epub_type)


def _in_endnotes(el: etree._Element) -> bool:
    return any(a.get("role") == "doc-endnotes" for a in el.iterancestors())


def conform(root: etree._Element, source: Source) -> list[Diagnostic]:
    """Drop or convert what HTML5 does not allow (``align``, ``width="50%"``, unknown roles)."""
    problems: list[Diagnostic] = []
    for el in root.iter(f"{{{XHTML}}}*"):
        tag = etree.QName(el).localname
        for key in list(el.attrib):
            name, value = str(key), str(el.attrib[key])
            if name == "align":
                # Obsolete, but its intent survives as CSS.
                del el.attrib[name]
                if value.lower() in {"left", "right", "center", "justify"} and tag != "img":
                    _add_style(el, f"text-align: {value.lower()}")
            elif name in {"width", "height"} and tag == "img" and not _DIGITS.match(value):
                del el.attrib[name]
                _add_style(el, f"{name}: {value}")
            elif not _allowed(tag, name, value):
                del el.attrib[name]
                problems.append(_removed(source, name, value, tag))
    return problems


def _allowed(tag: str, name: str, value: str) -> bool:
    if name in _ATTRIBUTE_ELEMENTS and tag not in _ATTRIBUTE_ELEMENTS[name]:
        return False
    if name in {"width", "height", "colspan", "rowspan", "start"}:
        return bool(_DIGITS.match(value))
    if name == "role":
        return value in KNOWN_ROLES
    if name == "dir":
        return value in {"ltr", "rtl", "auto"}
    if name == "lang":
        return not value or bool(LANGUAGE_TAG.match(value))
    return True


def land_links(pages: Mapping[str, etree._Element], sources: Mapping[str, Source]) -> list[Diagnostic]:
    """Make every internal link reach an id in the book, and every id unique in its file.

    The model's links are already book-wide; what is left are links an author wrote to an anchor
    that does not exist. A link to a missing heading of a known chapter goes to that chapter; any
    other dead link loses its href (EPUBCheck rejects a fragment that names no id) with a warning.
    """
    problems: list[Diagnostic] = []
    ids: dict[str, set[str]] = {}
    for name, root in pages.items():
        seen: set[str] = set()
        for el in root.iter():
            el_id = el.get("id")
            if el_id is None:
                continue
            if el_id in seen:
                del el.attrib["id"]
                problems.append(warning(sources[name].shown, *sources[name].find(el_id), "epub-duplicate-id",
                                        f"id '{el_id}' is used twice; the second one is dropped"))
            seen.add(el_id)
        ids[name] = seen
    owner = {el_id: name for name, found in ids.items() for el_id in found}
    for name, root in pages.items():
        for link in root.iter(f"{{{XHTML}}}a"):
            href = link.get("href")
            if href is None:
                continue
            parts = urlsplit(href)
            if parts.scheme or parts.netloc:
                continue
            target = parts.path or name
            if target in pages and (not parts.fragment or parts.fragment in ids[target]):
                continue
            chapter = parts.fragment.split("-", 1)[0] if parts.fragment else ""
            source = sources[name]
            if chapter in owner:
                link.set("href", f"{owner[chapter]}#{chapter}" if owner[chapter] != name else f"#{chapter}")
                message = f"link to '#{parts.fragment}' has no such heading or anchor; it now leads to the chapter"
            else:
                del link.attrib["href"]
                message = f"link '{href}' leads nowhere in the book; its text is kept without the link"
            fragment = parts.fragment.split("-", 1)[-1] if parts.fragment else href
            problems.append(warning(source.shown, *source.find(fragment), "link-unresolved", message))
    return problems


def _add_style(el: etree._Element, declaration: str) -> None:
    existing = (el.get("style") or "").strip().rstrip(";")
    el.set("style", f"{existing}; {declaration}" if existing else declaration)


def _removed(source: Source, name: str, value: str, tag: str) -> Diagnostic:
    return warning(source.shown, *source.find(f"{name}="), "epub-invalid-html",
                   f"{name}=\"{value}\" removed from <{tag}>: EPUB 3 (HTML5) does not allow it there")


def _line_of(text: str, line: int) -> str:
    lines = text.split("\n")
    return lines[line - 1] if 0 < line <= len(lines) else ""
