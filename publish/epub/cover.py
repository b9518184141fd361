"""A typeset cover: title, subtitle and author set in the book's typeface on a plain ground.

Takes the texts and the fonts folder; returns PNG bytes (1600 × 2560 px, the 1:1.6 ratio Kindle and
Kobo recommend). Used when book.toml names no cover image, so every edition still has a cover a
store will accept. The only module that imports Pillow: a plain PNG from fixed inputs is the same
bytes on every run (Pillow writes no timestamp), which keeps the EPUB reproducible.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 1600, 2560
MARGIN = 170
GROUND = (32, 45, 66)
INK = (244, 238, 224)
ACCENT = (196, 164, 105)
TITLE_MAX_LINES = 6


def render_cover(title: str, subtitle: str, author: str, fonts: Path) -> bytes:
    """The cover as PNG bytes; ``fonts`` holds the EB Garamond TTF files."""
    image = Image.new("RGB", (WIDTH, HEIGHT), GROUND)
    draw = ImageDraw.Draw(image)
    regular = fonts / "EBGaramond-Regular.ttf"
    italic = fonts / "EBGaramond-Italic.ttf"
    measure = WIDTH - 2 * MARGIN
    if not subtitle and ": " in title:
        # "Main: Sub" set as one block breaks anywhere; a jacket sets the part after the colon apart.
        title, subtitle = (part.strip() for part in title.split(": ", 1))

    # A frame and two rules give the plain ground the look of a book jacket, not a placeholder.
    inset = 70
    draw.rectangle((inset, inset, WIDTH - inset, HEIGHT - inset), outline=ACCENT, width=4)

    size, lines = _fit(draw, title, regular, measure, start=170, floor=70, max_lines=TITLE_MAX_LINES)
    title_font = ImageFont.truetype(str(regular), size)
    leading = round(size * 1.18)
    y = 560 - (len(lines) - 1) * leading // 4
    for line in lines:
        _centre(draw, line, title_font, y, INK)
        y += leading

    y += round(size * 0.35)
    draw.line((WIDTH / 2 - 180, y, WIDTH / 2 + 180, y), fill=ACCENT, width=4)
    y += 90
    if subtitle:
        sub_size, sub_lines = _fit(draw, subtitle, italic, measure, start=80, floor=44, max_lines=4)
        sub_font = ImageFont.truetype(str(italic), sub_size)
        for line in sub_lines:
            _centre(draw, line, sub_font, y, INK)
            y += round(sub_size * 1.25)

    author_text = _spaced(author.upper())
    author_size, author_lines = _fit(draw, author_text, regular, measure, start=76, floor=40, max_lines=2)
    author_font = ImageFont.truetype(str(regular), author_size)
    y = HEIGHT - 360 - (len(author_lines) - 1) * round(author_size * 1.3)
    for line in author_lines:
        _centre(draw, line, author_font, y, ACCENT)
        y += round(author_size * 1.3)

    out = io.BytesIO()
    # Fast zlib level: the flat ground compresses well anyway, and this runs on every EPUB build.
    image.save(out, format="PNG", compress_level=3)
    return out.getvalue()


def _fit(
    draw: ImageDraw.ImageDraw, text: str, font_path: Path, measure: int, *, start: int, floor: int, max_lines: int,
) -> tuple[int, list[str]]:
    """The largest size (stepping down from ``start``) at which ``text`` wraps into ``max_lines``."""
    size = start
    while True:
        font = ImageFont.truetype(str(font_path), size)
        lines = _wrap(draw, text, font, measure)
        if (len(lines) <= max_lines and all(draw.textlength(line, font=font) <= measure for line in lines)) \
                or size <= floor:
            return size, lines
        size -= 4


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, measure: int) -> list[str]:
    """Greedy wrap, then balanced: a short last line under a long title looks like an accident."""
    # Split on plain spaces only: the thin spaces that letter-space a name must not become breaks.
    words = [word for word in text.split(" ") if word]
    if not words:
        return []
    lines = _greedy(draw, words, font, measure)
    # Narrow the measure while the line count holds, so the lines come out of similar length.
    narrower = measure - 20
    while len(lines) > 1 and narrower > measure // 2:
        trial = _greedy(draw, words, font, narrower)
        if len(trial) != len(lines):
            break
        lines = trial
        narrower -= 20
    return lines


def _greedy(draw: ImageDraw.ImageDraw, words: list[str], font: ImageFont.FreeTypeFont, measure: int) -> list[str]:
    lines: list[str] = []
    current = words[0]
    for word in words[1:]:
        candidate = f"{current} {word}"
        if draw.textlength(candidate, font=font) <= measure:
            current = candidate
        else:
            lines.append(current)
            current = word
    lines.append(current)
    return lines


def _centre(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, y: int, fill: tuple[int, int, int],
) -> None:
    draw.text((WIDTH / 2, y), text, font=font, fill=fill, anchor="ma")


def _spaced(text: str) -> str:
    """Letter-spaced capitals, the usual setting for an author's name on a jacket (thin spaces)."""
    return " ".join("\u2009".join(word) + "\u2005" for word in text.split()).rstrip("\u2005")
