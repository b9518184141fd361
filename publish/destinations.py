"""Where a book's outputs go: the output folder, the name of each file in it, and the book's cache.

Takes the book folder and the ``--out-dir`` the user gave (if any); returns a ``Destinations``
value that names every file a command writes. The one design decision: outputs follow the book,
never the working folder. A book folder named ``manuscript`` is the layout of a project that keeps
its book beside other things (this repository is one): its outputs go to ``build/`` beside it.
Any other book folder is a project of its own: its outputs go inside it, to ``<book>/build/``.
Either way the same command writes the same files from any folder, and two books in two folders
never write over each other's files. The cache lives in the output folder under a name derived
from the book folder's resolved path, so two books that share an output folder never share
cache entries either.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

OUTPUT_FOLDER = "build"
PROJECT_BOOK_FOLDER = "manuscript"
"""The book folder name whose outputs go beside it, into the project's ``build/``."""
CACHE_FOLDER = ".cache"
PROOF_FOLDER = "proof"
DIGITAL = "digital"


def default_out_dir(book_dir: Path) -> Path:
    """``build/`` beside a ``manuscript/`` folder, ``<book>/build/`` for any other book folder."""
    if book_dir.resolve().name == PROJECT_BOOK_FOLDER:
        return book_dir.resolve().parent / OUTPUT_FOLDER
    return book_dir / OUTPUT_FOLDER


def book_identity(book_dir: Path) -> str:
    """A short name for the book folder, the same whatever path it is reached by."""
    return hashlib.sha256(str(book_dir.resolve()).encode("utf-8", "surrogateescape")).hexdigest()[:16]


@dataclass(frozen=True)
class Destinations:
    """The files one book's commands write, all inside ``folder``."""

    folder: Path
    identity: str

    def epub(self, slug: str, ending: str = ".epub") -> Path:
        """``<slug>.epub``; a store's EPUB has its own ``ending`` (``.kepub.epub``)."""
        return self.folder / f"{slug}{ending}"

    def pdf(self, slug: str, variant: str = DIGITAL) -> Path:
        """``<slug>.pdf`` for the digital edition; ``<slug>-<variant>.pdf`` for any other (``print``,
        or a printer preset's name), so that no variant writes over another."""
        return self.folder / (f"{slug}.pdf" if variant == DIGITAL else f"{slug}-{variant}.pdf")

    def proof(self, chapter_stem: str, suffix: str) -> Path:
        return self.proofs / f"{chapter_stem}{suffix}"

    @property
    def proofs(self) -> Path:
        return self.folder / PROOF_FOLDER

    @property
    def cache(self) -> Path:
        return self.folder / CACHE_FOLDER / self.identity


def destinations_for(book_dir: Path, out_dir: Path | None = None) -> Destinations:
    return Destinations(folder=out_dir if out_dir is not None else default_out_dir(book_dir),
                        identity=book_identity(book_dir))
