"""Where publish finds what it ships with.

Takes nothing; gives the bundled styles folder (CSS, templates, fonts) and the starter book that
``publish new`` copies. Kept apart from the modules that use them so that a process can find the
stylesheet before importing anything heavy.
"""

from __future__ import annotations

from pathlib import Path

TYPEFACE = "EB Garamond"
"""The bundled typeface (styles/fonts), as the imprints name it."""
DESIGNERS = "Georg Duffner and Octavio Pardo"


def styles_dir() -> Path:
    """The bundled styles: beside the package when installed, at the repository top in a checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "styles", here.parent / "styles"):
        if (candidate / "fonts").is_dir():
            return candidate
    raise FileNotFoundError("the styles folder is missing from this installation of publish")


def starter_dir() -> Path:
    """The starter book ``publish new`` copies: package data, so it travels in every install."""
    return Path(__file__).resolve().parent / "starter-book"
