"""Font subsetting with HarfBuzz: a face's file and the glyphs a book draws → a file holding only
those glyphs, each at its original id.

Takes the bytes of a TrueType or OpenType face and a set of glyph ids; returns the subset's
bytes. HarfBuzz's subsetter (libharfbuzz-subset, the library WeasyPrint subsets with) takes a
few milliseconds a face where fontTools takes a tenth of a second, and as long again to import;
fontTools (``pdf.edition.fonts.subset_font``) remains the fallback where the library is missing. The
ids are kept because the parts' text names glyphs by id (``Identity-H``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
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
hb_set_t *hb_subset_input_set (hb_subset_input_t *input, int set_type);
void hb_subset_input_set_flags (hb_subset_input_t *input, unsigned int value);
hb_face_t *hb_subset_or_fail (hb_face_t *source, const hb_subset_input_t *input);
"""
_LIBRARIES = ("libharfbuzz-subset.so.0", "libharfbuzz-subset.0.dylib", "libharfbuzz-subset-0.dll")
_MEMORY_MODE_DUPLICATE = 0
_SETS_DROP_TABLE_TAG = 3
_FLAGS_NO_HINTING, _FLAGS_RETAIN_GIDS, _FLAGS_DESUBROUTINIZE, _FLAGS_NOTDEF_OUTLINE = 0x1, 0x2, 0x4, 0x40
DROPPED_TABLES = ("GSUB", "GPOS", "GDEF", "BASE", "JSTF", "MATH", "DSIG", "STAT", "kern", "morx")
"""Tables a PDF viewer never reads: the text is already shaped and positioned."""


def subsetter() -> Callable[[bytes, set[int]], bytes] | None:
    """HarfBuzz's subsetter, or None where libharfbuzz-subset cannot be loaded."""
    return subset_with_harfbuzz if _library() is not None else None


def subset_with_harfbuzz(data: bytes, glyphs: set[int]) -> bytes:
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
        dropped = hb.hb_subset_input_set(request, _SETS_DROP_TABLE_TAG)
        for tag in DROPPED_TABLES:
            hb.hb_set_add(dropped, hb.hb_tag_from_string(tag.encode("ascii"), -1))
        hb.hb_subset_input_set_flags(request, _FLAGS_RETAIN_GIDS | _FLAGS_NO_HINTING
                                     | _FLAGS_DESUBROUTINIZE | _FLAGS_NOTDEF_OUTLINE)
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
