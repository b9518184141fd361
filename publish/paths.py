"""Where publish finds what it ships with.

Takes nothing; gives the bundled styles folder (CSS, templates, fonts). Kept apart from the
modules that use it so that a process can find the stylesheet before importing anything heavy.
"""

from __future__ import annotations

from pathlib import Path


def styles_dir() -> Path:
    """The bundled styles: beside the package when installed, at the repository top in a checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "styles", here.parent / "styles"):
        if (candidate / "fonts").is_dir():
            return candidate
    raise FileNotFoundError("the styles folder is missing from this installation of publish")
