"""Printers' specifications: the one table of what each print service asks of an interior PDF.

Takes a preset's name (``kdp``, ``ingramspark``, ``lulu``, ``offset``); gives a ``Printer``: the
bleed and on which edges, the printer's marks, the page counts it binds for a trim, the least
inside margin for a page count, the image resolution it asks for, whether a text-only interior
prints in black ink alone, and the PDF/X flavour. The design decision: every number a service
publishes lives here and only here, each with its source in a comment, so that when a service
changes its specification one line changes (the page geometry, ``press``, and the preflight,
``preflight``, read it from here).
"""

from __future__ import annotations

from dataclasses import dataclass

MM = 1 / 25.4
"""Inches in a millimetre."""


@dataclass(frozen=True)
class PageLimit:
    """The page counts a service binds for trims up to a size."""

    max_width_in: float
    max_height_in: float
    min_pages: int
    max_pages: int | None
    """None: no limit the service publishes."""


@dataclass(frozen=True)
class Gutter:
    """The least inside margin for books of up to ``max_pages`` pages."""

    max_pages: int | None
    """None: any number of pages."""
    inside_in: float


@dataclass(frozen=True)
class Printer:
    name: str
    title: str
    bleed_in: float
    """Bleed on the top, bottom and outside edges of a page, when the book bleeds."""
    gutter_bleed: bool
    """Bleed on the bound (inside) edge too."""
    marks: bool
    """Crop and registration marks outside the bleed, and a slug line naming book, page and date."""
    mark_offset_in: float
    """From the trim to where a crop mark starts (at least the bleed: marks never enter it)."""
    mark_length_in: float
    mark_weight_pt: float
    limits: tuple[PageLimit, ...]
    """First that fits the trim applies."""
    gutters: tuple[Gutter, ...]
    """First whose ``max_pages`` holds the page count applies."""
    min_ppi: int
    grey_text: bool
    """A text-only interior prints in black ink alone: RGB there is a fault."""
    pdfx: str

    def limit(self, trim: tuple[float, float]) -> PageLimit | None:
        width, height = trim
        return next((limit for limit in self.limits
                     if width <= limit.max_width_in + 0.005 and height <= limit.max_height_in + 0.005), None)

    def min_inside_in(self, pages: int) -> float:
        return next(g.inside_in for g in self.gutters if g.max_pages is None or pages <= g.max_pages)

    @property
    def marks_in(self) -> float:
        """The band outside the trim that holds the marks and the slug line (0 without marks)."""
        return self.mark_offset_in + self.mark_length_in + SLUG_BAND_IN if self.marks else 0.0


SLUG_BAND_IN = 2 * MM
"""Room beyond the crop marks' ends, so that nothing is drawn at the very edge of the sheet."""

PRINTERS: dict[str, Printer] = {
    "kdp": Printer(
        name="kdp", title="Amazon KDP paperback",
        # KDP Help, "Set trim size, bleed, and margins": bleed 0.125 in (3.2 mm) on the top,
        # bottom and outside edge; a 6 x 9 in book with bleed is 6.125 x 9.25 in. No marks: "do
        # not include crop marks" (KDP paperback manuscript guidelines).
        bleed_in=0.125, gutter_bleed=False, marks=False, mark_offset_in=0.0, mark_length_in=0.0, mark_weight_pt=0.0,
        limits=(
            # KDP Help, "Print Options", black ink on white paper: 24 pages at least; at most
            # 828, but 800 for the 8.25 in wide trims, 780 for 8.27 x 11.69 in, 590 for 8.5 x 8.5
            # and 8.5 x 11 in.
            PageLimit(8.24, 11.69, 24, 828),
            PageLimit(8.25, 8.25, 24, 800),
            PageLimit(8.27, 11.69, 24, 780),
            PageLimit(8.5, 11.0, 24, 590),
        ),
        gutters=(
            # KDP Help, "Set trim size, bleed, and margins", inside margin by page count:
            # 24-150 pages 0.375 in, 151-300 0.5 in, 301-500 0.625 in, 501-700 0.75 in,
            # 701-828 0.875 in.
            Gutter(150, 0.375), Gutter(300, 0.5), Gutter(500, 0.625), Gutter(700, 0.75), Gutter(None, 0.875),
        ),
        # KDP Help, "Paperback submission guidelines": images at 300 DPI or more; black ink
        # interiors in greyscale.
        min_ppi=300, grey_text=True,
        # KDP takes any PDF with fonts embedded; PDF/X-4 is the current ISO exchange form for print.
        pdfx="PDF/X-4",
    ),
    "ingramspark": Printer(
        name="ingramspark", title="IngramSpark",
        # IngramSpark File Creation Guide: interior bleed 0.125 in on the top, bottom and outside
        # edge only; "do not include crop, registration, or printer marks" (IngramSpark blog,
        # "File Requirements for Print Books").
        bleed_in=0.125, gutter_bleed=False, marks=False, mark_offset_in=0.0, mark_length_in=0.0, mark_weight_pt=0.0,
        limits=(
            # IngramSpark FAQ: 18 pages at least for every binding; File Creation Guide: at most
            # 1,200 pages for black-and-white paperbacks on its thinnest stock.
            PageLimit(8.5, 11.0, 18, 1200),
        ),
        # IngramSpark blog, "File Requirements for Print Books": margins of at least 0.5 in
        # (13 mm) from the trim on all sides.
        gutters=(Gutter(None, 0.5),),
        # File Creation Guide: images at 300 ppi; black-and-white text in greyscale or black only.
        min_ppi=300, grey_text=True,
        # File Creation Guide: PDF/X-1a:2001, PDF/X-3 or PDF/X-4; X-4 keeps live transparency and fonts.
        pdfx="PDF/X-4",
    ),
    "lulu": Printer(
        name="lulu", title="Lulu",
        # Lulu Help, "How do I make my content cover the whole page? What is bleed?": 0.125 in
        # (3.18 mm) past the trim on every side, the bound edge too (6 x 9 in becomes
        # 6.25 x 9.25 in); no crop or registration marks.
        bleed_in=0.125, gutter_bleed=True, marks=False, mark_offset_in=0.0, mark_length_in=0.0, mark_weight_pt=0.0,
        limits=(
            # Lulu Book Creation Guide, paperback (perfect bound): 32 to 800 pages.
            PageLimit(8.5, 11.0, 32, 800),
        ),
        gutters=(
            # Lulu Help, "Tips for formatting documents": a 0.5 in safety margin on every side,
            # and most books need a gutter of 0.2-0.3 in on top of it: at least 0.7 in inside.
            Gutter(None, 0.7),
        ),
        # Lulu Help, "Interior formatting FAQ": 300 ppi; black-and-white books in greyscale.
        min_ppi=300, grey_text=True,
        pdfx="PDF/X-4",
    ),
    "offset": Printer(
        name="offset", title="Offset printer",
        # An offset house's usual specification (e.g. the ISO 12647-2 / PSO workflow printers
        # publish): 3 mm bleed on every edge, the gutter too, since pages are imposed apart;
        # crop marks 3 mm from the trim (so outside the bleed), 5 mm long, 0.25 pt hairlines,
        # in registration colour, with registration targets and a slug line.
        bleed_in=3 * MM, gutter_bleed=True, marks=True, mark_offset_in=3 * MM, mark_length_in=5 * MM,
        mark_weight_pt=0.25,
        # An offset printer quotes each job: no page limit is assumed beyond binding in sheets
        # of 4 pages at the least.
        limits=(PageLimit(100.0, 100.0, 4, None),),
        # Perfect binding mills about 3 mm off the spine, and type needs 10 mm of clear paper
        # beyond it: 13 mm inside at the least, more for a thick book that opens less.
        gutters=(Gutter(300, 13 * MM), Gutter(None, 16 * MM)),
        # 300 ppi at 150 lpi screening (the usual 2x the line screen); a text-only interior set
        # in black alone keeps the type off the colour plates.
        min_ppi=300, grey_text=True,
        pdfx="PDF/X-4",
    ),
}
VARIANT_PRINT_PRESET = "kdp"
"""What ``--variant print`` means: the print-on-demand service most books are uploaded to."""
BLEED_CHOICES = ("auto", "none")


def find_printer(name: str) -> Printer:
    try:
        return PRINTERS[name]
    except KeyError:
        raise ValueError(f"unknown printer {name!r}; choose one of {', '.join(PRINTERS)}") from None
