"""The printer's preflight: what the chosen print service would refuse or print badly, found before upload.

Takes the book, the ``Printer`` (``printers``), the finished PDF and what the layout and the join
found (page count, inside margin, pictures and where they lie, pages in colour); returns
warnings ``preflight-*`` with the file and line to fix, like the layout report, which ``--strict``
turns into a failed build: page count within the service's limits for the trim
(``preflight-pages``), inside margin at least the service's least for the page count
(``preflight-gutter``), every font embedded (``preflight-fonts``), pictures at the service's
resolution at their printed size (``preflight-resolution``), no colour in an interior printed in
black (``preflight-colour``), nothing but full-page art in the bleed (``preflight-bleed``), and a
PDF/X output profile to be had (``preflight-pdfx``). The design decision: the checks read the
same data the build made (the layout's boxes, the join's pages, the file as written), never a
second rendering, so the preflight cannot pass a file other than the one written.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader
from pypdf.generic import DictionaryObject, PdfObject, StreamObject

from publish.config import CONFIG_NAME
from publish.diagnostics import Diagnostic, display_path, warning
from publish.pdf.parts import PlacedImage
from publish.pdf.printers import Printer

PX_PER_IN = 96.0
EDGE_TOLERANCE_PX = 0.7
"""Half a point: a box that ends this close to the trim reaches it."""


@dataclass(frozen=True)
class Placed:
    """A picture on a page of the book, and the file and text it came from."""

    page: int
    """Index of the page in the book."""
    image: PlacedImage
    path: str
    source: str
    occurrence: int = 0
    """Which of the pictures of this file in the source it is (the same file may be shown twice)."""


@dataclass(frozen=True)
class Findings:
    """What the build found that the preflight judges."""

    pages: int
    inside_in: float
    trim: tuple[float, float]
    images: Sequence[Placed]
    coloured: Sequence[int]
    """Pages drawn with a colour other than grey."""
    folios: Sequence[str]
    """The folio of every page, to name pages as the reader sees them."""
    bleed: bool
    pdfx: bool
    """Whether an output profile was found and the file marked PDF/X."""


def preflight(book_root: Path, config_text: str, printer: Printer, found: Findings, pdf: bytes) -> list[Diagnostic]:
    shown = display_path(book_root / CONFIG_NAME)
    problems: list[Diagnostic] = []
    limit = printer.limit(found.trim)
    width, height = found.trim
    line = _key_line(config_text, "trim")
    if limit is None:
        problems.append(warning(shown, line, 1, "preflight-pages",
                                f"{printer.title} prints no trim of {width:g} x {height:g} in"))
    elif found.pages < limit.min_pages or (limit.max_pages is not None and found.pages > limit.max_pages):
        bound = f"{limit.min_pages}-{limit.max_pages}" if limit.max_pages else f"at least {limit.min_pages}"
        problems.append(warning(shown, line, 1, "preflight-pages",
                                f"{found.pages} pages; {printer.title} binds {bound} pages "
                                f"at {width:g} x {height:g} in"))
    least = printer.min_inside_in(found.pages)
    if found.inside_in + 1e-6 < least:
        problems.append(warning(shown, _key_line(config_text, "gutter"), 1, "preflight-gutter",
                                f"inside margin {found.inside_in:.3f} in; {printer.title} asks for at least "
                                f"{least:g} in at {found.pages} pages (set gutter = \"auto\" in {CONFIG_NAME} "
                                "to size it from the page count)"))
    problems += [warning(shown, 1, 1, "preflight-fonts", f"font {name} is not embedded; {printer.title} prints "
                         "only embedded fonts") for name in unembedded_fonts(pdf)]
    problems += _check_images(book_root, printer, found)
    if printer.grey_text and found.coloured:
        pages = ", ".join(found.folios[page] for page in found.coloured[:8])
        problems.append(warning(shown, 1, 1, "preflight-colour",
                                f"colour on page {pages}{'…' if len(found.coloured) > 8 else ''}; {printer.title} "
                                "prints this interior in black ink alone"))
    if not found.pdfx:
        problems.append(warning(shown, 1, 1, "preflight-pdfx",
                                "no ICC output profile for a PDF/X-4 output intent: the file is written without "
                                "PDF/X; install Debian's libgs-common (Ghostscript's ICC profiles)"))
    return problems


def _check_images(book_root: Path, printer: Printer, found: Findings) -> list[Diagnostic]:
    problems = []
    width_px, height_px = found.trim[0] * PX_PER_IN, found.trim[1] * PX_PER_IN
    for placed in found.images:
        image = placed.image
        line = _source_line(placed.source, image.src, placed.occurrence)
        folio = found.folios[placed.page] if placed.page < len(found.folios) else str(placed.page + 1)
        x1, y1, x2, y2 = image.rect
        outside = (x1 < -EDGE_TOLERANCE_PX or y1 < -EDGE_TOLERANCE_PX or x2 > width_px + EDGE_TOLERANCE_PX
                   or y2 > height_px + EDGE_TOLERANCE_PX)
        if outside and not image.art:
            problems.append(warning(placed.path, line, 1, "preflight-bleed",
                                    f"page {folio}: picture {image.src} reaches past the trim; only full-page art "
                                    "(written {.bleed}) may lie in the bleed"))
        elif image.art and not found.bleed:
            problems.append(warning(placed.path, line, 1, "preflight-bleed",
                                    f"page {folio}: full-page picture {image.src} printed without bleed (--bleed "
                                    "none): trimming may leave a white edge"))
        pixels = _pixels(book_root, image.src)
        if pixels is None:
            continue
        (px_width, px_height), mode = pixels
        box_width, box_height = max(x2 - x1, 1e-6), max(y2 - y1, 1e-6)
        # At its printed size the picture's pixels are stretched by the larger of the two scales
        # (a cover-fitted picture is cut on one side).
        ppi = PX_PER_IN / max(box_width / px_width, box_height / px_height)
        if ppi + 0.5 < printer.min_ppi:
            problems.append(warning(placed.path, line, 1, "preflight-resolution",
                                    f"page {folio}: picture {image.src} is {ppi:.0f} ppi at its printed size; "
                                    f"{printer.title} asks for {printer.min_ppi} ppi"))
        if printer.grey_text and mode not in ("1", "L", "LA", "I", "I;16", "F") and not _grey_palette(book_root,
                                                                                                     image.src):
            problems.append(warning(placed.path, line, 1, "preflight-colour",
                                    f"page {folio}: picture {image.src} is in colour ({mode}); {printer.title} "
                                    "prints this interior in black ink alone: convert it to greyscale to see "
                                    "what will print"))
    return problems


def _pixels(book_root: Path, src: str) -> tuple[tuple[int, int], str] | None:
    """A raster picture's size in pixels and its mode; None for vector art and what cannot be read."""
    from PIL import Image, UnidentifiedImageError

    path = book_root / src
    if src.startswith(("data:", "http:", "https:")) or path.suffix.lower() == ".svg" or not path.is_file():
        return None
    try:
        with Image.open(path) as picture:
            return picture.size, picture.mode
    except (OSError, UnidentifiedImageError):
        return None


def _grey_palette(book_root: Path, src: str) -> bool:
    """A palette picture whose colours are all greys prints in black ink alone."""
    from PIL import Image

    try:
        with Image.open(book_root / src) as picture:
            if picture.mode != "P":
                return False
            palette = picture.getpalette() or []
    except OSError:
        return False
    return all(palette[i] == palette[i + 1] == palette[i + 2] for i in range(0, len(palette) - 2, 3))


def unembedded_fonts(pdf: bytes) -> list[str]:
    """The base names of fonts the PDF uses without their file."""
    reader = PdfReader(io.BytesIO(pdf))
    missing: dict[str, None] = {}
    seen: set[int] = set()
    for page in reader.pages:
        for font in _fonts(page.get("/Resources"), seen):
            if font.get("/Subtype") == "/Type3":
                continue
            descendants = font.get("/DescendantFonts")
            target = descendants.get_object()[0].get_object() if descendants is not None else font
            descriptor = target.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else None
            if not isinstance(descriptor, DictionaryObject) or not any(
                    key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
                missing[str(font.get("/BaseFont", "?")).lstrip("/")] = None
    return list(missing)


def _fonts(resources: PdfObject | None, seen: set[int]) -> Iterator[DictionaryObject]:
    resources = resources.get_object() if resources is not None else None
    if not isinstance(resources, DictionaryObject) or id(resources) in seen:
        return
    seen.add(id(resources))
    fonts = resources.get("/Font")
    for ref in (fonts.get_object().values() if fonts is not None else ()):
        font = ref.get_object()
        if isinstance(font, DictionaryObject):
            yield font
    xobjects = resources.get("/XObject")
    for ref in (xobjects.get_object().values() if xobjects is not None else ()):
        xobject = ref.get_object()
        if isinstance(xobject, StreamObject) and xobject.get("/Subtype") == "/Form":
            yield from _fonts(xobject.get("/Resources"), seen)


def _key_line(text: str, key: str) -> int:
    for number, line in enumerate(text.split("\n"), 1):
        if line.strip().startswith((f"{key} ", f"{key}=")):
            return number
    return 1


def _source_line(source: str, src: str, occurrence: int) -> int:
    """The line of the ``occurrence``-th reference to ``src`` in the Markdown; 0 if not found."""
    index = -1
    for _ in range(occurrence + 1):
        found = source.find(src, index + 1) if src else -1
        if found < 0:
            break
        index = found
    return source.count("\n", 0, index) + 1 if index >= 0 else 0


def placed_images(start: int, images: Sequence[PlacedImage], path: str, source: str) -> list[Placed]:
    """A part's pictures as pictures of the book (its first page at ``start``), each numbered
    among those of the same file in the order they are laid out, which is the order written."""
    seen: dict[str, int] = {}
    placed = []
    for image in images:
        placed.append(Placed(start + image.page, image, path, source, seen.get(image.src, 0)))
        seen[image.src] = seen.get(image.src, 0) + 1
    return placed
