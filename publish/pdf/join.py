"""Join the laid-out parts into the book's PDF with pypdf.

Takes the part PDFs in reading order, the stamps (folios, the Notes' running heads), the page
plan and the book's metadata; returns the finished PDF as bytes: one font subset per face,
internal links pointed across parts (digital variant), page labels that match the folios, an
outline, document metadata and a fixed file identifier, so that a rebuild is byte-identical.

pypdf's public API cannot add a free-standing object, swap one, or fix the file identifier, so
this module reaches pypdf's private object table through ``pypdf_objects``.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.constants import PageLabelStyle
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    DictionaryObject,
    Fit,
    FloatObject,
    IndirectObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)

from publish.pdf.fonts import (
    SharedFonts,
    embed_fonts,
    record_glyphs,
    resolve_array,
    resolve_dict,
    share_fonts,
)
from publish.pdf.pages import PagePlan
from publish.pdf.parts import PX_TO_PT, PartLayout
from publish.pdf.pdfx import Identity, Profiles, mark_pdfx, press_colours
from publish.pdf.press import REGISTRATION, Press, mark_content, place_page
from publish.pdf.pypdf_objects import add_object, replace_object, set_file_id
from publish.pdf.sprites import SpritePlan, draw_sprites
from publish.pdf.tree import PRODUCTION, LinkMade, Marking, add_structure, as_artifact, start_marking, tagged
from publish.pdf.xmp import add_metadata
from publish.subset import subset_glyphs

# Links a reader may follow out of the book; anything else (file:, javascript:) is dropped.
_SAFE_SCHEMES = ("http://", "https://", "mailto:")
_NOTE = re.compile(r"note-(\d+)$")
_NOTE_REFERENCE = re.compile(r"noteref-(\d+)(?:-\d+)?$")
# An annotation's flags (ISO 32000-1, 12.5.3): Print, so that it is shown as it is printed.
_PRINT = 4


@dataclass(frozen=True)
class OutlineEntry:
    title: str
    page: int
    """Index of the page in the joined PDF."""
    children: tuple[OutlineEntry, ...] = ()


@dataclass(frozen=True)
class Metadata:
    title: str
    author: str
    subject: str
    language: str
    date: str
    """``YYYY-MM-DD`` (or a prefix of it): the book's date, never the clock."""
    identifier: str
    producer: str


@dataclass(frozen=True)
class StampSet:
    """Stamp pages and the pages of the book they are drawn over."""

    layout: PartLayout
    targets: Sequence[int | None]
    """Per stamp page: the index of the book's page it is drawn over; None when it is empty."""


@dataclass(frozen=True)
class Sprites:
    """Sprite sheets and what is drawn from them where (``pdf.edition.sprites``)."""

    plan: SpritePlan
    sheets: Sequence[PartLayout]


@dataclass(frozen=True)
class JoinInput:
    parts: Sequence[PartLayout]
    stamps: Sequence[StampSet]
    plan: PagePlan
    outline: Sequence[OutlineEntry]
    metadata: Metadata
    variant: str
    font_files: Mapping[str, bytes]
    """Bundled font files by SHA-256."""
    subset: Callable[[bytes, set[int]], bytes] = subset_glyphs
    sprites: Sprites | None = None
    press: Press | None = None
    """The printer's sheet, boxes and marks (print editions); None for the trim alone."""
    profiles: Profiles | None = None
    """ICC profiles for PDF/X (print editions); None: no PDF/X claim."""
    titles: Mapping[str, str] = field(default_factory=dict)
    """What an internal link's target is (an anchor id → "Chapter 3: Title"), for the link's
    description (/Contents), which is what a screen reader says of it."""
    pdf_ua: bool = False
    """Claim PDF/UA-1 in the XMP metadata (the digital edition; its parts must be tagged)."""


@dataclass(frozen=True)
class Joined:
    data: bytes
    coloured: tuple[int, ...] = ()
    """Pages of a print edition that hold a colour other than grey (for the preflight)."""


@dataclass(frozen=True)
class Begun:
    """A join with the parts' pages added, waiting for the stamps (``begin_join``)."""

    parts: Sequence[PartLayout]
    writer: PdfWriter
    fonts: SharedFonts


@dataclass(frozen=True)
class ReadPart:
    """A part's PDF parsed and its pages' content deflated: the join's work that needs no order,
    done while other parts are still being laid out (``read_part``)."""

    layout: PartLayout
    pages: Sequence[PageObject]
    contents: Sequence[StreamObject | None]
    """Each page's content, deflated; None where it is left to the join."""


def read_part(part: PartLayout) -> ReadPart:
    reader = PdfReader(io.BytesIO(part.pdf))
    pages = list(reader.pages)
    contents: list[StreamObject | None] = []
    seen: set[int] = set()  # the pages of a part share their resources: parse those once
    for page in pages:
        _resolve(page, seen)
        stream = page["/Contents"].get_object() if "/Contents" in page else None
        # The parts come uncompressed (cheaper to write); each is compressed once, here.
        if isinstance(stream, StreamObject) and "/Filter" not in stream and not any(
                isinstance(value, IndirectObject) for value in stream.values()):
            contents.append(stream.flate_encode())
        else:
            contents.append(None)
    return ReadPart(part, pages, contents)


def _resolve(obj: object, seen: set[int]) -> None:
    """Parse every object a page reaches now, so that adding it later only copies."""
    if isinstance(obj, IndirectObject):
        if obj.idnum in seen:
            return
        seen.add(obj.idnum)
        obj = obj.get_object()
    if isinstance(obj, DictionaryObject):
        for key, value in obj.items():
            if key != "/Parent":
                _resolve(value, seen)
    elif isinstance(obj, ArrayObject):
        for value in obj:
            _resolve(value, seen)


def begin_join(parts: Sequence[PartLayout], font_files: Mapping[str, bytes],
               subset: Callable[[bytes, set[int]], bytes] = subset_glyphs,
               read: Mapping[int, ReadPart] | None = None, pads: Sequence[bool] | None = None) -> Begun:
    """The first half of the join, which needs only the parts (``read`` holds those already read,
    by index): ``publish pdf`` does it while the stamps are being laid out."""
    writer = PdfWriter()
    fonts = SharedFonts(writer, subset=subset)
    for index, part in enumerate(parts):
        early = (read or {}).get(index)
        done = early if early is not None and early.layout is part else read_part(part)
        record_glyphs(fonts, part.fonts, font_files)
        for page, content in zip(done.pages, done.contents, strict=True):
            share_fonts(fonts, page)
            _drop_annotations(page)
            added = writer.add_page(page)
            ref = added.raw_get("/Contents") if "/Contents" in added else None
            if content is not None and isinstance(ref, IndirectObject):
                replace_object(writer, ref, content)
        if len(done.pages) % 2 and (pads is None or pads[index]):
            _add_blank_page(writer)
    return Begun(parts, writer, fonts)


def join_parts(spec: JoinInput, begun: Begun | None = None) -> bytes:
    """The book's PDF; ``begun`` is ``begin_join`` of the same parts, font files and subsetter."""
    return join_book(spec, begun).data


def join_book(spec: JoinInput, begun: Begun | None = None) -> Joined:
    """``join_parts``, with what the join found that the preflight reports."""
    if begun is None or begun.parts is not spec.parts:
        ends = [spec.plan.starts[part.name] for part in spec.parts[1:]] + [spec.plan.total]
        pads = [end - spec.plan.starts[part.name] > part.page_count for part, end in zip(spec.parts, ends, strict=True)]
        begun = begin_join(spec.parts, spec.font_files, spec.subset, pads=pads)
    writer, fonts = begun.writer, begun.fonts
    anchors = _global_anchors(spec)
    # Every part laid out tagged: the book gets a structure tree, and what is drawn over the
    # pages is marked as artifacts or as text of the tree.
    marking = start_marking(spec.parts, spec.plan) if tagged(spec.parts) else None
    for stamp_set in spec.stamps:
        _draw_stamps(writer, fonts, stamp_set, spec.font_files)
    if spec.sprites is not None:
        _draw_sprites(writer, fonts, spec.sprites, spec.font_files, marking)
    links = _add_links(writer, spec, anchors) if spec.variant == "digital" else []
    if marking is not None:
        add_structure(writer, spec.parts, spec.plan, marking.drawn, links)
    _add_page_labels(writer, spec.plan)
    _add_outline(writer, spec.outline, None)
    embed_fonts(fonts)
    coloured: list[int] = []
    key = spec.variant
    if spec.press is not None:
        coloured = press_colours(writer, spec.profiles.rgb if spec.profiles else None)
        _press_pages(writer, spec.press)
        key = f"{spec.variant}:{spec.press.printer.name}:{'bleed' if spec.press.bleed else 'trim'}"
    _set_document_info(writer, spec.metadata, key)
    meta = spec.metadata
    if spec.press is not None and spec.profiles is not None:
        mark_pdfx(writer, Identity(meta.title, meta.author, pdf_date(meta.date), meta.producer,
                                   f"{meta.identifier}\x1f{key}"), spec.profiles)
    elif spec.pdf_ua and marking is not None:
        add_metadata(writer, Identity(meta.title, meta.author, pdf_date(meta.date), meta.producer,
                                      f"{meta.identifier}\x1f{key}", meta.language), pdfua=1)
    out = io.BytesIO()
    writer.write(out)
    return Joined(out.getvalue(), tuple(coloured))


def _press_pages(writer: PdfWriter, press: Press) -> None:
    """Every page onto its sheet (``press``): moved by the bleed and marks on its left and
    bottom, its boxes set, the printer's marks drawn around it. Even pages are rectos."""
    registration = ArrayObject([
        NameObject("/Separation"), NameObject("/All"), NameObject("/DeviceCMYK"),
        add_object(writer, DictionaryObject({
            NameObject("/FunctionType"): NumberObject(2),
            NameObject("/Domain"): ArrayObject([NumberObject(0), NumberObject(1)]),
            NameObject("/C0"): ArrayObject([NumberObject(0)] * 4),
            NameObject("/C1"): ArrayObject([NumberObject(1)] * 4),
            NameObject("/N"): NumberObject(1),
        })),
    ])
    restore = add_object(writer, _stream(b"\nQ\n"))
    marks: dict[tuple[float, ...], IndirectObject] = {}
    moves: dict[tuple[float, float], IndirectObject] = {}
    for index, page in enumerate(writer.pages):
        trim = page.trimbox if "/TrimBox" in page else page.mediabox
        sheet = place_page(press, float(trim.width), float(trim.height), recto=index % 2 == 0)
        x, y = sheet.offset
        if (x, y) not in moves:
            moves[x, y] = add_object(writer, _stream(f"q 1 0 0 1 {x:g} {y:g} cm\n".encode()))
        contents = page.raw_get("/Contents")
        resolved = contents.get_object()
        existing = list(resolved) if isinstance(resolved, ArrayObject) else [contents]
        drawn = [moves[x, y], *existing, restore]
        content = mark_content(press.printer, sheet)
        if content:
            content = as_artifact(content, PRODUCTION)
            if sheet.media not in marks:
                marks[sheet.media] = add_object(writer, _stream(content).flate_encode())
            drawn.append(marks[sheet.media])
            if "/Resources" not in page:
                page[NameObject("/Resources")] = DictionaryObject()
            resources = resolve_dict(page["/Resources"])
            if "/ColorSpace" not in resources:
                resources[NameObject("/ColorSpace")] = DictionaryObject()
            resolve_dict(resources["/ColorSpace"])[NameObject(REGISTRATION)] = registration
        page[NameObject("/Contents")] = ArrayObject(drawn)
        for box in ("/CropBox", "/ArtBox"):
            if box in page:
                del page[box]
        for box, rect in (("/MediaBox", sheet.media), ("/TrimBox", sheet.trim), ("/BleedBox", sheet.bleed)):
            page[NameObject(box)] = ArrayObject([FloatObject(round(value, 4)) for value in rect])


def _global_anchors(spec: JoinInput) -> dict[str, tuple[int, float, float]]:
    found: dict[str, tuple[int, float, float]] = {}
    for part in spec.parts:
        start = spec.plan.starts[part.name]
        for name, (page, x, y) in part.anchors.items():
            found.setdefault(name, (start + page, x, y))
    return found


def _drop_annotations(page: PageObject) -> None:
    """WeasyPrint's links point inside their own part (and repeat per box); the join re-creates them."""
    if "/Annots" in page:
        del page["/Annots"]


def _add_blank_page(writer: PdfWriter) -> None:
    """A blank left-hand page, with the boxes (trim, bleed) of the page before it."""
    last = writer.pages[-1]
    blank = writer.add_blank_page(float(last.mediabox.width), float(last.mediabox.height))
    for box in ("/TrimBox", "/BleedBox", "/ArtBox", "/CropBox"):
        if box in last:
            blank[NameObject(box)] = last[box].clone(writer)
    blank[NameObject("/Resources")] = DictionaryObject()
    blank[NameObject("/Contents")] = add_object(writer, _stream(b""))


def _draw_stamps(writer: PdfWriter, fonts: SharedFonts, stamps: StampSet, files: Mapping[str, bytes]) -> None:
    """Draw each stamp page over its page: its content after the page's, in a saved state."""
    reader = PdfReader(io.BytesIO(stamps.layout.pdf))
    record_glyphs(fonts, stamps.layout.fonts, files)
    brackets = _brackets(writer)
    for offset, stamp in enumerate(reader.pages):
        target = stamps.targets[offset] if offset < len(stamps.targets) else None
        if target is None:
            continue
        share_fonts(fonts, stamp)
        _overlay(writer, writer.pages[target], as_artifact(_content_data(stamp)), [resolve_dict(stamp["/Resources"])],
                 brackets)


def _draw_sprites(writer: PdfWriter, fonts: SharedFonts, sprites: Sprites, files: Mapping[str, bytes],
                  marking: Marking | None = None) -> None:
    """Draw the stamps set on the sprite sheets over the pages that show them (``pdf.edition.sprites``),
    each marked by ``marking`` (a tagged book's)."""
    sheets = [PdfReader(io.BytesIO(layout.pdf)).pages for layout in sprites.sheets]
    for layout, pages in zip(sprites.sheets, sheets, strict=True):
        record_glyphs(fonts, layout.fonts, files)
        for page in pages:
            share_fonts(fonts, page)
    contents = [[_content_data(page) for page in pages] for pages in sheets]
    brackets = _brackets(writer)
    for target, drawing in sorted(draw_sprites(sprites.plan, contents, marking.mark if marking else None).items()):
        resources = [DictionaryObject({name: entries for name, entries in resolve_dict(
                         sheets[sheet][page]["/Resources"]).items()
                         if drawing.categories is None or name in drawing.categories})
                     for sheet, page in drawing.sources]
        # The pad stamp (any resources) is drawn whole: no part of the text.
        data = as_artifact(drawing.data) if marking is not None and drawing.categories is None else drawing.data
        _overlay(writer, writer.pages[target], data, resources, brackets)


def _content_data(page: PageObject) -> bytes:
    content = page["/Contents"].get_object()
    streams = [part.get_object() for part in content] if isinstance(content, ArrayObject) else [content]
    return b"\n".join(stream.get_data() for stream in streams if isinstance(stream, StreamObject))


def _brackets(writer: PdfWriter) -> tuple[IndirectObject, IndirectObject]:
    """A save and a restore of the graphics state, as streams every page can share."""
    return add_object(writer, _stream(b"q\n")), add_object(writer, _stream(b"\nQ\n"))


def _overlay(writer: PdfWriter, page: PageObject, data: bytes, sources: Sequence[DictionaryObject],
             brackets: tuple[IndirectObject, IndirectObject]) -> None:
    """Draw ``data`` over ``page``, after its content (between ``brackets``, so in the state the
    page began with); the resources ``data`` names come from ``sources``."""
    if "/Resources" not in page:
        page[NameObject("/Resources")] = DictionaryObject()
    resources = resolve_dict(page["/Resources"])
    for source in sources:
        for category, entries in source.items():
            if category == "/ProcSet":
                continue
            if category not in resources:
                resources[NameObject(category)] = entries.clone(writer)
                continue
            # WeasyPrint names fonts and graphic states by what they are (a font's hash, "a1.0"
            # for full opacity), so a name on both pages means the same thing. A stamp draws a
            # form (crop marks) only on the padding pages, which have no resources of their own.
            merged = resolve_dict(resources[category])
            for name, value in resolve_dict(entries).items():
                if name not in merged:
                    merged[NameObject(name)] = value.clone(writer)
    stamp_ref = add_object(writer, _stream(data).flate_encode())
    # raw_get: the reference itself; a stream may not sit inside an array directly.
    contents = page.raw_get("/Contents")
    resolved = contents.get_object()
    existing = list(resolved) if isinstance(resolved, ArrayObject) else [contents]
    save, restore = brackets
    page[NameObject("/Contents")] = ArrayObject([save, *existing, restore, stamp_ref])


def _add_links(writer: PdfWriter, spec: JoinInput,
               anchors: Mapping[str, tuple[int, float, float]]) -> list[LinkMade]:
    """Links as annotations: internal ones to the page and place of their target, in any part,
    each described by where it leads; the annotations made, with their part's ``Link`` node."""
    made = []
    for number, part in enumerate(spec.parts):
        start = spec.plan.starts[part.name]
        for spot in part.links:
            page = writer.pages[start + spot.page]
            height = float(page.mediabox.height)
            x1, y1, x2, y2 = spot.rect
            if y2 - y1 < 10:
                # A note reference is set with no line height (so it does not open up its
                # line): give its link the height of a small figure to click on.
                y1, y2 = (y1 + y2) / 2 - 6, (y1 + y2) / 2 + 6
            annotation = DictionaryObject({
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject("/Link"),
                NameObject("/Rect"): ArrayObject([
                    FloatObject(round(x1 * PX_TO_PT, 2)),
                    FloatObject(round(height - y2 * PX_TO_PT, 2)),
                    FloatObject(round(x2 * PX_TO_PT, 2)),
                    FloatObject(round(height - y1 * PX_TO_PT, 2)),
                ]),
                NameObject("/Border"): ArrayObject([NumberObject(0)] * 3),
                NameObject("/F"): NumberObject(_PRINT),
                NameObject("/Contents"): TextStringObject(_link_description(spot.target, spot.external, spec.titles)),
            })
            if spot.external:
                if not spot.target.startswith(_SAFE_SCHEMES):
                    continue
                annotation[NameObject("/A")] = DictionaryObject({
                    NameObject("/S"): NameObject("/URI"), NameObject("/URI"): TextStringObject(spot.target)})
            else:
                target = anchors.get(spot.target)
                if target is None:
                    continue
                target_page, tx, ty = target
                target_height = float(writer.pages[target_page].mediabox.height)
                annotation[NameObject("/Dest")] = ArrayObject([
                    writer.pages[target_page].indirect_reference,
                    NameObject("/XYZ"),
                    FloatObject(round(tx * PX_TO_PT, 2)),
                    FloatObject(round(target_height - ty * PX_TO_PT, 2)),
                    NumberObject(0),
                ])
            if "/Annots" not in page:
                page[NameObject("/Annots")] = ArrayObject()
            reference = add_object(writer, annotation)
            resolve_array(page["/Annots"]).append(reference)
            made.append(LinkMade(number, spot.node, start + spot.page, reference))
    return made


def _link_description(target: str, external: bool, titles: Mapping[str, str]) -> str:
    """What a link leads to, in words: the URL, the chapter or heading, the note."""
    if external:
        return target
    if target in titles:
        return titles[target]
    if match := _NOTE.match(target):
        return f"Note {match[1]}"
    if match := _NOTE_REFERENCE.match(target):
        return f"Where note {match[1]} is cited"
    chapter = titles.get(target.split("-", 1)[0])
    return chapter if chapter is not None else target


def _add_page_labels(writer: PdfWriter, plan: PagePlan) -> None:
    """Viewers show i, ii, iii… for the front matter and 1, 2, 3… after, as the folios read."""
    if plan.front_count:
        writer.set_page_label(0, plan.front_count - 1, style=PageLabelStyle.LOWERCASE_ROMAN, start=1)
    if plan.total > plan.front_count:
        writer.set_page_label(plan.front_count, plan.total - 1, style=PageLabelStyle.DECIMAL, start=1)


def _add_outline(writer: PdfWriter, entries: Sequence[OutlineEntry], parent: Any) -> None:
    for entry in entries:
        item = writer.add_outline_item(title=entry.title, page_number=entry.page, parent=parent, fit=Fit.fit())
        _add_outline(writer, entry.children, item)


def _set_document_info(writer: PdfWriter, meta: Metadata, key: str) -> None:
    date = pdf_date(meta.date)
    writer.add_metadata({
        "/Title": meta.title, "/Author": meta.author, "/Subject": meta.subject,
        "/Creator": meta.producer, "/Producer": meta.producer,
        "/CreationDate": date, "/ModDate": date,
    })
    root = writer.root_object
    root[NameObject("/Lang")] = TextStringObject(meta.language)
    root[NameObject("/ViewerPreferences")] = DictionaryObject(
        {NameObject("/DisplayDocTitle"): BooleanObject(True)})
    root[NameObject("/PageMode")] = NameObject("/UseOutlines")
    # A fixed identifier: the same book and edition give the same /ID, so rebuilds are identical.
    digest = hashlib.md5(f"{meta.identifier}\x1f{key}".encode(), usedforsecurity=False).digest()
    set_file_id(writer, digest)


def pdf_date(date: str) -> str:
    digits = "".join(ch for ch in date if ch.isdigit())
    digits = (digits + "0101")[:8] if len(digits) < 8 else digits[:8]
    return f"D:{digits}000000Z"


def _stream(data: bytes) -> StreamObject:
    stream = StreamObject()
    stream.set_data(data)
    return stream
