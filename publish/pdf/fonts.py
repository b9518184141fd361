"""Fonts of the joined PDF: one embedded subset of each face for the whole book.

Takes the pages being joined and, per face, the glyphs every part drew and the font file;
returns nothing but leaves every page pointing at one font object per face whose file is
subset once to the glyphs of the whole book. Subsetting each face in each of forty parts would
embed forty copies and (with fontTools) cost seconds per part; here it is done once.

Glyph ids are kept as they are (``retain_gids``): each part's text shows glyphs by id through
``Identity-H``, so the shared subset must keep every id where the parts put it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
    StreamObject,
)

from publish.pdf.parts import FontUse
from publish.pdf.pypdf_objects import add_object
from publish.subset import subset_glyphs


@dataclass
class SharedFonts:
    """The book's fonts while the parts are joined: a placeholder per face, filled in at the end.

    Not frozen: it gathers glyphs part by part, and lives only inside one join.
    """

    writer: PdfWriter
    placeholders: dict[str, IndirectObject] = field(default_factory=dict)
    templates: dict[str, DictionaryObject] = field(default_factory=dict)
    widths: dict[str, dict[int, int]] = field(default_factory=dict)
    to_unicode: dict[str, dict[int, str]] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    subset: Callable[[bytes, set[int]], bytes] = field(default=lambda data, glyphs: subset_glyphs(data, glyphs))
    """How a face is cut down to its glyphs (the build passes a cached one)."""


def share_fonts(fonts: SharedFonts, page: DictionaryObject) -> None:
    """Point the fonts of a (not yet added) page at the shared placeholders."""
    for resources in _resource_dicts(page):
        font_dict = resources.get("/Font")
        if font_dict is None:
            continue
        font_dict = font_dict.get_object()
        for name in list(font_dict.keys()):
            value = font_dict[name]
            if isinstance(value, IndirectObject) and value.pdf is fonts.writer:
                continue
            if name not in fonts.placeholders:
                fonts.placeholders[name] = add_object(fonts.writer, DictionaryObject())
                fonts.templates[name] = value.get_object()
            font_dict[NameObject(name)] = fonts.placeholders[name]


def record_glyphs(fonts: SharedFonts, uses: Mapping[str, FontUse], files: Mapping[str, bytes]) -> None:
    """Add the glyphs one part drew; ``files`` holds font files by digest."""
    for name, use in uses.items():
        key = "/" + name
        fonts.widths.setdefault(key, {}).update(use.widths)
        mapping = fonts.to_unicode.setdefault(key, {})
        for glyph, text in use.to_unicode.items():
            mapping.setdefault(glyph, text)
        if key not in fonts.files:
            fonts.files[key] = use.data or files[use.digest]


def embed_fonts(fonts: SharedFonts) -> None:
    """Fill every placeholder with a Type 0 font over one subset of its face."""
    writer = fonts.writer
    for name, placeholder in sorted(fonts.placeholders.items()):
        template = fonts.templates[name]
        target = placeholder.get_object()
        assert isinstance(target, DictionaryObject)
        widths = fonts.widths.get(name, {})
        if template.get("/Subtype") != "/Type0" or name not in fonts.files or not widths:
            # Not a face WeasyPrint embedded as a CID font (a bitmap font): keep it as it came.
            target.update({NameObject(k): v.clone(writer) for k, v in template.items()})
            continue
        cid_template = resolve_dict(resolve_array(template["/DescendantFonts"])[0])
        descriptor_template = resolve_dict(cid_template["/FontDescriptor"])
        font_file = StreamObject()
        data = fonts.subset(fonts.files[name], set(widths) | {0})
        font_file.set_data(data)
        font_file[NameObject("/Length1")] = NumberObject(len(data))
        ascent = int(descriptor_template.get("/Ascent", 800))
        descent = int(descriptor_template.get("/Descent", -200))
        descriptor = DictionaryObject({
            NameObject(k): v.clone(writer) for k, v in descriptor_template.items()
            if k not in ("/FontFile2", "/FontFile3", "/CIDSet", "/FontBBox", "/CapHeight")
        })
        descriptor[NameObject("/FontBBox")] = ArrayObject(
            [NumberObject(0), NumberObject(descent), NumberObject(max(widths.values())), NumberObject(ascent)])
        descriptor[NameObject("/CapHeight")] = NumberObject(ascent)
        descriptor[NameObject("/FontFile2")] = add_object(writer, font_file.flate_encode())
        cid_font = DictionaryObject({
            NameObject(k): v.clone(writer) for k, v in cid_template.items() if k not in ("/W", "/FontDescriptor")
        })
        cid_font[NameObject("/W")] = _widths_array(widths)
        cid_font[NameObject("/FontDescriptor")] = add_object(writer, descriptor)
        to_unicode = StreamObject()
        to_unicode.set_data(_to_unicode_cmap(fonts.to_unicode.get(name, {})))
        target.update({NameObject(k): v.clone(writer) for k, v in template.items()
                       if k not in ("/DescendantFonts", "/ToUnicode")})
        target[NameObject("/DescendantFonts")] = ArrayObject([add_object(writer, cid_font)])
        target[NameObject("/ToUnicode")] = add_object(writer, to_unicode.flate_encode())


def resolve_dict(obj: PdfObject | None) -> DictionaryObject:
    """The dictionary an object is or points at (pypdf types every lookup as any object)."""
    value = obj.get_object() if obj is not None else None
    if not isinstance(value, DictionaryObject):
        raise TypeError(f"expected a PDF dictionary, found {type(value).__name__}")
    return value


def resolve_array(obj: PdfObject | None) -> ArrayObject:
    value = obj.get_object() if obj is not None else None
    if not isinstance(value, ArrayObject):
        raise TypeError(f"expected a PDF array, found {type(value).__name__}")
    return value


def _widths_array(widths: Mapping[int, int]) -> ArrayObject:
    array = ArrayObject()
    run: ArrayObject | None = None
    for glyph in sorted(widths):
        if run is None or glyph - 1 not in widths:
            run = ArrayObject()
            array.extend([NumberObject(glyph), run])
        run.append(NumberObject(round(widths[glyph])))
    return array


def _to_unicode_cmap(mapping: Mapping[int, str]) -> bytes:
    lines = [
        b"/CIDInit /ProcSet findresource begin", b"12 dict begin", b"begincmap",
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        b"/CMapName /Adobe-Identity-UCS def", b"/CMapType 2 def",
        b"1 begincodespacerange", b"<0000> <ffff>", b"endcodespacerange",
    ]
    items = sorted(mapping.items())
    for start in range(0, len(items), 100):
        batch = items[start : start + 100]
        lines.append(f"{len(batch)} beginbfchar".encode())
        for glyph, text in batch:
            lines.append(f"<{glyph:04x}> <{text.encode('utf-16-be').hex()}>".encode())
        lines.append(b"endbfchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    return b"\n".join(lines)


def _resource_dicts(page: DictionaryObject) -> Iterator[DictionaryObject]:
    """The page's resources and those of the forms it draws (text may sit inside a form)."""
    seen: set[int] = set()
    stack: list[PdfObject] = [page.get("/Resources", DictionaryObject())]
    while stack:
        resources = stack.pop().get_object()
        if not isinstance(resources, DictionaryObject) or id(resources) in seen:
            continue
        seen.add(id(resources))
        yield resources
        xobjects = resources.get("/XObject")
        if xobjects is None:
            continue
        for ref in xobjects.get_object().values():
            xobject = ref.get_object()
            if isinstance(xobject, StreamObject) and xobject.get("/Subtype") == "/Form" and "/Resources" in xobject:
                stack.append(xobject["/Resources"])
