"""The book folder is the boundary: every file the book names must lie inside it.

Takes the book folder and a path as book.toml or a chapter writes it (relative, ``..``, absolute,
through symbolic links); gives the file it resolves to when that file is inside the folder, and
says why not otherwise. The one design decision: a path is judged by where it *resolves*, after
every symbolic link and ``..`` is followed, never by how it is spelt, so that ``images/x.png``
linked to ``/home/me/x.png`` is refused as surely as ``../../x.png``; and nothing is opened before
it has been judged. The checks (``manuscript``, ``check``) report what this refuses; the stages
that read files (the EPUB's media, the PDF's fetcher, the layout cache) ask again before reading,
so that a skipped check could still not let a file from elsewhere into an edition.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Found:
    """Where a path the book names leads: the file, or why it may not be read."""

    path: Path | None
    """The resolved file inside the book folder; None when it may not be read."""
    outside: bool = False
    """The path leads out of the book folder (``..``, absolute, or a link to elsewhere)."""
    missing: bool = False
    """Inside the folder, but no regular file is there (absent, a folder, a device or a pipe)."""


def find_in_book(root: Path, written: str) -> Found:
    """The regular file ``written`` (relative to ``root``) names, if it is inside ``root``."""
    if not written or "\0" in written:
        return Found(None, missing=True)
    try:
        folder = root.resolve()
        target = (root / written).resolve()
    except (OSError, RuntimeError, ValueError):  # a loop of links, a name the system refuses
        return Found(None, missing=True)
    if not target.is_relative_to(folder):
        return Found(None, outside=True)
    return Found(target) if is_regular_file(target) else Found(None, missing=True)


def is_inside(root: Path, path: Path) -> bool:
    """Whether ``path``, every link followed, lies in ``root`` (the file need not exist)."""
    try:
        return path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError, ValueError):
        return False


def is_regular_file(path: Path) -> bool:
    """A plain file: not a folder, a pipe or a device, which would block or never end when read."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def read_in_book(roots: tuple[Path, ...], path: Path) -> bytes | None:
    """The bytes of ``path`` if it is a regular file inside one of ``roots``; None otherwise."""
    if not any(is_inside(root, path) for root in roots) or not is_regular_file(path.resolve()):
        return None
    try:
        return path.resolve().read_bytes()
    except OSError:
        return None
