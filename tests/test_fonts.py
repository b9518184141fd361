"""Font subsets keep the glyphs the book draws at their ids, drop the rest and the tables no PDF
viewer reads, with HarfBuzz or, without it, with fontTools."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from conftest import require
from fontTools.ttLib import TTFont

from publish import subset as shared_subset
from publish.paths import styles_dir
from publish.subset import DROPPED_TABLES, subset_glyphs, subsetter

FACE = styles_dir() / "fonts" / "EBGaramond-Regular.ttf"


def glyph_outlines(data: bytes) -> dict[int, int]:
    """Glyph id → number of contours, or of components for a composite glyph (0: empty)."""
    font = TTFont(io.BytesIO(data))
    glyf = font["glyf"]
    return {gid: len(glyf[name].components) if glyf[name].isComposite() else max(glyf[name].numberOfContours, 0)
            for gid, name in enumerate(font.getGlyphOrder())}


def with_components(data: bytes, glyphs: set[int]) -> set[int]:
    """``glyphs`` and the glyphs their composites are built of: a subset must keep those too."""
    font = TTFont(io.BytesIO(data))
    glyf, order = font["glyf"], font.getGlyphOrder()
    found, todo = set(glyphs), list(glyphs)
    while todo:
        glyph = glyf[order[todo.pop()]]
        for component in glyph.components if glyph.isComposite() else ():
            gid = font.getGlyphID(component.glyphName)
            if gid not in found:
                found.add(gid)
                todo.append(gid)
    return found


def check_subset(data: bytes, kept: set[int], original: bytes) -> None:
    before, after = glyph_outlines(original), glyph_outlines(data)
    assert len(data) < len(original) / 3
    for gid in kept:
        assert after[gid] == before[gid] and after[gid] > 0, f"glyph {gid} lost its outline or moved"
    needed = with_components(original, kept | {0})
    dropped = [gid for gid in range(1, max(kept)) if gid not in needed and before.get(gid, 0)]
    assert dropped and all(after.get(gid, 0) == 0 for gid in dropped), "glyphs nobody drew were kept"
    tables = set(TTFont(io.BytesIO(data)).keys())
    assert not tables & set(DROPPED_TABLES)


KEPT = {36, 68, 200, 512, 1024}


def test_harfbuzz_keeps_the_drawn_glyphs_at_their_ids() -> None:
    harfbuzz = subsetter()
    require(harfbuzz, "libharfbuzz-subset (libharfbuzz-subset0)")
    original = FACE.read_bytes()
    check_subset(harfbuzz(original, KEPT), KEPT, original)


def test_without_harfbuzz_fonttools_subsets_the_same_way(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shared_subset, "subsetter", lambda: None)
    original = FACE.read_bytes()
    check_subset(subset_glyphs(original, KEPT), KEPT, original)


def test_a_face_is_subset_the_same_way_every_time() -> None:
    original = Path(FACE).read_bytes()
    assert subset_glyphs(original, KEPT) == subset_glyphs(original, set(sorted(KEPT)))
