"""Cached part layouts: a part whose inputs have not changed is not laid out again.

Takes a part job and the build cache; gives the job's key, reads and stores its layout
(``pdf.edition.engine.LayoutRun`` serves each part from here when every input of its layout is
unchanged and lays out only the rest), and caches font subsets. The key covers the part's
HTML, its page CSS, its source map (diagnostics name files), every file under styles/
(stylesheet, templates, fonts), the bytes of each local file the HTML refers to (images), and
this package's code; entries are JSON plus the part's PDF bytes, never pickle, and one that
fails to parse is laid out again.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit
from urllib.request import url2pathname

from publish.boundary import read_in_book
from publish.cache import Cache
from publish.diagnostics import Diagnostic, Severity
from publish.pdf.adjustments import fit_from_json, fit_to_json
from publish.pdf.parts import FontUse, LayoutProblem, LinkSpot, PartJob, PartLayout, PlacedImage
from publish.pdf.structure import structure_from_json, structure_to_json
from publish.printed import Line

KIND = "layout"
_REFERENCE = re.compile(r'\b(?:src|href)="([^"#][^"]*)"')


def layout_key(cache: Cache, job: PartJob, styles_digest: str) -> str:
    # A fit's words are a set: written sorted, so that its key is the same in every process.
    given = "" if job.given is None else json.dumps(fit_to_json(job.given))
    return cache.key(KIND, styles_digest, job.name, job.html, job.page_css, job.base_url,
                     "\0".join(str(root) for root in job.roots), repr(job.source), str(job.inspect), job.fit, given,
                     "\0".join(sorted(job.bundled_fonts)), str(job.tagged), referenced_files(job))


def referenced_files(job: PartJob) -> str:
    """Digest of every local file the part's HTML points at (a changed image changes the layout).
    Only files the layout may read count (``boundary``): a link to ``file:///dev/zero`` is not
    read, here or by the fetcher."""
    digest = hashlib.sha256()
    for reference in sorted(set(_REFERENCE.findall(job.html))):
        url = urljoin(job.base_url, reference)
        parts = urlsplit(url)
        if parts.scheme != "file":
            continue
        data = read_in_book(job.roots, Path(url2pathname(unquote(parts.path))))
        digest.update(reference.encode())
        digest.update(hashlib.sha256(data).digest() if data is not None else b"absent")
    return digest.hexdigest()


def digest_folder(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def store_layout(cache: Cache, key: str, layout: PartLayout) -> None:
    header = json.dumps(layout_to_json(layout), separators=(",", ":")).encode("utf-8")
    cache.put_bytes(KIND, key, len(header).to_bytes(8, "big") + header + layout.pdf)


def read_layout(cache: Cache, key: str) -> PartLayout | None:
    data = cache.get_bytes(KIND, key)
    if data is None or len(data) < 8:
        return None
    size = int.from_bytes(data[:8], "big")
    try:
        return layout_from_json(json.loads(data[8:8 + size]), data[8 + size:])
    except (ValueError, KeyError, TypeError, IndexError):
        return None


def layout_to_json(layout: PartLayout) -> dict[str, Any]:
    return {
        "name": layout.name, "page_count": layout.page_count, "page_size": list(layout.page_size),
        "blank": list(layout.blank),
        "anchors": {name: list(place) for name, place in layout.anchors.items()},
        "links": [[s.page, list(s.rect), s.target, s.external, s.node] for s in layout.links],
        "ids": [sorted(ids) for ids in layout.ids],
        "fonts": {name: {"widths": [[k, v] for k, v in use.widths.items()],
                         "to_unicode": [[k, v] for k, v in use.to_unicode.items()],
                         "digest": use.digest, "data": base64.b64encode(use.data).decode("ascii")}
                  for name, use in layout.fonts.items()},
        "problems": [[p.page, p.path, p.line, p.code, p.message, p.note] for p in layout.problems],
        "diagnostics": [[d.path, d.line, d.col, d.severity.value, d.code, d.message] for d in layout.diagnostics],
        "fit": fit_to_json(layout.fit),
        "images": [[i.page, list(i.rect), i.src, i.art] for i in layout.images],
        "lines": [[line.page, line.owner, line.text, line.flow] for line in layout.lines],
        "structure": None if layout.structure is None else structure_to_json(layout.structure),
    }


def layout_from_json(data: dict[str, Any], pdf: bytes) -> PartLayout:
    if not pdf.startswith(b"%PDF"):
        raise ValueError("not a PDF")
    width, height = data["page_size"]
    return PartLayout(
        name=data["name"], pdf=pdf, page_count=int(data["page_count"]), page_size=(float(width), float(height)),
        blank=tuple(bool(b) for b in data["blank"]),
        anchors={name: (int(p), float(x), float(y)) for name, (p, x, y) in data["anchors"].items()},
        links=tuple(LinkSpot(int(page), (float(r[0]), float(r[1]), float(r[2]), float(r[3])), target, bool(ext),
                             int(node))
                    for page, r, target, ext, node in data["links"]),
        ids=tuple(frozenset(ids) for ids in data["ids"]),
        fonts={name: FontUse(widths={int(k): int(v) for k, v in use["widths"]},
                             to_unicode={int(k): str(v) for k, v in use["to_unicode"]},
                             digest=use["digest"], data=base64.b64decode(use["data"]))
               for name, use in data["fonts"].items()},
        problems=tuple(LayoutProblem(int(page), path, int(line), code, message, bool(note))
                       for page, path, line, code, message, note in data["problems"]),
        diagnostics=tuple(Diagnostic(path, int(line), int(col), Severity(severity), code, message)
                          for path, line, col, severity, code, message in data["diagnostics"]),
        fit=fit_from_json(data["fit"]),
        images=tuple(PlacedImage(int(page), (float(r[0]), float(r[1]), float(r[2]), float(r[3])), str(src), bool(art))
                     for page, r, src, art in data["images"]),
        lines=tuple(Line(int(page), str(owner), str(text), bool(flow)) for page, owner, text, flow in data["lines"]),
        structure=None if data["structure"] is None else structure_from_json(data["structure"]),
    )


def cached_subset(cache: Cache | None) -> Callable[[bytes, set[int]], bytes]:
    """Font subsetting behind the cache: the same glyphs of the same face give the same bytes."""
    from publish.subset import subset_glyphs

    if cache is None:
        return subset_glyphs

    def subset(data: bytes, glyphs: set[int]) -> bytes:
        key = cache.key("subset", hashlib.sha256(data).digest(), ",".join(map(str, sorted(glyphs))))
        found = cache.get_bytes("subset", key)
        if found is None:
            found = subset_glyphs(data, glyphs)
            cache.put_bytes("subset", key, found)
        return found

    return subset
