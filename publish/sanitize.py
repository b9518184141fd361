"""Sanitise rendered HTML so it is safe, valid XHTML content for both editions.

Takes an lxml tree of one chapter's HTML; removes in place what EPUB content documents may not
hold (scripts, forms, event handlers, ``javascript:`` links, control characters, attributes that
are not XML names) and returns what it removed, so the caller can warn with a source line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import html

# Removed with their content: they execute, submit or embed foreign documents.
DROP = frozenset({
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "form",
    "input", "button", "select", "textarea", "option", "link", "meta", "base", "noscript",
    "template", "canvas", "audio", "video", "source", "track", "head", "title", "svg", "math",
})
# Kept as they are: the XHTML vocabulary that prose, notes, tables and figures need.
ALLOWED = frozenset({
    "a", "abbr", "b", "bdi", "bdo", "blockquote", "br", "caption", "cite", "code", "col",
    "colgroup", "dd", "del", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2",
    "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q",
    "s", "samp", "section", "aside", "small", "span", "strong", "sub", "sup", "table", "tbody",
    "td", "tfoot", "th", "thead", "time", "tr", "u", "ul", "var", "wbr",
})
ATTRIBUTES = frozenset({
    "id", "class", "title", "lang", "dir", "href", "src", "alt", "width", "height", "colspan",
    "rowspan", "align", "start", "reversed", "type", "datetime", "cite", "role", "style", "scope",
})
_SCRIPT_SCHEMES = ("javascript:", "vbscript:", "data:text/html")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
"""Characters no XML document may hold (C0 controls but tab and line ends, DEL, two noncharacters)."""
# CSS functions a style may call: colours and arithmetic. Any other (url(), image(), image-set(),
# src(), element(), expression()) could fetch a file or run something.
_CSS_FUNCTIONS = frozenset({"rgb", "rgba", "hsl", "hsla", "hwb", "lab", "lch", "oklab", "oklch", "color",
                            "calc", "min", "max", "clamp", "var"})
_CSS_FUNCTION = re.compile(r"([A-Za-z_-][\w-]*)\s*\(")
_FRAGMENT_URL = re.compile(r"""url\(\s*(["']?)#[\w.:-]*\1\s*\)""", re.IGNORECASE)


@dataclass(frozen=True)
class Removal:
    what: str
    """Human description, e.g. ``<script> element`` or ``onclick attribute``."""
    needle: str
    """Text to look for in the source to find the line."""


def clean_tree(root: html.HtmlElement) -> list[Removal]:
    """Remove unsafe or invalid markup from ``root`` in place; return what was removed."""
    removed: list[Removal] = []
    # Controls first: a character reference (``&#x1;``) puts one in a parsed text, and lxml refuses
    # to join such a text with its neighbour when an element between them is dropped.
    _strip_controls(root)
    for el in list(root.iter()):
        if not isinstance(el.tag, str):
            # Comments and processing instructions carry no content for a reader.
            _drop(el, keep_content=False)
            continue
        tag = el.tag.lower()
        if tag in DROP:
            removed.append(Removal(f"<{tag}> element", f"<{tag}"))
            _drop(el, keep_content=False)
            continue
        if tag not in ALLOWED and el is not root:
            removed.append(Removal(f"<{tag}> element (its text is kept)", f"<{tag}"))
            _drop(el, keep_content=True)
            continue
        for name in list(el.attrib):
            value = el.attrib[name]
            lowered = name.lower()
            if lowered.startswith("on"):
                removed.append(Removal(f"{name} attribute", name))
                del el.attrib[name]
            elif lowered in ("href", "src") and "".join(value.split()).lower().startswith(_SCRIPT_SCHEMES):
                removed.append(Removal(f"{value.split(':')[0].strip()}: link", value.split(":")[0] + ":"))
                del el.attrib[name]
            elif lowered == "style":
                cleaned, changed = clean_style(value, fragments=False)
                if changed:
                    removed.append(Removal("url(), @import or an escape in a style attribute (the rest of the "
                                           "style is kept)", "style="))
                    el.attrib[name] = cleaned
            elif lowered not in ATTRIBUTES and not lowered.startswith(("data-", "aria-")):
                removed.append(Removal(f"{name} attribute", name))
                del el.attrib[name]
    return removed


def _strip_controls(root: html.HtmlElement) -> None:
    """Remove the characters XML forbids from every text, tail and attribute under ``root``."""
    for el in root.iter():
        if el.tail and CONTROL.search(el.tail):
            el.tail = CONTROL.sub("", el.tail)
        if isinstance(el.tag, str):
            if el.text and CONTROL.search(el.text):
                el.text = CONTROL.sub("", el.text)
            for name, value in el.attrib.items():
                if CONTROL.search(value):
                    el.attrib[name] = CONTROL.sub("", value)


def clean_style(css: str, *, fragments: bool) -> tuple[str, bool]:
    """CSS (a style attribute's declarations, or a style sheet) without what could reach outside
    the page: ``@import``, any function but colours and arithmetic (``url()`` above all; with
    ``fragments``, ``url(#id)`` stays, an SVG's gradients and clips), and backslash escapes,
    which could spell any of them. Returns the CSS and whether anything was removed: a
    declaration (or rule) that holds one is removed whole."""
    if not any(mark in css for mark in ("(", "@", "\\")):
        return css, False
    kept: list[str] = []
    changed = False
    for piece in re.split(r"([;{}])", css):
        probe = _FRAGMENT_URL.sub("", piece) if fragments else piece
        if "\\" in probe or "@" in probe or any(name.lower() not in _CSS_FUNCTIONS
                                                  for name in _CSS_FUNCTION.findall(probe)):
            changed = True
            continue
        kept.append(piece)
    return "".join(kept), changed


def _drop(el: html.HtmlElement, *, keep_content: bool) -> None:
    parent = el.getparent()
    if parent is None:
        return
    if keep_content:
        el.drop_tag()
        return
    el.drop_tree()
