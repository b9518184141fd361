"""A repair to WeasyPrint's footnotes: a note whose reference ends a full page is never set.

Takes nothing; ``install`` wraps one WeasyPrint layout function (idempotently) in the process that
lays out pages. When a line does not fit at the foot of a page, WeasyPrint first moves the page's
footnotes to the next page to make room; if the line then fits, it places the line and stops the
page without laying out the footnotes whose references that very line holds (WeasyPrint 66 to 70,
``layout.block._linebox_layout``, the branch that ends ``new_children.append(line); stop = True``).
Those notes vanish from the book: a page-notes book of a thousand notes lost seven. The wrapper
finds them after the page stops and moves them to the next page's notes, as WeasyPrint does for
any note that does not fit. Notes moved to the next page at different moments are also put back
in their order there (WeasyPrint reverses only those it moved last), by the ``data-number`` that
``pdf.edition.html`` gives each footnote.

``check_footnote_internals`` fails loudly, naming the assumption, when WeasyPrint changes.
"""

from __future__ import annotations

import inspect
from typing import Any

from weasyprint.layout import LayoutContext
from weasyprint.layout import block as _block

_MARK = "_publish_keeps_footnotes"
_PARAMETERS = ("context", "box", "index", "child", "new_children")


def install() -> None:
    """Wrap ``_linebox_layout`` once per process."""
    original = _block._linebox_layout
    if getattr(original, _MARK, False):
        return

    def linebox_layout(context: LayoutContext, box: Any, index: int, child: Any, new_children: list[Any],
                       *args: Any, **kwargs: Any) -> Any:
        result = original(context, box, index, child, new_children, *args, **kwargs)
        abort, stop = result[0], result[1]
        if stop and not abort and new_children and context.footnotes:
            for descendant in new_children[-1].descendants():
                footnote = getattr(descendant, "footnote", None)
                if footnote is not None and footnote in context.footnotes:
                    # Placed on this page without its note: the note goes to the next page.
                    context.footnotes.remove(footnote)
                    context.reported_footnotes.append(footnote)
        if len(context.reported_footnotes) > 1:
            # Notes moved on at different moments must still come in their order.
            context.reported_footnotes.sort(key=_number)
        return result

    setattr(linebox_layout, _MARK, True)
    _block._linebox_layout = linebox_layout


def _number(footnote: Any) -> int:
    """A note's number, from the ``data-number`` the print HTML gives every footnote."""
    element = getattr(footnote, "element", None)
    value = element.get("data-number", "") if element is not None else ""
    return int(value) if value.isdigit() else 0


def check_footnote_internals() -> None:
    """What ``install`` relies on: the function, its first parameters, its result's first two
    values (abort, stop), and the context's footnote lists."""
    function = getattr(_block, "_linebox_layout", None)
    if function is None:
        raise RuntimeError("WeasyPrint no longer has layout.block._linebox_layout: the footnote repair "
                           "in publish/pdf/weasyprint_footnotes.py must be looked at again")
    unwrapped = inspect.unwrap(function)
    names = tuple(inspect.signature(getattr(function, "__wrapped__", unwrapped)).parameters)
    if getattr(function, _MARK, False):
        return
    if names[: len(_PARAMETERS)] != _PARAMETERS:
        raise RuntimeError(f"WeasyPrint's _linebox_layout takes {names}, not {_PARAMETERS}…: the footnote "
                           "repair in publish/pdf/weasyprint_footnotes.py must be looked at again")
    for name in ("footnotes", "reported_footnotes", "current_page_footnotes"):
        if name not in inspect.getsource(LayoutContext):
            raise RuntimeError(f"WeasyPrint's LayoutContext has no {name}: the footnote repair in "
                               "publish/pdf/weasyprint_footnotes.py must be looked at again")
