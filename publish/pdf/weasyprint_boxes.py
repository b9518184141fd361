"""WeasyPrint's laid-out pages, read: the one module that relies on their boxes.

Takes a page of a rendered WeasyPrint document; gives its page box (the tree the layout report
and the ids of each page are read from), whether the page is blank (a page WeasyPrint adds so
that the next one is a right-hand page), and the box classes to tell lines, text, images, tables
and margins apart. None of this is WeasyPrint's public API (its pages give ``anchors`` and
``links``, not boxes); ``check_box_internals`` says loudly when a new release changes it.
"""

from __future__ import annotations

from typing import Any

from weasyprint.formatting_structure import boxes as boxes

BOX_CLASSES = ("BlockContainerBox", "FootnoteAreaBox", "InlineBlockBox", "InlineBox", "LineBox", "MarginBox",
               "ReplacedBox",
               "TableBox", "TextBox")


def page_box(page: Any) -> Any:
    """The root box of a laid-out page (``Page._page_box``)."""
    return page._page_box


def is_blank(page: Any) -> bool:
    """A page WeasyPrint left blank for a break to a right-hand page (``page_type.blank``)."""
    return bool(page._page_box.page_type.blank)


def check_box_internals(page: Any) -> None:
    """What this module relies on, on a page of a real document."""
    missing = [name for name in BOX_CLASSES if not isinstance(getattr(boxes, name, None), type)]
    if missing:
        raise RuntimeError(f"WeasyPrint's formatting_structure.boxes has no {', '.join(missing)}: the layout "
                           "report (publish/pdf/report.py, via publish/pdf/weasyprint_boxes.py) must be looked at")
    root = getattr(page, "_page_box", None)
    if root is None or not hasattr(getattr(root, "page_type", None), "blank"):
        raise RuntimeError("WeasyPrint's Page has no _page_box.page_type.blank: publish/pdf/weasyprint_boxes.py "
                           "must be looked at again")
    if not all(hasattr(root, name) for name in ("children", "content_box_x", "content_box_y", "width", "height",
                                                "border_box_x", "border_box_y", "border_width", "border_height")):
        raise RuntimeError("WeasyPrint's page box no longer has children, a content box and a border box (where "
                           "the preflight finds each picture, publish/pdf/layout.py): "
                           "publish/pdf/weasyprint_boxes.py must be looked at again")


def extra_word_space(box: Any) -> float:
    """What justification added to each space of a text box, in CSS px (``justification_spacing``)."""
    return float(getattr(box, "justification_spacing", 0) or 0)


def style_value(box: Any, name: str) -> Any:
    """A computed style value of a box, by WeasyPrint's name for it (``font_size``, ``word_spacing``,
    ``text_align_all``)."""
    return box.style[name]


def check_line_internals(page: Any) -> None:
    """What ``pdf.lines`` relies on: text boxes carry the space justification added to each space,
    and boxes their computed style under WeasyPrint's names."""
    for box in _all_boxes(page._page_box):
        if isinstance(box, boxes.TextBox):
            if not hasattr(box, "justification_spacing"):
                raise RuntimeError("WeasyPrint's TextBox has no justification_spacing: publish/pdf/lines.py "
                                   "(via publish/pdf/weasyprint_boxes.py) must be looked at again")
            for name in ("font_size", "word_spacing", "text_align_all", "hyphenate_character"):
                try:
                    box.style[name]
                except KeyError:
                    raise RuntimeError(f"WeasyPrint's computed style has no {name}: publish/pdf/lines.py "
                                       "must be looked at again") from None
            return
    raise RuntimeError("no text box on the page to check publish/pdf/lines.py's assumptions on")


def _all_boxes(box: Any) -> Any:
    yield box
    for child in getattr(box, "children", ()):
        yield from _all_boxes(child)
