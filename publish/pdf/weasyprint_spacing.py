"""A repair to WeasyPrint's line breaking under a negative word spacing: no line is thrown away.

Takes nothing; ``install`` wraps one WeasyPrint function (idempotently) in the process that lays
out pages. WeasyPrint sets ``word-spacing`` as Pango letter spacing on each space
(``text.line_break.Layout.set_text``). When Pango wraps a line it leaves out the advance of the
space the line ends with, but not the spacing on it: with a negative word spacing (the book's
0.17 em space, the fitting's tighter paragraphs) a wrapped line can come out as much as that
spacing wider than the width it was wrapped to. ``split_first_line`` then finds the line too wide,
drops it, and hyphenates its first word instead ("tion of high-tech produc-" stretched across a
whole line, after the span of a compound), and the inline layout, seeing the text overflow,
breaks at an earlier opportunity (a note's number parted from its "p. N"). The wrapper asks Pango
to wrap to the width less that spacing, so a wrapped line always fits what WeasyPrint measures;
lines that were sound are unchanged but for a word that came within a hair of the margin.

The one design decision: the repair changes the width Pango wraps to, never WeasyPrint's own
measuring or drawing, so the lines it produces are ordinary WeasyPrint lines.
``check_spacing_internals`` fails loudly, naming the assumption, when WeasyPrint changes.
"""

from __future__ import annotations

import inspect
from typing import Any

from weasyprint.text import line_break as _line_break

_MARK = "_publish_wraps_within_spacing"
_PARAMETERS = ("text", "style", "context", "max_width", "justification_spacing")


def install() -> None:
    """Wrap ``text.line_break.create_layout`` once per process (``split_first_line`` calls it by
    its module's global name, which is what is replaced)."""
    original = _line_break.create_layout
    if getattr(original, _MARK, False):
        return

    def create_layout(text: str, style: Any, context: Any, max_width: float | None,
                      justification_spacing: float) -> Any:
        spacing = style["word_spacing"]
        if max_width is not None and spacing < 0:
            # A wrapped line may end in a space whose (negative) spacing Pango still counts.
            max_width += spacing
        return original(text, style, context, max_width, justification_spacing)

    setattr(create_layout, _MARK, True)
    create_layout.__wrapped__ = original  # type: ignore[attr-defined]
    _line_break.create_layout = create_layout


def check_spacing_internals() -> None:
    """What ``install`` relies on: ``create_layout`` and its parameters, ``split_first_line``
    wrapping through it, and word spacing held in the computed style as a length in px."""
    function = getattr(_line_break, "create_layout", None)
    split = getattr(_line_break, "split_first_line", None)
    if function is None or split is None:
        raise RuntimeError("WeasyPrint no longer has text.line_break.create_layout and split_first_line: "
                           "the spacing repair in publish/pdf/weasyprint_spacing.py must be looked at again")
    names = tuple(inspect.signature(inspect.unwrap(function)).parameters)
    if names != _PARAMETERS:
        raise RuntimeError(f"WeasyPrint's create_layout takes {names}, not {_PARAMETERS}: the spacing repair "
                           "in publish/pdf/weasyprint_spacing.py must be looked at again")
    if "create_layout(" not in inspect.getsource(split) or "word_spacing" not in inspect.getsource(_line_break):
        raise RuntimeError("WeasyPrint's split_first_line no longer wraps with create_layout, or sets word "
                           "spacing elsewhere: the spacing repair in publish/pdf/weasyprint_spacing.py must be "
                           "looked at again")
