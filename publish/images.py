"""Images as both editions use them: what a file is, and an SVG with nothing that reaches outside it.

Takes an image file's bytes; gives its media type, read from its first bytes (never its name: the
stores reject a PNG called ``.jpg``), and for an SVG the same drawing without what an e-book image
may not hold: scripts, event handlers, a DOCTYPE with entities (an external one is a file read
from elsewhere, ``file:///etc/passwd``), XInclude, processing instructions that load style
sheets, and every reference to another file or the network (``href``, ``xlink:href``,
``url(...)`` in styles). ``check`` reports what would be removed; the EPUB packages and the PDF
lays out the cleaned bytes, so both editions draw the same picture. The one design decision: an
SVG is judged by parsing it without fetching anything (no network, no DTD, no external entity),
so reading an image can never read another file.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from lxml import etree

from publish.sanitize import clean_style

SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"
XINCLUDE = "http://www.w3.org/2001/XInclude"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
_DROPPED = frozenset({"script", "foreignObject", "iframe", "handler", "listener"})


@dataclass(frozen=True)
class CleanSvg:
    data: bytes
    """The SVG to package and lay out (the file's own bytes when nothing was removed)."""
    removed: tuple[str, ...]
    """What was taken out, once each, e.g. ``<script>``, ``href to 'http://…'``."""


def sniff_media_type(data: bytes) -> str | None:
    """The media type the file's first bytes declare; None for anything an EPUB may not hold."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return "image/svg+xml" if _parse_svg(data) is not None else None


def clean_svg(data: bytes) -> CleanSvg | None:
    """The SVG without what could run or reach outside it; None when ``data`` is not an SVG."""
    root = _parse_svg(data)
    if root is None:
        return None
    removed: list[str] = []
    internal = _internal_entities(root)
    # A DOCTYPE is dropped in any case (EPUB forbids external identifiers and entities): said
    # only when it declared something.
    doctype = bool(getattr(root.getroottree().docinfo, "doctype", ""))  # absent from lxml-stubs
    if root.getroottree().docinfo.internalDTD is not None:
        removed.append("DOCTYPE with entity declarations")
    outside_root = [node for node in root.itersiblings(preceding=True)] + list(root.itersiblings())
    removed += [f"<?{getattr(node, 'target', '')}?>" for node in outside_root
                if isinstance(node, etree._ProcessingInstruction)]
    for el in list(root.iter()):
        if isinstance(el, etree._Entity):
            _replace_entity(el, internal, removed)
        elif not isinstance(el.tag, str):
            if isinstance(el, etree._ProcessingInstruction):
                removed.append(f"<?{getattr(el, 'target', '')}?>")
                _drop_keep_tail(el)
        elif etree.QName(el).namespace == XINCLUDE or etree.QName(el).localname in _DROPPED:
            removed.append(f"<{etree.QName(el).localname}>")
            _drop_keep_tail(el)
        else:
            _clean_attributes(el, removed)
            if etree.QName(el).localname == "style" and el.text:
                el.text, changed = clean_style(el.text, fragments=True)
                if changed:
                    removed.append("url() or @import in <style>")
    if not removed and not doctype and not outside_root:
        return CleanSvg(data, ())
    # The element alone: the DOCTYPE (and any entity it declares) is not written back.
    cleaned = etree.tostring(root, encoding="utf-8", xml_declaration=True)
    return CleanSvg(cleaned, tuple(dict.fromkeys(removed)))


def _parse_svg(data: bytes) -> etree._Element | None:
    try:
        root = etree.fromstring(data, _PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return None
    return root if root.tag == f"{{{SVG}}}svg" else None


def _internal_entities(root: etree._Element) -> dict[str, str]:
    """Entities the SVG declares with a literal value; an external one (a file) has none."""
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is None:
        return {}
    entities = getattr(dtd, "iterentities")()  # noqa: B009 - absent from lxml-stubs
    return {entity.name: entity.content for entity in entities
            if entity.system_url is None and entity.content is not None}


def _replace_entity(entity: etree._Entity, internal: dict[str, str], removed: list[str]) -> None:
    """An internal entity becomes its text (no word is lost); an external one is dropped."""
    text = internal.get(entity.name)
    if text is None:
        removed.append(f"external entity &{entity.name};")
        text = ""
    parent = entity.getparent()
    previous = entity.getprevious()
    joined = text + (entity.tail or "")
    if previous is not None:
        previous.tail = (previous.tail or "") + joined
    elif parent is not None:
        parent.text = (parent.text or "") + joined
    if parent is not None:
        parent.remove(entity)


def _clean_attributes(el: etree._Element, removed: list[str]) -> None:
    for name in list(el.attrib):
        qname = etree.QName(name)
        local, value = qname.localname, str(el.attrib[name])
        if local.lower().startswith("on"):
            removed.append(f"{local} attribute")
            del el.attrib[name]
        elif local == "href" or qname.namespace == XLINK or local == "src":
            if not _stays_inside(value):
                removed.append(f"{local} to '{value[:60]}'")
                del el.attrib[name]
        elif local == "base" or qname.namespace == XINCLUDE:
            removed.append(f"{local} attribute")
            del el.attrib[name]
        elif local == "style":
            cleaned, changed = clean_style(value, fragments=True)
            if changed:
                removed.append("url() in a style attribute")
                el.attrib[name] = cleaned


def _stays_inside(value: str) -> bool:
    """A reference that never leaves the file: a fragment, or an image carried as a data: URL."""
    value = value.strip()
    return value.startswith("#") or (urlsplit(value).scheme.lower() == "data"
                                     and value[5:].lstrip().lower().startswith("image/"))


def _drop_keep_tail(el: etree._Element) -> None:
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)
