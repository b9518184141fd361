"""Book checks: what a chapter's rendering cannot know alone, because it depends on other files.

Takes the rendered ``Book``; returns diagnostics for images (missing, or outside the book folder)
and for links to other chapters and their headings. Together with the problems rendering finds in
each chapter's own text, these are every check there is: ``publish check`` prints them, and every
build stops on the same errors (``manuscript.load_book`` runs both), so a clean check means a
build will not fail on the sources.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit

from publish.diagnostics import Diagnostic, display_path, error, warning
from publish.model import Book, Chapter, chapter_id, slugify
from publish.render import mask_code

_LINK = re.compile(r"(!?)\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+[\"'(][^)]*)?\)")
_ID = re.compile(r'\bid="([^"]+)"')


def check_files(book: Book) -> list[Diagnostic]:
    """Images and links of every chapter, checked against the book's other files and chapters."""
    ids = {chapter.path.name: chapter_ids(chapter) for chapter in book.chapters}
    titles = {chapter.path.name: chapter.title for chapter in book.chapters}
    problems: list[Diagnostic] = []
    for chapter in book.chapters:
        problems += check_images(book.root, chapter)
        problems += check_links(chapter, ids, titles)
    return problems


def check_images(root: Path, chapter: Chapter) -> list[Diagnostic]:
    """Every image must be a file inside the book folder (symbolic links resolved)."""
    problems: list[Diagnostic] = []
    shown = display_path(chapter.path)
    inside = root.resolve()
    for image in chapter.images:
        if urlsplit(image.src).scheme:
            continue  # a remote image: the EPUB stage says what it does with it
        place = (shown, image.line, image.col)
        if image.src.startswith(("/", "../")) or image.src == "..":
            problems.append(error(*place, "image-outside",
                                  f"image '{image.src}' is outside the book folder; copy it into the book "
                                  "(for instance into images/) and refer to it from there"))
            continue
        path = root / image.src
        if not path.is_file():
            problems.append(error(*place, "image-missing",
                                  f"image '{image.src}' not found (looked for {display_path(path)})"))
            continue
        if not path.resolve().is_relative_to(inside):
            problems.append(error(*place, "image-outside",
                                  f"image '{image.src}' is a link to a file outside the book folder; copy "
                                  "the file itself into the book"))
    return problems


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
