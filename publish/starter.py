"""``publish new``: a starter book in a new folder, ready to build.

Takes the folder to create and the title, author and language; writes book.toml (every key
explained in comments), two chapters that show notes, a note citing a note, a picture, sections
and cross-references, a README that says how to go on (TK queries among it: written in a chapter
they would make the first build warn), and a ``.gitignore`` for the outputs. The files are
``publish/starter-book``, shipped with the package; only book.toml is filled in. The one design
decision: the folder appears whole or not at all, and nothing that exists is ever written over:
the book is made in a temporary folder beside the target and renamed into place.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from pathlib import Path

from publish.config import CONFIG_NAME, LANGUAGE_TAG
from publish.paths import starter_dir

TEMPLATE_SUFFIX = ".in"
RENAMED = {"gitignore": ".gitignore"}
"""Files stored under another name, so that they do not act on the repository that ships them."""


class StarterError(Exception):
    """The book cannot be made where or as asked; the message says why."""


def make_book(folder: Path, *, title: str = "", author: str = "", language: str = "en") -> Path:
    """Create ``folder`` holding a starter book; returns it. Refuses a folder that exists and is
    not empty, or a language that is not a language tag."""
    if not LANGUAGE_TAG.match(language):
        raise StarterError(f"'{language}' is not a language tag such as 'en', 'en-GB' or 'fr'")
    if folder.is_symlink() or (folder.exists() and (not folder.is_dir() or any(folder.iterdir()))):
        raise StarterError(f"'{folder}' already exists and is not an empty folder; choose a new name "
                           "(publish new never writes over anything)")
    values = {
        "title": title.strip() or _title_from(folder),
        "author": author.strip() or "Your Name",
        "language": language,
        # A book's identifier is its own, for life: a fresh one for each new book, so that two
        # books started from this template never share it.
        "identifier": f"urn:uuid:{uuid.uuid4()}",
    }
    parent = folder.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=parent))
    try:
        _fill(starter_dir(), work, values)
        work.chmod(0o755)
        # Renaming a folder onto an empty one replaces it; onto a non-empty one it fails.
        os.rename(work, folder)
    except OSError as exc:
        raise StarterError(f"cannot create '{folder}': {exc.strerror or exc}") from None
    finally:
        if work.exists():
            shutil.rmtree(work)
    return folder


def _fill(source: Path, target: Path, values: dict[str, str]) -> None:
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        destination = target / relative.parent / RENAMED.get(relative.name, relative.name)
        if path.is_dir():
            destination.mkdir(parents=True, exist_ok=True)
        elif path.name == CONFIG_NAME + TEMPLATE_SUFFIX:
            # TOML's basic strings read JSON's escapes, so a title with quotes stays one string.
            quoted = {key: json.dumps(value, ensure_ascii=False) for key, value in values.items()}
            text = path.read_text(encoding="utf-8").format(**quoted)
            destination.with_name(CONFIG_NAME).write_text(text, encoding="utf-8")
        else:
            shutil.copyfile(path, destination)


def _title_from(folder: Path) -> str:
    """``my-first-book`` → ``My First Book``."""
    words = folder.absolute().name.replace("_", " ").replace("-", " ").split()
    return " ".join(word[:1].upper() + word[1:] for word in words) or "My Book"
