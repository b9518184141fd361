"""Media for the EPUB: the chapters' images, the cover and the font licence, as package resources.

Takes the ``Book``; returns the resources with their paths inside the package, the map from each
image's book path to its packaged path, and the problems found. The one design decision: a file's
type is read from its first bytes, never its extension, because EPUBCheck and the stores reject a
PNG named ``.jpg``; a file that is neither PNG, JPEG, GIF, WebP nor SVG stops the build.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from publish.boundary import find_in_book
from publish.cache import Cache
from publish.config import CONFIG_NAME
from publish.diagnostics import Diagnostic, display_path, error
from publish.images import clean_svg, sniff_media_type
from publish.model import Book
from publish.paths import styles_dir

FONT_LICENCE = "OFL.txt"
COVER_KIND = "cover"
EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp",
              "image/svg+xml": ".svg"}
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Resource:
    """One file of the package other than the XHTML pages."""

    path: str
    """Path inside the package's content folder, e.g. ``images/chart.png``."""
    media_type: str
    data: bytes


@dataclass(frozen=True)
class Media:
    images: tuple[Resource, ...]
    image_paths: Mapping[str, str]
    """Book-relative image path (``Image.src``) → packaged path; remote images are absent."""
    cover: Resource
    cover_generated: bool
    all_alt: bool
    """Every image in the chapters has alt text (the cover always has)."""


def collect_media(book: Book, cache: Cache | None = None) -> tuple[Media, list[Diagnostic]]:
    """Read every image and the cover; errors (missing or unknown files) are collected, not raised.
    ``check`` has reported what an author must fix; what is judged again here (a file outside the
    book, a file that is not an image) is judged so that no skipped check could put a file from
    elsewhere into the EPUB."""
    problems: list[Diagnostic] = []
    images: list[Resource] = []
    paths: dict[str, str] = {}
    used = {"cover"}
    all_alt = True
    for chapter in book.chapters:
        shown = display_path(chapter.path)
        for image in chapter.images:
            # (An image with no alt text is the check's warning, image-no-alt: ``render``.)
            all_alt = all_alt and bool(image.alt.strip())
            # EPUB 3 allows remote audio, video and fonts, never remote images (EPUBCheck RSC-006):
            # the model prints their alt text, and check warned.
            if image.src in paths or not image.src.strip() or urlsplit(image.src).scheme:
                continue
            data, media_type, problem = read_image(book.root, image.src, shown, image.line)
            if problem:
                problems.append(problem)
                continue
            name = _unique_name(PurePosixPath(image.src).stem, EXTENSIONS[media_type], used)
            images.append(Resource(f"images/{name}", media_type, data))
            paths[image.src] = f"images/{name}"
    cover, generated, problem = read_cover(book, cache)
    if problem:
        problems.append(problem)
    media = Media(images=tuple(images), image_paths=paths, cover=cover, cover_generated=generated,
                  all_alt=all_alt)
    return media, problems


def read_image(root: Path, src: str, shown: str, line: int) -> tuple[bytes, str, Diagnostic | None]:
    """The image's bytes (an SVG cleaned, ``images.clean_svg``) and media type, or the error an
    author can fix; a file outside the book folder is never opened."""
    found = find_in_book(root, src)
    if found.outside:
        return b"", "", error(shown, line, 0, "image-outside", f"image '{src}' is outside the book folder")
    if found.path is None:
        return b"", "", error(shown, line, 0, "image-missing", f"image '{display_path(root / src)}' not found")
    data = found.path.read_bytes()
    media_type = sniff_media_type(data)
    if media_type == "image/svg+xml":
        cleaned = clean_svg(data)
        data = cleaned.data if cleaned is not None else data
    if media_type is None:
        return b"", "", error(shown, line, 0, "image-format",
                              f"'{display_path(root / src)}' is not a PNG, JPEG, GIF, WebP or SVG image "
                              "(judged by its content, not its name)")
    return data, media_type, None


def read_cover(book: Book, cache: Cache | None = None) -> tuple[Resource, bool, Diagnostic | None]:
    """The cover named in book.toml (JPEG or PNG, as the stores require), else a typeset one,
    from the build cache when the texts and fonts it is set from are unchanged."""
    config = book.config
    if config.cover:
        toml = book.root / CONFIG_NAME
        line = key_line(toml, "cover")
        data, media_type, problem = read_image(book.root, config.cover, display_path(toml), line)
        if problem is None and media_type not in ("image/jpeg", "image/png"):
            problem = error(display_path(toml), line, 0, "cover-format",
                            f"cover '{config.cover}' must be a JPEG or PNG image for e-book stores")
        if problem is None:
            return Resource(f"cover{EXTENSIONS[media_type]}", media_type, data), False, None
        return Resource("cover.png", "image/png", b""), False, problem
    fonts = styles_dir() / "fonts"
    key = cache.key(COVER_KIND, config.title, config.subtitle, config.author,
                    *(path.read_bytes() for path in sorted(fonts.glob("*.ttf")))) if cache else ""
    cached = cache.get_bytes(COVER_KIND, key) if cache else None
    if cached is not None and sniff_media_type(cached) == "image/png":
        data = cached
    else:
        # Imported here: Pillow takes a tenth of a second to import and the cover as long to draw.
        from publish.epub.cover import render_cover

        data = render_cover(config.title, config.subtitle, config.author, fonts)
        if cache:
            cache.put_bytes(COVER_KIND, key, data)
    return Resource("cover.png", "image/png", data), True, None


def font_licence() -> str:
    return (styles_dir() / "fonts" / FONT_LICENCE).read_text(encoding="utf-8")


def _unique_name(stem: str, extension: str, used: set[str]) -> str:
    base = _SAFE.sub("-", stem).strip("-.") or "image"
    name, n = base, 2
    while name.lower() in used:
        name, n = f"{base}-{n}", n + 1
    used.add(name.lower())
    return name + extension


def key_line(toml: Path, key: str) -> int:
    """The line of ``key = ...`` in book.toml, for a diagnostic; 0 when the key is not written there."""
    try:
        lines = toml.read_text(encoding="utf-8-sig").split("\n")
    except OSError:
        return 0
    return next((n for n, text in enumerate(lines, 1) if re.match(rf"\s*{key}\s*=", text)), 0)
