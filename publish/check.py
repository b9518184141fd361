"""Book checks: what a chapter's rendering cannot know alone, because it depends on other files.

Takes the rendered ``Book``; returns diagnostics for images and the cover (missing, outside the
book folder, not an image, an SVG that reaches outside itself) and for links to other
chapters and their headings. A file is judged by ``boundary`` before a byte of it is read.
Together with the problems rendering finds in each chapter's own text, these are every check there
is: ``publish check`` prints them, and every build stops on the same errors
(``manuscript.load_book`` runs both), so a clean check means a build will not fail on the sources.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit

from publish.boundary import find_in_book
from publish.config import CONFIG_NAME
from publish.diagnostics import Diagnostic, display_path, error, locate, warning
from publish.images import clean_svg, sniff_media_type
from publish.model import Book, Chapter, chapter_id, slugify
from publish.render import book_path, mask_code

_LINK = re.compile(r"(!?)\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+[\"'(][^)]*)?\)")
_ID = re.compile(r'\bid="([^"]+)"')
_SRCSET = re.compile(r"""\bsrcset\s*=\s*(["']?)((?:(?!\1)[^>])*)\1""", re.IGNORECASE)


def check_files(book: Book) -> list[Diagnostic]:
    """Images and links of every chapter, and the cover, checked against the book's other files
    and chapters."""
    ids = {chapter.path.name: chapter_ids(chapter) for chapter in book.chapters}
    titles = {chapter.path.name: chapter.title for chapter in book.chapters}
    problems: list[Diagnostic] = check_cover(book)
    for chapter in book.chapters:
        problems += check_images(book.root, chapter)
        problems += check_links(chapter, ids, titles)
    return problems


def check_images(root: Path, chapter: Chapter) -> list[Diagnostic]:
    """Every image must be a file inside the book folder (symbolic links resolved), in a format
    an e-book may hold (alt text is ``render``'s check); an SVG loses what would reach outside it,
    with a warning."""
    problems: list[Diagnostic] = []
    shown = display_path(chapter.path)
    for image in chapter.images:
        place = (shown, image.line, image.col)
        problem = _image_problem(root, image.src)
        if problem is not None:
            code, message = problem
            problems.append((warning if code in ("image-remote", "image-no-source") else error)(*place, code, message))
            continue
        found = find_in_book(root, image.src)
        assert found.path is not None  # _image_problem said so
        head = _read_head(found.path)
        if sniff_media_type(head) is None:
            cleaned = clean_svg(_read(found.path))
            if cleaned is None:
                problems.append(error(*place, "image-format",
                                      f"'{image.src}' is not a PNG, JPEG, GIF, WebP or SVG image (judged by its "
                                      "content, not its name)"))
                continue
            problems += [warning(*place, "unsafe-svg", f"{what} removed from '{image.src}': book images may "
                                 "not run scripts or reach other files") for what in cleaned.removed]
    return problems + _srcset_problems(root, chapter)


def _srcset_problems(root: Path, chapter: Chapter) -> list[Diagnostic]:
    """A ``srcset`` is removed unread (render warns), but one that names a file outside the book
    is refused as any other image would be."""
    problems = []
    parent, base = chapter.path.parent.resolve(), root.resolve()
    folder = parent.relative_to(base).as_posix() if parent.is_relative_to(base) and parent != base else ""
    text = chapter.source
    for match in _SRCSET.finditer(mask_code(text)):
        for candidate in match.group(2).split(","):
            written = candidate.strip().split(" ")[0] if candidate.strip() else ""
            src = book_path(folder, written) if written else ""
            if src and (urlsplit(src).scheme.lower() == "file"
                        or (not urlsplit(src).scheme and find_in_book(root, src).outside)):
                line, col = locate(text, match.start(2) + match.group(2).find(written))
                problems.append(error(display_path(chapter.path), line, col, "image-outside",
                                      f"srcset names '{written}', outside the book folder; refer only to images "
                                      "inside the book"))
    return problems


def _image_problem(root: Path, src: str) -> tuple[str, str] | None:
    """Why the image ``src`` (a path from the book folder, or a URL) cannot be used, if it cannot."""
    scheme = urlsplit(src).scheme.lower()
    if not src.strip():
        return "image-no-source", "image without a source (its src is empty or was removed): its alt text " \
            "is printed instead"
    if scheme == "file":
        return "image-outside", f"image '{src}' names a file on this computer, outside the book folder; copy " \
            "it into the book (for instance into images/) and refer to it from there"
    if scheme:
        return "image-remote", f"image '{src}' is not a file of the book and cannot be part of an e-book or be " \
            "fetched for print: its alt text is printed instead; save it into the book folder"
    found = find_in_book(root, src)
    if found.outside:
        if src.startswith(("/", "../")) or src == "..":
            return "image-outside", f"image '{src}' is outside the book folder; copy it into the book (for " \
                "instance into images/) and refer to it from there"
        return "image-outside", f"image '{src}' is a link to a file outside the book folder; copy the file " \
            "itself into the book"
    if found.path is None:
        return "image-missing", f"image '{src}' not found (looked for {display_path(root / src)})"
    return None


def check_cover(book: Book) -> list[Diagnostic]:
    """The cover book.toml names: a JPEG or PNG file inside the book folder, as the stores require."""
    cover = book.config.cover
    if not cover:
        return []
    toml = book.root / CONFIG_NAME
    place = (display_path(toml), *_key_place(toml, "cover"))
    found = find_in_book(book.root, cover)
    if found.outside:
        return [error(*place, "cover-outside", f"cover '{cover}' is outside the book folder; copy it into the "
                      "book (for instance into images/) and name it from there")]
    if found.path is None:
        return [error(*place, "image-missing", f"cover '{cover}' not found (looked for "
                      f"{display_path(book.root / cover)})")]
    if sniff_media_type(_read_head(found.path)) not in ("image/jpeg", "image/png"):
        return [error(*place, "cover-format", f"cover '{cover}' must be a JPEG or PNG image for e-book stores")]
    return []


def _read_head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(16)
    except OSError:
        return b""


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def _key_place(toml: Path, key: str) -> tuple[int, int]:
    try:
        lines = toml.read_text(encoding="utf-8-sig").split("\n")
    except (OSError, UnicodeDecodeError):
        return 0, 0
    for number, text in enumerate(lines, 1):
        match = re.match(rf"\s*{key}\s*=\s*", text)
        if match:
            return number, match.end() + 1
    return 0, 0


def check_links(chapter: Chapter, ids: Mapping[str, set[str]],
                titles: Mapping[str, str] | None = None) -> list[Diagnostic]:
    """Links to chapter files of the book and to their headings and anchors; ``titles`` gives
    each chapter's title, so that a link naming a title is sent to its chapter."""
    titles = titles or {}
    problems: list[Diagnostic] = []
    text = chapter.source
    shown = display_path(chapter.path)
    for match in _LINK.finditer(mask_code(text)):
        if match.group(1):
            continue  # an image: check_images
        target = match.group(2)
        line = text.count("\n", 0, match.start(2)) + 1
        col = match.start(2) - text.rfind("\n", 0, match.start(2))
        parts = urlsplit(target)
        if parts.scheme or parts.netloc:
            continue
        name = Path(unquote(parts.path)).name if parts.path else chapter.path.name
        if parts.path and name not in ids:
            kind = "chapter" if name.endswith(".md") else "file"
            problems.append(warning(shown, line, col, "link-unresolved",
                                    f"link to {kind} '{parts.path}' does not resolve: no such chapter in the book"))
            continue
        if parts.fragment and parts.fragment not in ids.get(name, set()):
            problems.append(warning(shown, line, col, "link-unresolved",
                                    f"link '{target}' does not resolve: no heading or anchor "
                                    f"'#{parts.fragment}' in {name}"
                                    + suggest_anchor(parts.path, parts.fragment, ids.get(name, set()),
                                                     titles.get(name, ""))))
    return problems


def suggest_anchor(path: str, fragment: str, known: set[str], title: str) -> str:
    """The link the author may have meant, written as it must be written (the file as they wrote
    it, the anchor as the book has it): the closest anchor of that chapter, or the chapter itself
    when the fragment names its title (a title has no anchor of its own); else the anchors there."""
    choices = {f"{path}#{anchor}": anchor for anchor in sorted(known)}
    if path and title:
        choices.setdefault(path, slugify(title, max_words=16))
    best = difflib.get_close_matches(fragment, list(choices.values()), n=1, cutoff=0.6)
    if best:
        return f" (did you mean '{next(link for link, anchor in choices.items() if anchor == best[0])}'?)"
    return f"; anchors there: {', '.join('#' + anchor for anchor in sorted(known)[:6])}" if known else ""


def chapter_ids(chapter: Chapter) -> set[str]:
    """The fragments a link to this chapter may name: heading and anchor ids without the chapter prefix."""
    prefix = chapter_id(chapter.number) + "-"
    found = _ID.findall(chapter.html) + [found for note in chapter.notes for found in _ID.findall(note.html)]
    return {name[len(prefix):] for name in found if name.startswith(prefix)}
