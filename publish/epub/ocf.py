"""The EPUB container: ebooklib writes the package, then its zip is re-packed into a reproducible one.

Takes an ebooklib ``EpubBook`` and returns its files as ``(name, bytes)`` in ebooklib's order
(``write_package``); takes such a list and returns the final EPUB's bytes (``zip_entries``). The one
design decision: ebooklib's own zip cannot be made reproducible, so it is only an intermediate.
ebooklib 0.20 stamps every entry with the clock (``ZipFile.writestr`` with a bare name) and with
the host's permissions and system; we copy each entry, in the order ebooklib wrote them, into a
new zip with ``mimetype`` first and stored (OCF 3.3 §4.3), every other entry deflated, one fixed
time from the book's date and fixed "Unix, rw-r--r--" attributes.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from datetime import datetime
from typing import Any

from ebooklib import epub

from publish.diagnostics import PublishError, error

MIMETYPE = b"application/epub+zip"
ZipTime = tuple[int, int, int, int, int, int]
# Formats that are compressed already: deflating them again costs time and saves nothing.
_COMPRESSED = frozenset({"png", "jpg", "jpeg", "gif", "webp", "woff", "woff2"})


def write_package(ebook: Any, options: dict[str, Any], shown: str) -> list[tuple[str, bytes]]:
    """Every file ebooklib writes for ``ebook``, in its order; a failure raises ``PublishError``.

    ``options`` are ``EpubWriter`` options; ``shown`` is the file a diagnostic points at.
    """
    out = io.BytesIO()
    # raise_exceptions: without it ebooklib turns an OSError into a warning and a False return.
    # Level 0: this zip is only read back below, so compressing it would be wasted work.
    options = {**options, "raise_exceptions": True, "compresslevel": 0}
    try:
        with warnings.catch_warnings():
            # Before re-raising, ebooklib warns that raising will one day be its default; the
            # diagnostic below says what went wrong, so that warning would only be noise.
            warnings.filterwarnings("ignore", message="In the future throwing exceptions")
            written = epub.write_epub(out, ebook, options)
    # ebooklib is a black box that fails with lxml's ValueError, TypeError, KeyError or OSError
    # depending on what it meets; any of them means no EPUB, and the author needs to hear why.
    except Exception as exc:
        raise PublishError([error(shown, 0, 0, "epub-package", f"ebooklib could not write the EPUB: "
                                  f"{type(exc).__name__}: {exc}")]) from exc
    if not written:
        raise PublishError([error(shown, 0, 0, "epub-package", "ebooklib could not write the EPUB")])
    with zipfile.ZipFile(out) as archive:
        return [(info.filename, archive.read(info)) for info in archive.infolist()]


def zip_entries(entries: list[tuple[str, bytes]], when: ZipTime) -> bytes:
    """An OCF zip: ``mimetype`` first, stored and without extra fields; then each entry as given."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(_info("mimetype", when, zipfile.ZIP_STORED), MIMETYPE)
        for name, data in entries:
            if name == "mimetype":
                continue
            suffix = name.rsplit(".", 1)[-1].lower()
            if suffix in _COMPRESSED:
                archive.writestr(_info(name, when, zipfile.ZIP_STORED), data)
            else:
                # Fonts are most of the bytes and gain little from harder work (8 % larger at
                # level 1, three times as fast); text gets the usual level.
                level = 1 if suffix in ("ttf", "otf") else 6
                archive.writestr(_info(name, when, zipfile.ZIP_DEFLATED), data, compresslevel=level)
    return out.getvalue()


def zip_time(modified: datetime) -> ZipTime:
    """The one timestamp of every entry: the book's date, within the years zip can store (its
    field counts years from 1980 in seven bits: 1980 to 2107)."""
    day = (modified.year, modified.month, modified.day, 0, 0, 0)
    return min(max(day, (1980, 1, 1, 0, 0, 0)), (2107, 12, 31, 0, 0, 0))


def _info(name: str, when: ZipTime, compression: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=when)
    info.compress_type = compression
    # Fixed "made on Unix, rw-r--r--": otherwise the host system would leak into the bytes.
    info.create_system = 3
    info.external_attr = 0o100644 << 16
    return info
