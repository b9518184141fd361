"""The press sheet: each page of the book placed for a printer, with its boxes and marks.

Takes a ``Printer`` (``printers``), whether the book bleeds, and a page's trim size and side;
gives the page's ``Sheet`` (MediaBox, TrimBox, BleedBox and where the trimmed page sits on it)
and the content that draws the printer's marks: crop marks at the corners and registration
targets at the middle of each edge, all outside the bleed, in the registration colour that prints
on every plate. The design decision: every edition lays its pages out at the trim, and the press
is the join's last step, a translation of each page onto a larger sheet; so the pages of the
digital and the print editions are the same pages, laid out once, and the bleed goes on the edges
the printer names (the outside, top and bottom edges, or the gutter too) page by page.
"""

from __future__ import annotations

from dataclasses import dataclass

from publish.pdf.printers import Printer

PT_PER_IN = 72.0
REGISTRATION = "/PublishRegistration"
"""The page resource name of the registration colour (a Separation named All)."""


@dataclass(frozen=True)
class Press:
    """How the join places pages for a printer."""

    printer: Printer
    bleed: bool
    """Whether the book bleeds (``--bleed auto`` found a picture at the edge)."""


@dataclass(frozen=True)
class Sheet:
    """One page on the press sheet, in points, the origin at the sheet's lower-left corner."""

    media: tuple[float, float, float, float]
    trim: tuple[float, float, float, float]
    bleed: tuple[float, float, float, float]
    offset: tuple[float, float]
    """Where the trimmed page's lower-left corner lies on the sheet."""


def place_page(press: Press, width: float, height: float, recto: bool) -> Sheet:
    """The sheet of a page ``width`` x ``height`` pt: bleed on the edges the printer names (the
    outside edge is the right one of a recto), and the marks' band beyond it on every edge."""
    printer = press.printer
    bleed = printer.bleed_in * PT_PER_IN if press.bleed else 0.0
    inside = bleed if printer.gutter_bleed else 0.0
    left_bleed, right_bleed = (inside, bleed) if recto else (bleed, inside)
    band = printer.marks_in * PT_PER_IN
    if band:
        # Marks: the band lies beyond the bleed on every edge, the same on both sides of a leaf.
        left = right = top = bottom = bleed + band
    else:
        left, right, top, bottom = left_bleed, right_bleed, bleed, bleed
    x1, y1 = round(left, 4), round(bottom, 4)
    x2, y2 = round(left + width, 4), round(bottom + height, 4)
    return Sheet(
        media=(0.0, 0.0, round(left + width + right, 4), round(bottom + height + top, 4)),
        trim=(x1, y1, x2, y2),
        bleed=(round(x1 - left_bleed, 4), round(y1 - bleed, 4), round(x2 + right_bleed, 4), round(y2 + bleed, 4)),
        offset=(x1, y1),
    )


def mark_content(printer: Printer, sheet: Sheet) -> bytes:
    """Crop marks at the four corners of the trim and a registration target at the middle of each
    edge, in ``REGISTRATION`` colour: nothing when the printer wants no marks. Every mark lies
    outside the bleed, since a crop mark starts ``mark_offset_in`` (at least the bleed) beyond the
    trim."""
    if not printer.marks:
        return b""
    x1, y1, x2, y2 = sheet.trim
    gap = printer.mark_offset_in * PT_PER_IN
    length = printer.mark_length_in * PT_PER_IN
    lines: list[str] = ["q", f"{REGISTRATION} CS 1 SCN", f"{_n(printer.mark_weight_pt)} w", "0 J"]
    for x, y, sx, sy in ((x1, y1, -1, -1), (x2, y1, 1, -1), (x1, y2, -1, 1), (x2, y2, 1, 1)):
        # A horizontal and a vertical hairline on the lines of the trim, starting past the bleed.
        lines += [f"{_n(x + sx * gap)} {_n(y)} m", f"{_n(x + sx * (gap + length))} {_n(y)} l", "S",
                  f"{_n(x)} {_n(y + sy * gap)} m", f"{_n(x)} {_n(y + sy * (gap + length))} l", "S"]
    middle = gap + length / 2
    radius = length * 0.3
    centres = (((x1 + x2) / 2, y2 + middle), ((x1 + x2) / 2, y1 - middle), (x1 - middle, (y1 + y2) / 2),
               (x2 + middle, (y1 + y2) / 2))
    for cx, cy in centres:
        lines += [*_circle(cx, cy, radius), "S"]
        lines += [f"{_n(cx - length / 2)} {_n(cy)} m", f"{_n(cx + length / 2)} {_n(cy)} l",
                  f"{_n(cx)} {_n(cy - length / 2)} m", f"{_n(cx)} {_n(cy + length / 2)} l", "S"]
    lines.append("Q")
    return ("\n".join(lines) + "\n").encode("ascii")


def _circle(cx: float, cy: float, r: float) -> list[str]:
    """A circle as four Bézier quarters (the usual 0.5523 handle)."""
    k = 0.5523 * r
    return [f"{_n(cx + r)} {_n(cy)} m",
            f"{_n(cx + r)} {_n(cy + k)} {_n(cx + k)} {_n(cy + r)} {_n(cx)} {_n(cy + r)} c",
            f"{_n(cx - k)} {_n(cy + r)} {_n(cx - r)} {_n(cy + k)} {_n(cx - r)} {_n(cy)} c",
            f"{_n(cx - r)} {_n(cy - k)} {_n(cx - k)} {_n(cy - r)} {_n(cx)} {_n(cy - r)} c",
            f"{_n(cx + k)} {_n(cy - r)} {_n(cx + r)} {_n(cy - k)} {_n(cx + r)} {_n(cy)} c"]


def slug_place(printer: Printer, trim_height_in: float) -> tuple[float, float]:
    """Where the slug line's text starts, in inches from the trim's top-left corner (y downwards):
    below the trim, past the bleed, clear of the bottom-left crop mark."""
    return (printer.mark_offset_in + 0.1, trim_height_in + printer.mark_offset_in + 0.02)


def _n(value: float) -> str:
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text
