"""The proof PDF of one chapter: the chapter as the book sets it, its notes, a stamp and the flags.

Takes the book holding only the proofed chapter, the same chapter with its editorial flags
marked (``proof.chapter.mark_flags``), every chapter source, the stamp's text, the target, the build
cache and, optionally, an engine (``pdf.edition.engine.start_print_engine``); writes the PDF atomically
and returns the layout report of the proof's parts, worded with the book's folios.

Folios are the full edition's: a chapter opens on the page that the page counts of all chapters
before it give, read from the build cache (``pdf.edition.page_counts``). A count that is missing (a book
never built, a chapter edited since) is laid out, in parallel, and recorded; it is never
guessed. Where each flag falls comes from ``proof.chapter.anchors``.

The one design decision: the proof's pages are the book's. The chapter is laid out from the
book's own HTML (so it is the very layout ``publish pdf`` caches), and laid out a second time,
beside it, with an empty element where each flag points, only to learn where the flags fall: an
element splits the text run around it, and WeasyPrint then sets the spaces of that line a
fraction of a point differently, which could move a line break. The flags' labels, the stamp,
the folios and each note's "p. N" are drawn over the pages from a stamps document (a page per
page: a proof is short), in the places the book's sprite sheets put them, so they cannot move a
line and the layout report never sees them; the Notes are laid out beside the chapter, as in the
book.

WeasyPrint lays everything out in the engine's processes (``pdf.edition.engine``), which import it as
they start: ``publish proof`` starts them before it reads the chapter.
"""

from __future__ import annotations

import io
import logging
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from importlib.metadata import version

from publish import __version__
from publish.assemble import template_environment
from publish.cache import Cache
from publish.diagnostics import Diagnostic, PublishError, Severity, display_path, warning
from publish.diagnostics import note as note_diagnostic
from publish.model import Book, Chapter
from publish.paths import styles_dir
from publish.pdf.cache import cached_subset
from publish.pdf.engine import Engine, layout_run
from publish.pdf.html import Locator, Stamp, book_scale
from publish.pdf.jobs import VERSO_OPENING, Settings, chapter_job, notes_job, part_job, print_settings
from publish.pdf.join import JoinInput, Metadata, OutlineEntry, StampSet, join_parts
from publish.pdf.page_counts import known_page_counts, render_before, store_page_count
from publish.pdf.pages import (
    PartPages,
    body_starts,
    locator_digits,
    note_locators,
    notes_heads,
    part_pads,
    part_pages,
    part_stamps,
    plan_pages,
    reference_folios,
)
from publish.pdf.parts import PartJob, PartLayout, SourceMap
from publish.proof.anchors import FlagAnchor, anchor_flags
from publish.render import ChapterSource, count_notes

VARIANT = "digital"
PROOF_CSS = "proof-print.css"
# Local files a chapter's Markdown may show: inline targets, reference definitions, raw src="".
# Flag labels and the stamp: DejaVu Sans (Debian's fonts-dejavu-core) is what WeasyPrint finds on
# the machines publish runs on; its condensed face fits a code into a book's outer margin.
LABEL_PT = 5.5
LABEL_LEADING = 1.2
LABEL_EM_WIDTH = 0.56
"""Conservative average advance of DejaVu Sans Condensed, in em, to stack labels without overlap."""
LABEL_ASCENT_EM = 0.93
"""DejaVu Sans's ascent."""
BODY_ASCENT_EM = 0.96
"""EB Garamond's baseline below the top of an empty inline box, as measured in the typeset book."""
PT_TO_PX = 96 / 72
GAP_IN = 0.06
STAMP_FROM_FOOT_IN = 0.3


@dataclass(frozen=True)
class MarginLabel:
    """A flag as the margin shows it, in CSS px from the top-left corner of the text block."""

    top: float
    """Of the label: its first line on the flagged line, or below the label above it."""
    text: str
    code: str
    caret: tuple[float, float]
    """Where the tick under the flagged word's end goes: x, y."""


@dataclass(frozen=True)
class ProofPage:
    """One page of the proof as its stamps document draws it."""

    folio: str
    head: str
    pad: bool
    side: str
    """``recto`` or ``verso``: which margin is the outer one."""
    labels: tuple[MarginLabel, ...]
    locators: tuple[Locator, ...] = ()
    """The "p. N" of the notes on a page of the Notes."""


def make_proof_pdf(
    book: Book, flagged: Chapter, sources: Sequence[ChapterSource], stamp: str,
    *, cache: Cache | None = None, engine: Engine | None = None,
) -> bytes:
    """The proof of ``book``'s one chapter, laid out in ``engine`` (or this process). A file the
    book may not read stops it; layout warnings are ``publish pdf``'s to report."""
    chapter = book.chapters[0]
    settings = print_settings(book)
    anchored, anchors = anchor_flags(chapter, flagged)
    proof_book = replace(book, chapters=(anchored,))
    styles = styles_dir()
    run = layout_run(engine, cache, styles)
    # Step 1 - the chapter as the book has it (fitted as the book fits it), the chapters before
    # it whose page counts are not known yet, and the notes; then, with the adjustments the
    # chapter's fitting found, its twin with the flags' anchors, when there are flags in it.
    css = settings.page_css + proof_css(book) + (styles / PROOF_CSS).read_text(encoding="utf-8")
    in_chapter = any(f'id="{anchor_id}"' in chapter_job(proof_book, anchored, settings).html for anchor_id in anchors)
    counts, keys, missing = known_page_counts(book, sources, settings, cache)
    earlier = run.start([chapter_job(book, rendered, settings) for rendered in render_before(book, sources, missing)])
    plain = run.start([chapter_job(book, chapter, settings)])
    # The notes, beside the chapter: each "p. 84" is an empty box, drawn over in step 3.
    with_notes = book.config.notes == "book" and bool(chapter.notes)
    notes = run.start([notes_job(proof_book, locator_digits([s.text for s in sources], book.config.trim),
                                  settings)]) if with_notes else None
    [layout] = plain()
    for index, part in zip(missing, earlier(), strict=True):
        counts[index] = part.page_count
    if cache is not None:
        # What was laid out here, this chapter included (it is the book's own layout of it): a
        # proof of a later chapter can count on it.
        for index in [*missing, len(counts)]:
            laid = counts[index] if index < len(counts) else layout.page_count
            store_page_count(cache, keys[index], laid, count_notes(sources[index].text, book.config.language))
    before = [c for c in counts if c is not None]
    opening = body_starts([*before, layout.page_count], part_pads(len(before) + 1, book.config.openers, False))[-1]
    # The book opens this chapter on a left-hand page when its folio is even (``openers = "any"``):
    # so does its proof, laid out again as the book does, with the same adjustments.
    verso = opening % 2 == 0
    again = [chapter_job(book, chapter, settings, verso=True, given=layout.fit)] if verso else []
    if in_chapter:
        twin = chapter_job(proof_book, anchored, settings, verso=verso, given=layout.fit)
        # Laid out only to learn where the flags fall: no tags.
        again.append(replace(twin, name=f"{chapter.id}-flags", page_css=css + (VERSO_OPENING if verso else ""),
                             tagged=False))
    laid_again = run.run(again)
    if verso:
        layout = laid_again[0]
    flagged_layout = laid_again[-1] if in_chapter else layout
    # The chapter is padded so that the Notes after it open on a right-hand page.
    chapter_pad = (opening + layout.page_count) % 2 == 0
    # Step 2 - the folio of each reference ("p. 84").
    refs = reference_folios({layout.name: layout.anchors}, {layout.name: opening})
    parts = [layout, *(notes() if notes else [])]
    # Step 3 - folios, running heads, the stamp and the flags, drawn over every page.
    pages = proof_pages(proof_book, parts, opening, refs, anchors, flagged_layout, chapter_pad)
    [stamps] = run.start([_proof_stamps_job(proof_book, pages, stamp, settings, css)])()
    plan = replace(plan_pages([part_pages(part, chapter_pad or part is not layout) for part in parts]),
                   front_count=0)
    starts = plan.starts
    report = _report(parts, starts, opening)
    if any(d.severity is Severity.ERROR for d in report):
        raise PublishError(report)
    # Step 4 - join, label the pages as their folios read, write.
    outline = [OutlineEntry(f"{chapter.number}. {chapter.title}", 0)]
    if "notes" in starts:
        outline.append(OutlineEntry(book.config.labels.notes, starts["notes"]))
    with _quiet_subsetter():
        data = join_parts(JoinInput(
            parts=parts, stamps=[StampSet(stamps, list(range(len(pages))))], plan=plan, outline=outline,
            metadata=_metadata(book, chapter, stamp), variant=VARIANT,
            font_files=settings.font_files, subset=cached_subset(cache),
        ))
    return label_pages(data, opening, part_pages(layout, chapter_pad), starts.get("notes"), book.config.labels.notes)


# ---- Stamps --------------------------------------------------------------------------------


def proof_pages(
    book: Book, parts: Sequence[PartLayout], opening: int, refs: Mapping[str, str],
    anchors: Mapping[str, FlagAnchor], flagged: PartLayout, chapter_pad: bool = True,
) -> list[ProofPage]:
    """Every page of the proof, padding pages included: its folio, head, side and flag labels.

    The chapter's pages carry the book's folios; the Notes pages carry the book's running heads
    ("Notes to pages 84–85") and no folio, since where they fall in the book's Notes depends on
    the notes of every chapter before. The flags in the chapter are placed where ``flagged``, the
    chapter laid out with their anchors, has them.
    """
    scale = book_scale(book.config)
    pages: list[ProofPage] = []
    locators: dict[int, tuple[Locator, ...]] = {}
    # A chapter opening on an even folio opens on a left-hand page (``openers = "any"``).
    side = 0 if opening % 2 else 1
    for part in parts:
        planned = part_pages(part, chapter_pad or part.name == "notes")
        if part.name == "notes":
            note_pages = {note.number: int(refs[note.ref_ids[0]]) for note in book.notes
                          if note.ref_ids and note.ref_ids[0] in refs}
            heads = notes_heads(planned.ids, note_pages, book.config.labels)
            stamps = [Stamp("", heads[page] if page < len(heads) else "", pad=page >= part.page_count)
                      for page in range(planned.padded_count)]
            locators = note_locators(book, part, refs, scale)
        else:
            stamps = part_stamps(planned, opening)
        flags: dict[int, list[tuple[float, float, FlagAnchor]]] = {}
        for anchor_id, (page, x, y) in (part if part.name == "notes" else flagged).anchors.items():
            if anchor_id in anchors:
                flags.setdefault(page, []).append((y, x, anchors[anchor_id]))
        for page, stamp in enumerate(stamps):
            # The chapter opens on the side its folio gives; the Notes on a right-hand page.
            recto = (len(pages) + side) % 2 == 0
            left = (scale.inside_in if recto else scale.outside_in) * 96
            spots = sorted((y - scale.top_in * 96, x - left, anchor) for y, x, anchor in flags.get(page, []))
            labels = stack_labels(spots, scale.size_pt, (scale.outside_in - 2 * GAP_IN) * 96)
            shown = locators.get(page, ()) if part.name == "notes" else ()
            pages.append(ProofPage(stamp.folio, stamp.head, stamp.pad, "recto" if recto else "verso", labels, shown))
    return pages


def stack_labels(
    spots: Sequence[tuple[float, float, FlagAnchor]], body_pt: float, width_px: float,
) -> tuple[MarginLabel, ...]:
    """Labels on the line of their flag (first baselines level), each pushed below the one above
    when they would meet; ``spots`` are (y, x) of each anchor from the text block, top to bottom."""
    line_px = LABEL_PT * LABEL_LEADING * PT_TO_PX
    # An empty inline box's top lies one ascent of the body face above the line's baseline.
    baseline = BODY_ASCENT_EM * body_pt * PT_TO_PX
    label_baseline = (LABEL_ASCENT_EM + (LABEL_LEADING - 1) / 2) * LABEL_PT * PT_TO_PX
    labels, free = [], -math.inf
    for y, x, anchor in spots:
        top = max(y + baseline - label_baseline, free)
        labels.append(MarginLabel(round(top, 2), anchor.label, anchor.code,
                                  (round(x, 2), round(y + baseline + PT_TO_PX, 2))))
        free = top + line_px * (_label_lines(anchor.label, width_px) + 0.3)
    return tuple(labels)


def _label_lines(text: str, width_px: float) -> int:
    """Lines a label will take, breaking at spaces and after hyphens, estimated generously."""
    per_line = max(1, int(width_px / (LABEL_PT * PT_TO_PX * LABEL_EM_WIDTH)))
    lines, used = 1, 0
    for word in text.split(" "):
        for number, piece in enumerate(re.findall(r"[^-]*-|[^-]+", word)):
            need = len(piece) + (1 if used and number == 0 else 0)
            if used and used + need > per_line:
                lines, used = lines + 1, len(piece)
            else:
                used += need
    return lines


def proof_css(book: Book) -> str:
    """Where the margins are, for the trim; styles/proof-print.css holds the rest."""
    width, height = book.config.trim
    scale = book_scale(book.config)
    text_width = (width - scale.inside_in - scale.outside_in) * 96
    label_width = (scale.outside_in - 2 * GAP_IN) * 96
    stamp_top = (height - scale.top_in - STAMP_FROM_FOOT_IN) * 96
    rules = [
        f".recto .proof-flag {{ left: {text_width + GAP_IN * 96:.2f}px; width: {label_width:.2f}px; }}",
        f".verso .proof-flag {{ left: {-(scale.outside_in - GAP_IN) * 96:.2f}px; width: {label_width:.2f}px; }}",
        f".proof-stamp {{ top: {stamp_top:.2f}px; width: {(width - 0.5) * 96:.2f}px; }}",
        f".recto .proof-stamp {{ left: {-(scale.inside_in - 0.25) * 96:.2f}px; }}",
        f".verso .proof-stamp {{ left: {-(scale.outside_in - 0.25) * 96:.2f}px; }}",
        f".proof-flag {{ font-size: {LABEL_PT}pt; line-height: {LABEL_LEADING}; }}",
    ]
    return "\n".join(rules) + "\n"


def _proof_stamps_job(book: Book, pages: Sequence[ProofPage], stamp: str, settings: Settings,
                      css: str) -> PartJob:
    html = template_environment().get_template("print/proof-stamps.html").render(
        language=book.config.language, title="Proof stamps", pages=pages, stamp=stamp)
    return replace(part_job("proof-stamps", html, settings, SourceMap(display_path(book.root)), inspect=False,
                            tagged=False), page_css=css)


# ---- Join and report -----------------------------------------------------------------------


def label_pages(data: bytes, opening: int, chapter: PartPages, notes_start: int | None,
                notes: str = "Notes") -> bytes:
    """Page labels as the folios read: the chapter's from its opening folio, the Notes' as "Notes 1".

    Added as an incremental update of the joined file: nothing else in it is written again.
    """
    from pypdf import PdfWriter
    from pypdf.constants import PageLabelStyle

    writer = PdfWriter(io.BytesIO(data), incremental=True)
    total = len(writer.pages)
    writer.set_page_label(0, chapter.padded_count - 1, style=PageLabelStyle.DECIMAL, start=opening)
    if notes_start is not None and notes_start < total:
        writer.set_page_label(notes_start, total - 1, style=PageLabelStyle.DECIMAL, prefix=f"{notes} ", start=1)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@contextmanager
def _quiet_subsetter() -> Iterator[None]:
    """fontTools warns that it drops DejaVu's FFTM table (FontForge's timestamps), which no
    reader needs; the proof's marks are set in DejaVu, so the warning would come with every proof."""
    logger = logging.getLogger("fontTools.subset")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _report(parts: Sequence[PartLayout], starts: Mapping[str, int], opening: int) -> list[Diagnostic]:
    found = []
    for part in parts:
        for problem in part.problems:
            where = f"page {opening + problem.page}" if part.name != "notes" else f"Notes page {problem.page + 1}"
            report = note_diagnostic if problem.note else warning
            found.append(report(problem.path, problem.line, 0, problem.code, f"{where}: {problem.message}"))
        found += part.diagnostics
    return found


def _metadata(book: Book, chapter: Chapter, stamp: str) -> Metadata:
    config = book.config
    return Metadata(
        title=f"Proof: {chapter.number}. {chapter.title}", author=config.author, subject=stamp,
        language=config.language, date=config.stamp_date, identifier=f"{config.identifier}#proof-{chapter.id}",
        producer=f"publish {__version__} (WeasyPrint {version('weasyprint')}, pypdf {version('pypdf')})",
    )
