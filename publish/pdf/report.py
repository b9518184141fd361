"""The layout report: what a typesetter would fix, found in WeasyPrint's laid-out pages.

Takes the pages of one part and a ``SourceMap`` of the Markdown they came from; returns
``LayoutProblem`` values: a line or image past the text block, anything cut off at the trim, a
running head that does not fit its line, a widow or orphan that slipped through, a heading left
at the foot of a page, a note number that does not match its note; and, from ``pdf.fit``, the
typesetting it could not mend (a hyphen run, a lone fragment, a short chapter ending, a page of
a paragraph's last lines) and, as a note, what it did. Pages are counted within the
part: only the join knows the folio a page will carry, so it words the final diagnostic.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from publish.pdf.fit import MAX_RUN, MIN_LAST_LINES, Fitted
from publish.pdf.lines import Line
from publish.pdf.parts import LayoutProblem as LayoutProblem
from publish.pdf.parts import SourceMap as SourceMap
from publish.pdf.weasyprint_boxes import boxes, page_box

# Half a point: less than any visible overhang, more than rounding in the line breaker.
TOLERANCE_PX = 0.7
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


@dataclass(frozen=True)
class _Fragment:
    page: int
    lines: int
    element_id: str
    text: str


def inspect_pages(pages: list[Any], source: SourceMap) -> list[LayoutProblem]:
    problems: list[LayoutProblem] = []
    fragments: dict[int, list[_Fragment]] = {}
    for number, page in enumerate(pages):
        root = page_box(page)
        problems += _check_page(number, root, page.width, page.height, source)
        last_block: _Fragment | None = None
        last_tag = ""
        # A table's rows break where they must, and its header repeats on every page: a cell is
        # never a widow or an orphan.
        in_tables = {id(inner) for box, _ in _walk_flow(root) if isinstance(box, boxes.TableBox)
                     for inner in _descendants(box)}
        for box, element_id in _walk_flow(root):
            if id(box) in in_tables:
                continue
            line_count = sum(1 for child in box.children
                             if isinstance(child, boxes.LineBox) and _has_text(child))
            if not isinstance(box, boxes.BlockContainerBox) or not line_count:
                continue
            text = _element_text(box)
            fragment = _Fragment(number, line_count, element_id, text)
            fragments.setdefault(id(box.element), []).append(fragment)
            last_block, last_tag = fragment, box.element_tag
        if last_block is not None and last_tag in _HEADINGS and number < len(pages) - 1:
            path, line = source.locate(last_block.element_id, last_block.text)
            problems.append(LayoutProblem(number, path, line, "layout-stranded-heading",
                                          f"heading “{_excerpt(last_block.text)}” is the last line of the page"))
    for parts in fragments.values():
        if len({part.page for part in parts}) < 2:
            continue
        first, last = parts[0], parts[-1]
        if first.lines < 2:
            path, line = source.locate(first.element_id, first.text)
            problems.append(LayoutProblem(first.page, path, line, "layout-orphan",
                                          f"orphan: one line of “{_excerpt(first.text)}” at the foot of the page"))
        if last.lines < 2:
            path, line = source.locate(last.element_id, last.text)
            problems.append(LayoutProblem(last.page, path, line, "layout-widow",
                                          f"widow: the last line of “{_excerpt(last.text)}” alone at the top"))
    return problems


def _check_page(number: int, page_box: Any, width: float, height: float, source: SourceMap) -> list[LayoutProblem]:
    problems: list[LayoutProblem] = []
    left = page_box.content_box_x()
    top = page_box.content_box_y()
    right, bottom = left + page_box.width, top + page_box.height
    reported: set[int] = set()
    flow = {id(box) for box, _ in _walk_flow(page_box)}
    for box, element_id in _walk(page_box, ""):
        in_flow = id(box) in flow
        if isinstance(box, boxes.MarginBox):
            lines = [child for child in _descendants(box) if isinstance(child, boxes.LineBox)]
            if len(lines) > 1:
                text = _element_text(box)
                problems.append(LayoutProblem(number, source.path, 0, "layout-running-head",
                                              f"running head “{_excerpt(text)}” needs {len(lines)} lines"))
            continue
        if not isinstance(box, boxes.TextBox | boxes.ReplacedBox):
            continue
        if isinstance(box, boxes.ReplacedBox) and "bleed" in (box.element.get("class") or "").split():
            continue  # full-page art reaches past the trim on purpose: the preflight checks it
        x1, y1 = box.position_x, box.position_y
        x2, y2 = x1 + box.margin_width(), y1 + box.margin_height()
        text = box.text if isinstance(box, boxes.TextBox) else f"image {box.element.get('src', '')}"
        key = id(box.element) if box.element is not None else id(box)
        if key in reported:
            continue
        if x1 < -TOLERANCE_PX or y1 < -TOLERANCE_PX or x2 > width + TOLERANCE_PX or y2 > height + TOLERANCE_PX:
            code, what = "layout-clipped", "is cut off at the edge of the page"
        elif in_flow and (x1 < left - TOLERANCE_PX or x2 > right + TOLERANCE_PX):
            overhang = max(left - x1, x2 - right) * 0.75
            code, what = "layout-overflow", f"runs {overhang:.1f}pt past the text block"
        elif in_flow and y2 > bottom + TOLERANCE_PX * 3:
            code, what = "layout-overflow", f"runs {(y2 - bottom) * 0.75:.1f}pt below the text block"
        else:
            continue
        reported.add(key)
        path, line = source.locate(element_id, _context(box, text))
        problems.append(LayoutProblem(number, path, line, code, f"“{_excerpt(text)}” {what}"))
    problems += _check_note_numbers(number, page_box, source)
    return problems


def _check_note_numbers(number: int, page_box: Any, source: SourceMap) -> list[LayoutProblem]:
    """A reference's printed number must be its note's number, and so must the note's label."""
    problems = []
    for box, element_id in _walk(page_box, ""):
        element = getattr(box, "element", None)
        if element is None or not isinstance(box, boxes.InlineBox | boxes.InlineBlockBox) \
                or box.element_tag not in ("a", "span"):
            continue
        classes = (element.get("class") or "").split()
        printed = "".join(_texts(box)).strip()
        if isinstance(box, boxes.InlineBlockBox) and "note-number" in classes:
            drawn = sum(child.width for child in _descendants(box) if isinstance(child, boxes.TextBox))
            if drawn > box.width + TOLERANCE_PX:
                path, line = source.locate(element_id, printed)
                problems.append(LayoutProblem(number, path, line, "layout-note-number",
                                              f"note number {printed} is wider than its column and runs into "
                                              "the text after it"))
            continue
        if box.element_tag == "a" and "noteref" in classes:
            expected = re.sub(r"^#note-", "", element.get("href", ""))
        elif "note-number" in classes and element_id.startswith("note-"):
            expected, printed = element_id.removeprefix("note-"), printed.rstrip(".")
        else:
            continue
        if printed and printed != expected:
            path, line = source.locate(element_id, printed)
            problems.append(LayoutProblem(number, path, line, "layout-note-number",
                                          f"note number {printed} is printed where note {expected} belongs"))
    return problems


def _context(box: Any, text: str) -> str:
    """Text to find a box's source line by: its own, or, when that is too short to be found (a
    list number, a word), the whole text of the element it belongs to."""
    element = getattr(box, "element", None)
    if len(re.sub(r"\W", "", text)) >= 20 or element is None:
        return text
    return " ".join("".join(element.itertext()).split()) or text


def _walk(box: Any, element_id: str) -> Iterator[tuple[Any, str]]:
    """Every box under ``box`` with the id of its nearest ancestor element that has one."""
    element = getattr(box, "element", None)
    if element is not None and element.get("id"):
        element_id = element.get("id")
    yield box, element_id
    for child in getattr(box, "children", ()):
        yield from _walk(child, element_id)


def _walk_flow(page_box: Any) -> Iterator[tuple[Any, str]]:
    """The boxes of the page's content and footnotes, without the margin boxes."""
    for child in page_box.children:
        if not isinstance(child, boxes.MarginBox):
            yield from _walk(child, "")


def _descendants(box: Any) -> Iterator[Any]:
    for child in getattr(box, "children", ()):
        yield child
        yield from _descendants(child)


def _texts(box: Any) -> Iterator[str]:
    if isinstance(box, boxes.TextBox):
        yield box.text
    for child in getattr(box, "children", ()):
        yield from _texts(child)


def _has_text(line: Any) -> bool:
    return any(text.strip() for text in _texts(line))


def _element_text(box: Any) -> str:
    return " ".join("".join(_texts(box)).split())


def _excerpt(text: str, limit: int = 48) -> str:
    text = " ".join(text.replace("\u200b", "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def typesetting_problems(fitted: Fitted, source: SourceMap) -> list[LayoutProblem]:
    """What the fitting left (a warning each) and what it did (one note for the part)."""
    found = fitted.findings
    problems = []

    def place(line: Line) -> tuple[str, int]:
        return source.locate(line.element_id, line.text)

    for line in found.hyphen_runs:
        problems.append(LayoutProblem(line.page, *place(line), "layout-hyphen-run",
                                      f"{MAX_RUN + 1} hyphenated line ends in a row, at “{_excerpt(line.text)}”"))
    for line in found.fragments:
        problems.append(LayoutProblem(line.page, *place(line), "layout-fragment",
                                      f"the line “{_excerpt(line.text)}” holds only the end of a hyphenated word"))
    if found.short_ending:
        first = found.short_ending[0]
        count = len(found.short_ending)
        problems.append(LayoutProblem(first.page, *place(first), "layout-short-ending",
                                      f"the chapter ends with {count} line{'s' if count > 1 else ''} on its last "
                                      f"page (at least {MIN_LAST_LINES} wanted)"))
    for line in found.tail_pages:
        problems.append(LayoutProblem(line.page, *place(line), "layout-tail-page",
                                      f"the page holds only the last lines of a paragraph, “{_excerpt(line.text)}”"))
    done = fitted.fit.describe()
    if done:
        # Said once for the part, at its first line found in the source (a chapter's title).
        path, number = next((spot for spot in map(place, found.lines) if spot[1] > 0), (source.path, 0))
        problems.append(LayoutProblem(0, path, number, "layout-fitted", f"fitted: {'; '.join(done)}", note=True))
    return problems
