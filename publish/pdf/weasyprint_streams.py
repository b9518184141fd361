"""WeasyPrint's content streams, read and rewritten: the one module that relies on their form.

Takes the content stream of a page WeasyPrint drew; gives its runs of text (``read_runs``), the
transformations the page opens with (``page_prologue``), and a run drawn again at another place
(``moved``). The sprite sheets (``sprites``) move each stamp onto its pages this way.

What this relies on, as WeasyPrint 66 to 70 write streams (``check_stream_form`` says loudly when
a new release writes them otherwise): one operator a line; each run of text placed by a text
matrix of the form ``1 0 0 -1 x y Tm`` (y downwards, in CSS px) inside BT…ET, the font set by a
``Tf`` line only when it changes; the page opening with ``cm`` and ``q`` lines (flip the y axis,
CSS px to points) before anything is drawn.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUMBER = r"(-?\d+(?:\.\d+)?)"
_TEXT_MATRIX = re.compile(rf"^1 0 0 -1 {_NUMBER} {_NUMBER} Tm$".encode())


class SpriteError(Exception):
    """A sheet's layout is not what the sheet's HTML asked for (a bug, not a fault of the book)."""


@dataclass(frozen=True)
class Run:
    """One BT…ET block of a content stream."""

    x: float
    y: float
    """The origin of its text matrix: CSS px from the page's top-left corner, y downwards."""
    state: tuple[bytes, ...]
    """Operators set since the last save or restore (colour, opacity), which the run needs."""
    text: tuple[bytes, ...]
    """The font in effect where it starts, then its operators after the text matrix."""


def read_runs(content: bytes) -> list[Run]:
    """The runs of text of a WeasyPrint page's content stream (one operator a line), in order.

    A run starts at a text matrix; WeasyPrint puts consecutive runs in one BT…ET block and sets
    the font only when it changes, so each run is given the font in effect where it starts.
    """
    runs: list[Run] = []
    state: list[bytes] = []
    font = b""
    current: tuple[float, float, tuple[bytes, ...], bytes, list[bytes]] | None = None
    in_text = False
    for line in (raw.strip() for raw in content.split(b"\n")):
        if in_text:
            matrix = _TEXT_MATRIX.match(line)
            if line == b"ET" or matrix is not None:
                if current is not None:
                    runs.append(Run(current[0], current[1], current[2], (current[3], *current[4])))
                current = None
                in_text = line != b"ET"
                if matrix is not None:
                    current = (float(matrix[1]), float(matrix[2]), tuple(state), font, [])
            elif current is None:
                raise SpriteError(f"text drawn with {line!r} before any text matrix placed it")
            else:
                if line.endswith(b" Tf"):
                    font = line
                current[4].append(line)
        elif line == b"BT":
            in_text = True
        elif line in (b"q", b"Q"):
            state = []
        elif line.endswith(b" cm"):
            if runs:
                raise SpriteError("a sheet's text is transformed; only its text matrix may place it")
        elif line:
            state.append(line)
    return runs


def page_prologue(content: bytes) -> tuple[bytes, int]:
    """The transformations a WeasyPrint page opens with (flip the y axis, CSS px to points), and
    how many saved states they leave open."""
    kept: list[bytes] = []
    for line in content.split(b"\n"):
        if line.strip() == b"q" or line.strip().endswith(b" cm"):
            kept.append(line.strip())
        else:
            break
    while kept and kept[-1] == b"q":
        kept.pop()
    if not kept or not kept[-1].endswith(b" cm"):
        raise SpriteError("a stamp page does not open with its transformations")
    return b"\n".join(kept) + b"\n", kept.count(b"q")


def moved(run: Run, x: float, y: float) -> bytes:
    font, *text = run.text
    matrix = f"1 0 0 -1 {_number(x)} {_number(y)} Tm".encode()
    return b"\n".join([b"q", *run.state, b"BT", matrix, font, *text, b"ET", b"Q", b""])


def _number(value: float) -> str:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def draws_anything(content: bytes) -> bool:
    return any(line.strip() and line.strip() not in (b"q", b"Q") and not line.strip().endswith(b" cm")
               for line in content.split(b"\n"))


def check_stream_form(content: bytes) -> None:
    """Fail loudly, naming the assumption, when a page WeasyPrint drew with text on it is not
    written in the form this module reads."""
    lines = [line.strip() for line in content.split(b"\n") if line.strip()]
    if not lines or not all(line == b"q" or line.endswith(b" cm") for line in lines[:3]):
        raise RuntimeError("WeasyPrint's page no longer opens with its 'cm' transformations and 'q': "
                           "publish/pdf/weasyprint_streams.py (the sprite sheets) must be looked at again")
    if not any(_TEXT_MATRIX.match(line) for line in lines):
        raise RuntimeError("WeasyPrint no longer places text with '1 0 0 -1 x y Tm' matrices: "
                           "publish/pdf/weasyprint_streams.py (the sprite sheets) must be looked at again")
    if any(line.count(b" Tj") + line.count(b" TJ") + line.count(b" Tf") > 1 for line in lines):
        raise RuntimeError("WeasyPrint no longer writes one operator a line: "
                           "publish/pdf/weasyprint_streams.py (the sprite sheets) must be looked at again")
    try:
        page_prologue(content)
    except SpriteError as exc:
        raise RuntimeError(f"{exc}: publish/pdf/weasyprint_streams.py must be looked at again") from exc
    if not read_runs(content):
        raise RuntimeError("no run of text found on a page WeasyPrint drew with text: "
                           "publish/pdf/weasyprint_streams.py (the sprite sheets) must be looked at again")


_RGB_COLOUR = re.compile(rb"^" + rb" ".join([_NUMBER.encode()] * 3) + rb" (rg|RG)$")


def grey_colours(content: bytes) -> tuple[bytes, bool]:
    """``content`` with WeasyPrint's DeviceRGB colours (``r g b rg`` and ``RG`` lines) set in the
    ink a printer's black plate prints: a grey stays a grey (``g``, ``G``), any other colour goes
    to DeviceCMYK by the plain complement. Returns the stream and whether it held a colour that
    is not a grey (a fault where the printer wants black alone)."""
    coloured = False
    lines = content.split(b"\n")
    for index, line in enumerate(lines):
        match = _RGB_COLOUR.match(line.strip())
        if match is None:
            continue
        r, g, b = (float(match[n]) for n in (1, 2, 3))
        operator = match[4]
        if r == g == b:
            lines[index] = f"{_number(r)} {'g' if operator == b'rg' else 'G'}".encode()
            continue
        coloured = True
        black = 1 - max(r, g, b)
        c, m, y = ((1 - v - black) / (1 - black) if black < 1 else 0.0 for v in (r, g, b))
        cmyk = " ".join(_number(v) for v in (c, m, y, black))
        lines[index] = f"{cmyk} {'k' if operator == b'rg' else 'K'}".encode()
    return b"\n".join(lines), coloured


def check_colour_form(content: bytes) -> None:
    """The text of a page WeasyPrint drew in black is coloured by one ``0 0 0 rg`` line."""
    if not any(_RGB_COLOUR.match(line.strip()) for line in content.split(b"\n")):
        raise RuntimeError("WeasyPrint no longer sets colours as 'r g b rg' lines: the print edition's colours "
                           "(publish/pdf/weasyprint_streams.py grey_colours) must be looked at again")
