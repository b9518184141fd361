"""PDF/X-4 for the print edition: the output intent, the metadata PDF/X asks for, colours a press prints.

Takes the joined ``PdfWriter`` of a print edition and the book's metadata; leaves it a PDF/X-4
file: an output intent carrying an ICC output profile (``/GTS_PDFX``), ``GTS_PDFXVersion`` and
``Trapped`` in the document information and in XMP metadata that matches it (``xmp``), PDF 1.6, a
document and instance ID; WeasyPrint's DeviceRGB colours set in grey (or CMYK) and its RGB
pictures tagged as sRGB, since PDF/X-4 takes no device RGB against a CMYK output intent. Returns
the pages that hold a colour other than grey, for the preflight. (Every page's TrimBox and
BleedBox are the press's, ``press``; the trailer's ID the join's.)

The design decision: the profiles are not bundled. The output intent's profile is Ghostscript's
CMYK output profile (``default_cmyk.icc``, Artifex's characterisation of SWOP coated stock) and
the pictures' is its sRGB (``srgb.icc``), both from Debian's libgs-common (AGPL-3+, which allows
redistribution; the files are embedded unmodified and carry their copyright): Debian's
icc-profiles-free and colord-data hold display and abstract profiles only, and PDF/X needs an
output ('prtr') profile. Where neither is installed the build says so and writes no PDF/X
claim (``find_profiles``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
    StreamObject,
    TextStringObject,
)

from publish.pdf.pypdf_objects import add_object
from publish.pdf.weasyprint_streams import grey_colours
from publish.pdf.xmp import Identity as Identity
from publish.pdf.xmp import add_metadata, metadata_packet

PROFILE_FOLDERS = (
    Path("/usr/share/color/icc/ghostscript"),  # Debian and Ubuntu: libgs-common
    Path("/usr/local/share/color/icc/ghostscript"),
)
CMYK_PROFILE = "default_cmyk.icc"
RGB_PROFILE = "srgb.icc"
PDFX_VERSION = "PDF/X-4"


@dataclass(frozen=True)
class Profiles:
    cmyk: bytes
    """The output intent's profile: a CMYK output ('prtr') profile."""
    rgb: bytes
    """The profile RGB pictures are tagged with."""
    condition: str
    """The profile's own description, named as the output condition."""


def find_profiles(folders: Sequence[Path] = PROFILE_FOLDERS) -> Profiles | None:
    for folder in folders:
        cmyk, rgb = folder / CMYK_PROFILE, folder / RGB_PROFILE
        if cmyk.is_file() and rgb.is_file():
            data = cmyk.read_bytes()
            if data[12:16] == b"prtr" and data[16:20] == b"CMYK":
                return Profiles(data, rgb.read_bytes(), profile_description(data) or CMYK_PROFILE)
    return None


def profile_description(data: bytes) -> str:
    """The ``desc`` tag's text of an ICC v2 profile (an ASCII ``desc`` type), or ''."""
    count = int.from_bytes(data[128:132], "big") if len(data) >= 132 else 0
    for index in range(count):
        entry = data[132 + 12 * index : 144 + 12 * index]
        if entry[:4] == b"desc":
            offset, size = int.from_bytes(entry[4:8], "big"), int.from_bytes(entry[8:12], "big")
            tag = data[offset : offset + size]
            if tag[:4] == b"desc":
                length = int.from_bytes(tag[8:12], "big")
                return tag[12 : 12 + length].rstrip(b"\0").decode("ascii", "replace")
    return ""


def press_colours(writer: PdfWriter, rgb_profile: bytes | None) -> list[int]:
    """Every page's colours in grey or CMYK, its RGB pictures tagged with ``rgb_profile``; the
    indexes of the pages that hold a colour other than grey."""
    done: dict[int, bool] = {}
    srgb: IndirectObject | None = None
    if rgb_profile is not None:
        stream = StreamObject()
        stream.set_data(rgb_profile)
        stream[NameObject("/N")] = NumberObject(3)
        stream[NameObject("/Alternate")] = NameObject("/DeviceRGB")
        srgb = add_object(writer, stream.flate_encode())
    coloured = []
    for index, page in enumerate(writer.pages):
        found = False
        contents = page.raw_get("/Contents") if "/Contents" in page else None
        refs = list(contents.get_object()) if contents is not None and isinstance(
            contents.get_object(), ArrayObject) else [contents] if contents is not None else []
        for ref in refs:
            found |= _grey_stream(ref, done)
        found |= _grey_resources(page.get("/Resources"), done, srgb, set())
        if found:
            coloured.append(index)
    return coloured


def _grey_stream(ref: object, done: dict[int, bool]) -> bool:
    key = ref.idnum if isinstance(ref, IndirectObject) else id(ref)
    if key in done:
        return done[key]
    stream = ref.get_object() if isinstance(ref, IndirectObject) else ref
    found = False
    if isinstance(stream, StreamObject):
        data, found = grey_colours(stream.get_data())
        stream.set_data(data)
    done[key] = found
    return found


def _grey_resources(resources: PdfObject | None, done: dict[int, bool], srgb: IndirectObject | None,
                    seen: set[int]) -> bool:
    """Forms drawn by a page get their colours set too; RGB pictures get the sRGB profile."""
    resources = resources.get_object() if resources is not None else None
    if not isinstance(resources, DictionaryObject) or id(resources) in seen:
        return False
    seen.add(id(resources))
    xobjects = resources.get("/XObject")
    found = False
    for ref in (xobjects.get_object().values() if xobjects is not None else ()):
        xobject = ref.get_object()
        if not isinstance(xobject, StreamObject):
            continue
        if xobject.get("/Subtype") == "/Form":
            found |= _grey_stream(ref, done)
            found |= _grey_resources(xobject.get("/Resources"), done, srgb, seen)
        elif xobject.get("/Subtype") == "/Image" and srgb is not None:
            space = xobject.get("/ColorSpace")
            if space == "/DeviceRGB":
                xobject[NameObject("/ColorSpace")] = ArrayObject([NameObject("/ICCBased"), srgb])
            elif isinstance(space, ArrayObject) and space and space[0] == "/Indexed" and space[1] == "/DeviceRGB":
                space[1] = ArrayObject([NameObject("/ICCBased"), srgb])
    return found


def mark_pdfx(writer: PdfWriter, identity: Identity, profiles: Profiles) -> None:
    """The output intent, the information dictionary's PDF/X keys and the XMP metadata."""
    profile = StreamObject()
    profile.set_data(profiles.cmyk)
    profile[NameObject("/N")] = NumberObject(4)
    profile[NameObject("/Alternate")] = NameObject("/DeviceCMYK")
    intent = DictionaryObject({
        NameObject("/Type"): NameObject("/OutputIntent"),
        NameObject("/S"): NameObject("/GTS_PDFX"),
        # Not a condition registered with the ICC: "Custom", with the profile itself embedded.
        NameObject("/OutputConditionIdentifier"): TextStringObject("Custom"),
        NameObject("/OutputCondition"): TextStringObject(profiles.condition),
        NameObject("/Info"): TextStringObject(profiles.condition),
        NameObject("/RegistryName"): TextStringObject("http://www.color.org"),
        NameObject("/DestOutputProfile"): add_object(writer, profile.flate_encode()),
    })
    writer.root_object[NameObject("/OutputIntents")] = ArrayObject([add_object(writer, intent)])
    writer.add_metadata({"/GTS_PDFXVersion": PDFX_VERSION, "/Trapped": NameObject("/False")})
    add_metadata(writer, identity, pdfx=PDFX_VERSION)
    # PDF/X-4 is built on PDF 1.6.
    writer.pdf_header = b"%PDF-1.6"


def xmp_packet(identity: Identity) -> str:
    """The XMP metadata PDF/X-4 asks for, matching the information dictionary."""
    return metadata_packet(identity, pdfx=PDFX_VERSION)
