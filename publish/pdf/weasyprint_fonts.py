"""WeasyPrint's fonts, read: the one module that relies on how it holds and embeds them.

Takes a rendered WeasyPrint document; gives, for each font it drew with, the face's original file,
the glyphs drawn (advance widths and the text each glyph stands for), and a finisher that empties
the font files WeasyPrint embeds (the join embeds one subset of each face for the whole book).
Also whether WeasyPrint subsets with HarfBuzz (then a part is written with its own subsets; with
fontTools, seconds a part, whole fonts are written and dropped by the finisher).

None of this is public API: ``Document.fonts`` values with ``hb_face``, ``hash``, ``widths``,
``to_unicode``; ``weasyprint.text.fonts.get_hb_object_data``; ``weasyprint.text.ffi.harfbuzz_subset``;
pydyf's ``Stream.extra`` for the embedded files. ``check_font_internals`` says loudly when a new
release changes them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pydyf  # type: ignore[import-untyped]
from weasyprint.text import ffi
from weasyprint.text.fonts import get_hb_object_data

HARFBUZZ_SUBSET = getattr(ffi, "harfbuzz_subset", None) is not None
"""Whether WeasyPrint found HarfBuzz's subsetting library."""


@dataclass(frozen=True)
class DrawnFont:
    """One font of a document: its face's file and what was drawn with it."""

    key: str
    """WeasyPrint's hash of the font (one face may be several fonts, one per size)."""
    data: bytes
    widths: dict[int, int]
    to_unicode: dict[int, str]


def drawn_fonts(document: Any) -> Iterator[DrawnFont]:
    for font in document.fonts.values():
        # The face's original file: ``file_content`` holds the part's subset after writing.
        yield DrawnFont(font.hash, bytes(get_hb_object_data(font.hb_face)), dict(font.widths),
                        dict(font.to_unicode))


def drop_font_files(document: Any, pdf: Any) -> None:
    """A ``write_pdf`` finisher: empty the embedded font files."""
    for obj in pdf.objects:
        extra = getattr(obj, "extra", None)
        if isinstance(obj, pydyf.Stream) and extra is not None and (
                "Length1" in extra or extra.get("Subtype") == "/OpenType"):
            obj.stream = [b""]
            if "Length1" in extra:
                extra["Length1"] = 0


def check_font_internals(document: Any) -> None:
    """What this module relies on, on a real rendered document with text."""
    fonts = getattr(document, "fonts", None)
    if not isinstance(fonts, dict) or not fonts:
        raise RuntimeError("WeasyPrint's Document.fonts is no longer a dict of the fonts drawn with: "
                           "publish/pdf/weasyprint_fonts.py must be looked at again")
    for font in fonts.values():
        for name in ("hb_face", "hash", "widths", "to_unicode"):
            if not hasattr(font, name):
                raise RuntimeError(f"WeasyPrint's fonts have no {name}: publish/pdf/weasyprint_fonts.py "
                                   "(the book-wide font subsets) must be looked at again")
        data = bytes(get_hb_object_data(font.hb_face))
        if not data.startswith((b"\x00\x01\x00\x00", b"OTTO", b"true")):
            raise RuntimeError("get_hb_object_data(font.hb_face) no longer gives the face's file: "
                               "publish/pdf/weasyprint_fonts.py must be looked at again")
    if not hasattr(ffi, "harfbuzz_subset"):
        raise RuntimeError("weasyprint.text.ffi has no harfbuzz_subset: publish/pdf/weasyprint_fonts.py must "
                           "be looked at again")
