"""Lay out one part of the print edition with WeasyPrint: HTML in, a part PDF and its page data out.

Takes a ``PartJob`` (the part's HTML, the page CSS, the folders it may read); returns a
``PartLayout``: the PDF bytes, and what later stages need without WeasyPrint — the page count,
where every anchor and internal link lies, which ids appear on which page, the glyphs each font
used, the layout report, and every line of text with its page (for the EPUB's page list). A job
is plain data and the function has no other input, so parts can be laid out in any order, in
other processes, or (later) taken from a cache.

The part PDF carries no font files (a finisher empties them) and is not compressed: the join
subsets each face once for the whole book and compresses once. What WeasyPrint's public API does
not give is read from its laid-out boxes, fonts and text, through ``weasyprint_boxes``,
``weasyprint_fonts`` and ``weasyprint_text``.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import logging
import mimetypes
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import weasyprint
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from publish.boundary import read_in_book
from publish.diagnostics import Diagnostic, error, warning
from publish.images import clean_svg, sniff_media_type
from publish.pdf.adjustments import Fit
from publish.pdf.fit import Fitted, fit_part

# WeasyPrint reports positions in CSS pixels; PDF user space is in points.
from publish.pdf.parts import PX_TO_PT as PX_TO_PT
from publish.pdf.parts import FontUse as FontUse
from publish.pdf.parts import LinkSpot as LinkSpot
from publish.pdf.parts import PartJob as PartJob
from publish.pdf.parts import PartLayout as PartLayout
from publish.pdf.parts import PlacedImage
from publish.pdf.report import inspect_pages, typesetting_problems
from publish.pdf.weasyprint_boxes import boxes, is_blank, page_box
from publish.pdf.weasyprint_fonts import HARFBUZZ_SUBSET, drawn_fonts, drop_font_files
from publish.pdf.weasyprint_footnotes import install as keep_footnotes
from publish.pdf.weasyprint_spacing import install as wrap_within_spacing
from publish.pdf.weasyprint_tags import TaggedPdf, write_tagged
from publish.pdf.weasyprint_text import read_lines


class RefusingFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint ships no type hints
    """Serves regular files under the given folders and ``data:`` URLs; refuses files elsewhere
    (every symbolic link and ``..`` followed first, by ``boundary``), devices and pipes, and
    networks. An SVG is served as ``images.clean_svg`` leaves it, as the EPUB packages it.

    WeasyPrint's own fetcher reads any ``file://`` path and any http(s) URL in the HTML: a link
    marked as an attachment could embed ``/etc/passwd`` in the book. ``check`` refuses such paths
    before a build starts; this refuses them again, should any reach the layout.
    """

    def __init__(self, roots: tuple[Path, ...]) -> None:
        super().__init__(timeout=1, allow_redirects=False)
        self.roots = tuple(root.resolve() for root in roots)
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.scheme == "data":
            return super().fetch(url, headers)
        if parts.scheme == "file" and parts.netloc in ("", "localhost"):
            path = Path(url2pathname(unquote(parts.path)))
            data = read_in_book(self.roots, path)
            if data is not None:
                kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                if sniff_media_type(data) == "image/svg+xml":
                    cleaned = clean_svg(data)
                    data, kind = (cleaned.data if cleaned else data), "image/svg+xml"
                return URLFetcherResponse(url, data, {"Content-Type": kind})
        self.refused.append(url)
        raise ValueError(f"publish refuses to read {url}: only files in the book folder may be used")


COLLECT_BEFORE_WRITING = 24
"""Pages from which a part's garbage is collected before its PDF is written (a full collection
costs tens of milliseconds, as much as laying out a short chapter)."""


def lay_out_parts(jobs: Sequence[PartJob]) -> list[PartLayout]:
    """Lay out parts one after another, sharing the parsed stylesheets and the loaded fonts."""
    repair_engine()
    layouts = []
    for job in jobs:
        fetcher = RefusingFetcher(job.roots)
        with _engine_warnings() as engine_messages:
            # A chapter or the Notes is looked at once laid out, and laid out again where a line
            # or a page needs mending (``pdf.fit``, within fixed bounds).
            fitted = fit_job(job, fetcher) if job.fit or job.given is not None else None
            document = fitted.document if fitted is not None else _renderer(job, fetcher)(job.html)
            if len(document.pages) > COLLECT_BEFORE_WRITING:
                # Laying out leaves its garbage in cycles the collector seldom visits on a large
                # heap; writing the PDF then grows the heap on top of it. Collected first, the
                # 5,000 notes of a 7 MB book peak at 750 MiB instead of 863 MiB.
                gc.collect()
            # Without HarfBuzz's subsetter WeasyPrint subsets with fontTools, seconds per part:
            # then embed whole fonts (dropped by the finisher), since the join subsets once anyway.
            options = {"full_fonts": not HARFBUZZ_SUBSET, "uncompressed_pdf": True}
            tagged = write_tagged(document, job.name, drop_font_files, **options) if job.tagged else None
            pdf = tagged.data if tagged else document.write_pdf(finisher=drop_font_files, **options)
        # A message repeated by each trial layout is said once.
        messages = list(dict.fromkeys(engine_messages))
        layouts.append(_describe(job, document, pdf, fetcher.refused, messages, fitted, tagged))
    return layouts


def repair_engine() -> None:
    """WeasyPrint's two repairs, installed once in this process: footnotes a full page would lose
    (``weasyprint_footnotes``), lines a negative word spacing would break wrongly (``weasyprint_spacing``)."""
    keep_footnotes()
    wrap_within_spacing()


def fit_job(job: PartJob, fetcher: RefusingFetcher | None = None, *, mend: bool = True) -> Fitted:
    """A part laid out and fitted (``pdf.fit``); with ``mend`` false, its first layout and what
    is wrong with it (what benchmarks/typesetting.py compares with)."""
    repair_engine()
    render = _renderer(job, fetcher or RefusingFetcher(job.roots))
    return fit_part(render, job.html, chapter=job.fit == "chapter", mend=mend, given=job.given)


def _renderer(job: PartJob, fetcher: RefusingFetcher) -> Callable[[str], Any]:
    """HTML → the WeasyPrint document of ``job``'s part, with the job's stylesheets and fetcher."""
    sheets = [_stylesheet(job.stylesheet), _page_sheet(job.page_css, job.stylesheet)]

    def render(html: str) -> Any:
        return weasyprint.HTML(string=html, base_url=job.base_url, url_fetcher=fetcher).render(
            stylesheets=sheets, font_config=_font_config(job.stylesheet))

    return render


def warm_up(stylesheet: Path) -> None:
    """What every part needs, done once before the first part arrives (and before the engine
    forks its other processes from this one): the stylesheet parsed, the four faces loaded and
    shaped once, WeasyPrint's bindings to Pango and HarfBuzz set up."""
    repair_engine()
    sample = "<p>Warm <i>up</i> <b>once <i>only</i></b> 1234567890</p>"
    document = weasyprint.HTML(string=sample).render(stylesheets=[_stylesheet(stylesheet)],
                                                     font_config=_font_config(stylesheet))
    document.write_pdf(uncompressed_pdf=True)


# Parsing print.css and loading the four faces costs about as much as laying out a short
# chapter: a process does it once and keeps the result for every part it lays out, as long as the
# stylesheet and the files beside it (its fonts) are unchanged.
def _stylesheet(path: Path) -> weasyprint.CSS:
    return _parsed_stylesheet(path, _signature(path))


def _page_sheet(css: str, stylesheet: Path) -> weasyprint.CSS:
    return _parsed_page_sheet(css, _signature(stylesheet))


def _font_config(stylesheet: Path) -> FontConfiguration:
    return _fonts(_signature(stylesheet))


Signature = tuple[bytes, tuple[tuple[str, int, int], ...]]


def _signature(stylesheet: Path) -> Signature:
    files = sorted(p for p in stylesheet.parent.rglob("*") if p.is_file() and p != stylesheet)
    return stylesheet.read_bytes(), tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)


@functools.cache
def _fonts(signature: Signature) -> FontConfiguration:
    return FontConfiguration()


@functools.cache
def _parsed_stylesheet(path: Path, signature: Signature) -> weasyprint.CSS:
    # The bundled stylesheet reads only files beside it (its fonts).
    fetcher = RefusingFetcher((path.parent,))
    return weasyprint.CSS(string=signature[0].decode("utf-8"), base_url=path.as_uri(), url_fetcher=fetcher,
                          font_config=_fonts(signature))


@functools.cache
def _parsed_page_sheet(css: str, signature: Signature) -> weasyprint.CSS:
    return weasyprint.CSS(string=css, font_config=_fonts(signature))


def _describe(job: PartJob, document: Any, pdf: bytes, refused: list[str], messages: list[str],
              fitted: Fitted | None = None, tagged: TaggedPdf | None = None) -> PartLayout:
    """Everything later stages need from the laid-out document, as plain data."""
    pages = list(document.pages)
    diagnostics = _refusals(refused, job)
    diagnostics += [warning(job.source.path, 0, 0, "pdf-engine", message)
                    for message in messages if not _expected(message, refused)]
    anchors: dict[str, tuple[int, float, float]] = {}
    links: list[LinkSpot] = []
    for number, page in enumerate(pages):
        for name, (x, y, *_rest) in page.anchors.items():
            anchors.setdefault(name, (number, x, y))
        for kind, target, rect, box in page.links:
            # A link is reported for every box inside it; the element's own boxes suffice.
            if kind in ("internal", "external") and getattr(box, "link", None):
                x1, y1, x2, y2 = rect
                node = tagged.link_nodes.get(id(box), -1) if tagged else -1
                links.append(LinkSpot(number, (x1, y1, x2, y2), target, kind == "external", node))
    first = pages[0]
    return PartLayout(
        name=job.name, pdf=pdf, page_count=len(pages), page_size=(first.width, first.height),
        blank=tuple(is_blank(page) for page in pages), anchors=anchors,
        links=tuple(links), ids=tuple(_ids_on_page(page) for page in pages),
        fonts=_font_uses(document, job.bundled_fonts),
        problems=(tuple(inspect_pages(pages, job.source))
                  + (tuple(typesetting_problems(fitted, job.source)) if fitted is not None else ())
                  if job.inspect else ()),
        diagnostics=tuple(diagnostics),
        fit=fitted.fit if fitted is not None else Fit(),
        images=tuple(image for number, page in enumerate(pages) for image in _placed_images(number, page)),
        lines=tuple(read_lines(pages)) if job.inspect else (),
        structure=tagged.structure if tagged else None,
    )


def _placed_images(number: int, page: Any) -> list[PlacedImage]:
    """The pictures on a page with their boxes, for the preflight (resolution, colour, bleed)."""
    found = []
    stack = [page_box(page)]
    while stack:
        box = stack.pop()
        element = getattr(box, "element", None)
        if isinstance(box, boxes.ReplacedBox) and element is not None and element.tag == "img":
            x, y = box.border_box_x(), box.border_box_y()
            art = "bleed" in (element.get("class") or "").split()
            found.append(PlacedImage(number, (x, y, x + box.border_width(), y + box.border_height()),
                                     element.get("src", ""), art))
        stack.extend(reversed(getattr(box, "children", ())))
    return found


def _font_uses(document: Any, bundled: frozenset[str]) -> dict[str, FontUse]:
    """Glyphs drawn per face; WeasyPrint may hold one face as several fonts (one per size)."""
    uses: dict[str, FontUse] = {}
    for font in drawn_fonts(document):
        digest = hashlib.sha256(font.data).hexdigest()
        before = uses.get(font.key)
        widths = {**(before.widths if before else {}), **font.widths}
        to_unicode = {**font.to_unicode, **(before.to_unicode if before else {})}
        uses[font.key] = FontUse(widths=widths, to_unicode=to_unicode, digest=digest,
                                 data=b"" if digest in bundled else font.data)
    return uses


def _ids_on_page(page: Any) -> frozenset[str]:
    found: set[str] = set()
    stack = [page_box(page)]
    while stack:
        box = stack.pop()
        element = getattr(box, "element", None)
        if element is not None and box.element_tag != "html":
            element_id = element.get("id")
            if element_id:
                found.add(element_id)
        stack.extend(getattr(box, "children", ()))
    return frozenset(found)


def _expected(message: str, refused: list[str]) -> bool:
    """Messages that say nothing new: links into other parts (the join makes those), refusals, and
    a picture with no alt text (the check's ``image-no-alt`` says where; the tags make it an
    artifact)."""
    return (message.startswith("No anchor #") or "has no required alt description" in message
            or any(url in message for url in refused))


def _refusals(refused: list[str], job: PartJob) -> list[Diagnostic]:
    problems = []
    for url in dict.fromkeys(refused):
        shown = _shown_url(url)
        where = "is outside the book folder" if urlsplit(url).scheme == "file" else "is not a file of the book"
        problems.append(error(job.source.path, job.source.line_of(shown), 0, "pdf-fetch-refused",
                              f"'{shown}' {where}; the PDF uses only files in the book folder "
                              "(copy it there, or remove the reference)"))
    return problems


def _shown_url(url: str) -> str:
    parts = urlsplit(url)
    return url2pathname(unquote(parts.path)) if parts.scheme == "file" else url


@contextmanager
def _engine_warnings() -> Iterator[list[str]]:
    """WeasyPrint's warnings (an unknown CSS property, an image it cannot read), as messages."""
    messages: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    logger = logging.getLogger("weasyprint")
    handler = Collect(level=logging.WARNING)
    logger.addHandler(handler)
    propagate = logger.propagate
    logger.propagate = False
    try:
        yield messages
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
