"""Font subsetting, shared by both editions: a face's file and what a book draws with it → a file
holding only that.

Takes the bytes of a TrueType or OpenType face and either glyph ids (the PDF: ``subset_glyphs``,
each glyph kept at its id, the tables a PDF viewer never reads dropped) or characters (the EPUB:
``subset_text``, every glyph a reading system may shape those characters into kept, with the
layout tables it shapes by); returns the subset's bytes. The one design decision: HarfBuzz's
subsetter (libharfbuzz-subset, the library WeasyPrint subsets with) where it is installed, since
it takes a few milliseconds a face where fontTools takes a tenth of a second and as long again to
import; fontTools where it is missing. Both are given the same instructions.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Collection
from typing import Any

_DECLARATIONS = """
typedef struct hb_blob_t hb_blob_t;
typedef struct hb_face_t hb_face_t;
typedef struct hb_set_t hb_set_t;
typedef struct hb_subset_input_t hb_subset_input_t;
typedef void (*hb_destroy_func_t) (void *user_data);
hb_blob_t *hb_blob_create (const char *data, unsigned int length, int mode, void *user_data,
                           hb_destroy_func_t destroy);
void hb_blob_destroy (hb_blob_t *blob);
const char *hb_blob_get_data (hb_blob_t *blob, unsigned int *length);
hb_face_t *hb_face_create (hb_blob_t *blob, unsigned int index);
void hb_face_destroy (hb_face_t *face);
hb_blob_t *hb_face_reference_blob (hb_face_t *face);
void hb_set_add (hb_set_t *set, uint32_t codepoint);
uint32_t hb_tag_from_string (const char *str, int len);
hb_subset_input_t *hb_subset_input_create_or_fail (void);
void hb_subset_input_destroy (hb_subset_input_t *input);
hb_set_t *hb_subset_input_glyph_set (hb_subset_input_t *input);
hb_set_t *hb_subset_input_unicode_set (hb_subset_input_t *input);
hb_set_t *hb_subset_input_set (hb_subset_input_t *input, int set_type);
void hb_subset_input_set_flags (hb_subset_input_t *input, unsigned int value);
hb_face_t *hb_subset_or_fail (hb_face_t *source, const hb_subset_input_t *input);
"""
_LIBRARIES = ("libharfbuzz-subset.so.0", "libharfbuzz-subset.0.dylib", "libharfbuzz-subset-0.dll")
_MEMORY_MODE_DUPLICATE = 0
# hb_subset_sets_t
_SETS_DROP_TABLE_TAG, _SETS_NAME_ID, _SETS_LAYOUT_FEATURE_TAG = 3, 4, 6
# hb_subset_flags_t
_FLAGS_NO_HINTING, _FLAGS_RETAIN_GIDS, _FLAGS_DESUBROUTINIZE, _FLAGS_NOTDEF_OUTLINE = 0x1, 0x2, 0x4, 0x40
DROPPED_TABLES = ("GSUB", "GPOS", "GDEF", "BASE", "JSTF", "MATH", "DSIG", "STAT", "kern", "morx")
"""Tables a PDF viewer never reads: the PDF's text is already shaped and positioned."""
TEXT_DROPPED_TABLES = ("DSIG",)
"""Tables a subset for a reading system drops: a signature no longer matches a cut-down file."""
TEXT_NAME_IDS = range(26)
"""Names a subset for a reading system keeps: all the standard ones, so that the copyright, the
licence and its address (ids 0, 13, 14) travel with the face, as the OFL asks."""

Subsetter = Callable[[bytes, set[int]], bytes]


def subsetter() -> Subsetter | None:
    """HarfBuzz's glyph subsetter for the PDF, or None where libharfbuzz-subset cannot be loaded."""
    return subset_with_harfbuzz if _library() is not None else None


def subset_glyphs(data: bytes, glyphs: set[int]) -> bytes:
    """``data`` (a face's file) with only ``glyphs``, each at its id, for the PDF: with HarfBuzz
    where it is installed, with fontTools otherwise."""
    harfbuzz = subsetter()
    return harfbuzz(data, glyphs) if harfbuzz is not None else subset_with_fonttools(data, glyphs)


def subset_with_harfbuzz(data: bytes, glyphs: set[int]) -> bytes:
    """The PDF's subset: ``glyphs`` at their ids (the parts' text names glyphs by id through
    ``Identity-H``), no hinting, no layout tables."""
    return _harfbuzz_subset(data, glyphs=glyphs, dropped=DROPPED_TABLES,
                            flags=_FLAGS_RETAIN_GIDS | _FLAGS_NO_HINTING | _FLAGS_DESUBROUTINIZE
                            | _FLAGS_NOTDEF_OUTLINE)


def subset_with_fonttools(data: bytes, glyphs: set[int]) -> bytes:
    # Imported here: fontTools takes a tenth of a second to import, and only a machine without
    # HarfBuzz's subsetter needs it.
    from fontTools import subset  # type: ignore[import-untyped]
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

    # recalcTimestamp=False: fontTools would otherwise stamp the clock into the font's head table.
    font = TTFont(io.BytesIO(data), recalcTimestamp=False, lazy=True)
    for tag in DROPPED_TABLES:
        if tag in font:
            del font[tag]
    options = subset.Options(
        retain_gids=True, notdef_outline=True, hinting=False, desubroutinize=True,
        layout_features=[], name_IDs=["*"], name_languages=["*"], ignore_missing_glyphs=True,
        recalc_timestamp=False,
    )
    options.drop_tables += list(DROPPED_TABLES)
    cutter = subset.Subsetter(options)
    cutter.populate(gids=sorted(glyphs))
    cutter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def subset_text(data: bytes, characters: Collection[str], features: Collection[str]) -> bytes:
    """``data`` cut down to what a reading system needs to set ``characters``: their glyphs and
    every glyph the layout ``features`` (beyond the ones every shaper applies: ligatures, kerning,
    marks) can turn them into, with the layout tables that do it. Glyphs are renumbered and hints
    dropped (readers scale outlines; hints are a third of a face)."""
    codepoints = {ord(ch) for ch in characters}
    if _library() is not None:
        return _harfbuzz_subset(data, unicodes=codepoints, features=features, dropped=TEXT_DROPPED_TABLES,
                                names=TEXT_NAME_IDS, flags=_FLAGS_NO_HINTING | _FLAGS_NOTDEF_OUTLINE)
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(data), recalcTimestamp=False, lazy=False)
    options = subset.Options(notdef_outline=True, hinting=False, name_IDs=["*"], name_languages=["*"],
                             recalc_timestamp=False)
    options.layout_features += sorted(features)
    options.drop_tables += list(TEXT_DROPPED_TABLES)
    cutter = subset.Subsetter(options)
    cutter.populate(unicodes=sorted(codepoints))
    cutter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _harfbuzz_subset(data: bytes, *, flags: int, dropped: Collection[str], glyphs: Collection[int] = (),
                     unicodes: Collection[int] = (), features: Collection[str] = (),
                     names: Collection[int] = ()) -> bytes:
    found = _library()
    if found is None:
        raise OSError("libharfbuzz-subset is not installed")
    ffi, hb = found
    blob = hb.hb_blob_create(data, len(data), _MEMORY_MODE_DUPLICATE, ffi.NULL, ffi.NULL)
    face = hb.hb_face_create(blob, 0)
    request = hb.hb_subset_input_create_or_fail()
    subset = out = ffi.NULL
    try:
        if request == ffi.NULL:
            raise MemoryError("HarfBuzz could not start a subset")
        kept = hb.hb_subset_input_glyph_set(request)
        for glyph in sorted(glyphs):
            hb.hb_set_add(kept, glyph)
        characters = hb.hb_subset_input_unicode_set(request)
        for codepoint in sorted(unicodes):
            hb.hb_set_add(characters, codepoint)
        # The feature set starts as HarfBuzz's defaults (those every shaper applies).
        shaped = hb.hb_subset_input_set(request, _SETS_LAYOUT_FEATURE_TAG)
        for tag in sorted(features):
            hb.hb_set_add(shaped, hb.hb_tag_from_string(tag.encode("ascii"), -1))
        named = hb.hb_subset_input_set(request, _SETS_NAME_ID)
        for name_id in names:
            hb.hb_set_add(named, name_id)
        removed = hb.hb_subset_input_set(request, _SETS_DROP_TABLE_TAG)
        for tag in dropped:
            hb.hb_set_add(removed, hb.hb_tag_from_string(tag.encode("ascii"), -1))
        hb.hb_subset_input_set_flags(request, flags)
        subset = hb.hb_subset_or_fail(face, request)
        if subset == ffi.NULL:
            raise ValueError("HarfBuzz could not subset the face")
        out = hb.hb_face_reference_blob(subset)
        length = ffi.new("unsigned int *")
        pointer = hb.hb_blob_get_data(out, length)
        if pointer == ffi.NULL or not length[0]:
            raise ValueError("HarfBuzz made an empty subset")
        return bytes(ffi.buffer(pointer, length[0]))
    finally:
        if out != ffi.NULL:
            hb.hb_blob_destroy(out)
        if subset != ffi.NULL:
            hb.hb_face_destroy(subset)
        if request != ffi.NULL:
            hb.hb_subset_input_destroy(request)
        hb.hb_face_destroy(face)
        hb.hb_blob_destroy(blob)


@functools.cache
def _library() -> tuple[Any, Any] | None:
    """The binding, made once per process (cffi, which WeasyPrint depends on, in ABI mode)."""
    try:
        import cffi  # type: ignore[import-untyped]
    except ImportError:
        return None
    ffi = cffi.FFI()
    ffi.cdef(_DECLARATIONS)
    for name in _LIBRARIES:
        try:
            return ffi, ffi.dlopen(name)
        except OSError:
            continue
    return None
