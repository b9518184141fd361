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

BOX_CLASSES = ("BlockContainerBox", "InlineBlockBox", "InlineBox", "LineBox", "MarginBox", "ReplacedBox",
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
