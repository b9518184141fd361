"""Python-Markdown with the book's notes: the one adapter over the footnotes extension's internals.

Takes a chapter's Markdown; gives Python-Markdown's HTML in which every footnote reference is a
``<sup data-fn="T:K">`` (K indexes ``NoteSyntax.labels``), every reference to an undefined label is
a ``<span data-fn-undefined="T:K">`` holding the literal ``[^label]`` as the author typed it, and the
definitions follow in one ``<div data-notes="T">`` of ``<li data-fn="T:K">`` items, without
backlinks. T is a token the caller chooses, so that raw HTML in the chapter cannot pass for them.

What Python-Markdown decides is kept exactly: which text is a definition and what belongs to it
(its ``FootnoteBlockProcessor`` is used as it is), which ``[^label]`` is a reference (the same
pattern at the same priority, so code spans, escapes and code blocks are left alone as it leaves
them). What this module changes is what Python-Markdown gets wrong for a book:

- a label defined twice is recorded (it keeps only the last; the book calls it an error);
- references are counted in constant time each (its bookkeeping is quadratic in the references
  to one note, seconds for a note cited 2,000 times);
- a definition met while a note is parsed (a note that defines another) is listed, where
  Python-Markdown fails with "OrderedDict mutated during iteration";
- no backlink and no no-break space are added to the notes: the editions make their own.

The book numbers the notes itself (``render.number_notes``), so nothing here numbers anything.
``check_markdown_internals`` says loudly when a new Python-Markdown changes what this relies on.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import version
from typing import Any

import markdown
from markdown import util
from markdown.extensions import Extension
from markdown.extensions.footnotes import FootnoteBlockProcessor, FootnoteExtension
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor

# Python-Markdown's own reference pattern (footnotes.py, FOOTNOTE_RE): any text up to "]".
REFERENCE = r"\[\^([^\]]*)\]"
# Priorities Python-Markdown gives its footnote processors (FootnoteExtension.extendMarkdown):
# the block processor runs before reference definitions (17); the inline pattern before image
# references (175); the tree processor before the inline one (50), so the notes' text is
# inline-processed like the body's.
BLOCK_PRIORITY, INLINE_PRIORITY, TREE_PRIORITY = 17, 175, 50
# An undefined reference must not be taken by a later pattern: a link "[^x](url)" or a
# reference link "[^x][ref]" stays what Python-Markdown makes of it.
UNDEFINED_PRIORITY = 174
UNDEFINED = REFERENCE + r"(?![(\[])"


@dataclass
class NoteSyntax:
    """What the footnotes syntax of one chapter held, in the order Python-Markdown met it."""

    labels: list[str] = field(default_factory=list)
    """Every defined label, first definition first; ``data-fn`` indexes this list."""
    definitions: dict[str, int] = field(default_factory=dict)
    """How many times each label is defined (more than once is the author's error)."""
    undefined: list[str] = field(default_factory=list)
    """Labels referenced but never defined; ``data-fn-undefined`` indexes this list."""


class _Notes(FootnoteExtension):
    """Python-Markdown's footnotes, recording instead of numbering (see the module docstring)."""

    syntax: NoteSyntax

    def __init__(self, token: str) -> None:
        self.token = token
        super().__init__()

    def mark(self, index: int) -> str:
        return f"{self.token}:{index}"

    def reset(self) -> None:
        super().reset()
        self.syntax = NoteSyntax()
        self._index: dict[str, int] = {}
        self._undefined: dict[str, int] = {}

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.registerExtension(self)
        self.parser = md.parser
        self.md = md
        md.parser.blockprocessors.register(FootnoteBlockProcessor(self), "footnote", BLOCK_PRIORITY)
        md.inlinePatterns.register(_Reference(REFERENCE, self), "footnote", INLINE_PRIORITY)
        md.inlinePatterns.register(_Undefined(UNDEFINED, self), "footnote-undefined", UNDEFINED_PRIORITY)
        md.treeprocessors.register(_NotesDiv(self), "footnote", TREE_PRIORITY)

    def setFootnote(self, id: str, text: str) -> None:
        self.syntax.definitions[id] = self.syntax.definitions.get(id, 0) + 1
        if id not in self._index:
            self._index[id] = len(self.syntax.labels)
            self.syntax.labels.append(id)
        self.footnotes[id] = text

    def index_of(self, label: str) -> int | None:
        return self._index.get(label)

    def undefined_index(self, label: str) -> int:
        if label not in self._undefined:
            self._undefined[label] = len(self.syntax.undefined)
            self.syntax.undefined.append(label)
        return self._undefined[label]


class _Reference(InlineProcessor):
    """``[^label]`` for a defined label → ``<sup data-fn="K"/>``; the book numbers it later."""

    def __init__(self, pattern: str, notes: _Notes) -> None:
        super().__init__(pattern)
        self.notes = notes

    def handleMatch(  # type: ignore[override]
        self, m: re.Match[str], data: str,
    ) -> tuple[etree.Element | None, int | None, int | None]:
        index = self.notes.index_of(m.group(1))
        if index is None:
            return None, None, None
        sup = etree.Element("sup", {"data-fn": self.notes.mark(index)})
        return sup, m.start(0), m.end(0)


class _Undefined(InlineProcessor):
    """``[^label]`` with no definition: kept as typed, and marked so the book can stop on it."""

    def __init__(self, pattern: str, notes: _Notes) -> None:
        super().__init__(pattern)
        self.notes = notes

    def handleMatch(  # type: ignore[override]
        self, m: re.Match[str], data: str,
    ) -> tuple[etree.Element | None, int | None, int | None]:
        if self.notes.index_of(m.group(1)) is not None:
            return None, None, None
        span = etree.Element("span", {"data-fn-undefined": self.notes.mark(self.notes.undefined_index(m.group(1)))})
        span.text = util.AtomicString(m.group(0))
        return span, m.start(0), m.end(0)


class _NotesDiv(Treeprocessor):
    """Parse every definition into an ``<li>`` of one notes ``<div>`` at the end of the document."""

    def __init__(self, notes: _Notes) -> None:
        super().__init__(notes.md)
        self.notes = notes

    def run(self, root: etree.Element) -> None:
        labels = self.notes.syntax.labels
        if not labels:
            return
        div = etree.SubElement(root, "div", {"data-notes": self.notes.token})
        holder = etree.Element("div")
        index = 0
        # A note's text may define another note: the list grows while it is read.
        while index < len(labels):
            item = etree.SubElement(div, "li", {"data-fn": self.notes.mark(index)})
            self.notes.parser.parseChunk(holder, self.notes.footnotes[labels[index]])
            for child in list(holder):
                item.append(child)
                holder.remove(child)
            index += 1


@dataclass(frozen=True)
class Converted:
    html: str
    syntax: NoteSyntax


def convert(
    text: str, extensions: list[str | Extension], configs: dict[str, dict[str, Any]], *, token: str = "fn",
) -> Converted:
    """The chapter's HTML from a fresh ``Markdown`` (a reused one leaks notes between chapters)."""
    notes = _Notes(token)
    md = markdown.Markdown(extensions=[*extensions, notes], extension_configs=configs, output_format="xhtml")
    html = md.convert(text)
    return Converted(html, notes.syntax)


def check_markdown_internals(convert_text: Callable[[str], Converted] | None = None) -> None:
    """Fail loudly, naming the assumption, when Python-Markdown no longer works as this module needs.

    Assumptions: ``FootnoteBlockProcessor`` stores definitions through ``setFootnote`` on its
    extension and reads ``footnotes``; a parser's ``parseChunk`` parses a block into a parent;
    inline patterns and tree processors run at the priorities above.
    """
    run = convert_text or (lambda text: convert(text, [], {}))
    done = run("A[^a] and `[^b]` and \\[^c] and [^d].\n\n[^a]: Note *one*.\n\n    more.\n")
    found = version("markdown")
    if done.syntax.labels != ["a"] or done.syntax.definitions != {"a": 1}:
        raise RuntimeError(f"Python-Markdown {found}: FootnoteBlockProcessor no longer calls setFootnote "
                           f"once per definition (got {done.syntax})")
    if done.syntax.undefined != ["d"]:
        raise RuntimeError(f"Python-Markdown {found}: a reference in code or escaped is read as a note, or an "
                           f"undefined one is not ({done.syntax.undefined})")
    if 'data-fn="fn:0"' not in done.html or "<em>one</em>" not in done.html or "more." not in done.html:
        raise RuntimeError(f"Python-Markdown {found}: notes are no longer parsed by parseChunk before inline "
                           f"patterns run: {done.html}")
