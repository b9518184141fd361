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
- no backlink and no no-break space are added to the notes: the editions make their own;
- inline Markdown (links, emphasis, notes, smart quotes) is processed in time that grows with the
  paragraph, not with its square (``LinearInline``: the same passes, the same output).

The book numbers the notes itself (``render.number_notes``), so nothing here numbers anything.
``check_markdown_internals`` says loudly when a new Python-Markdown changes what this relies on.
"""

from __future__ import annotations

import functools
import importlib
import re
import xml.etree.ElementTree as etree
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import version
from typing import Any

import markdown
from markdown import inlinepatterns, treeprocessors, util
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


# The tree processors that run inline patterns, and their priorities: Python-Markdown's own
# (treeprocessors.build_treeprocessors) and smarty's (SmartyExtension.extendMarkdown).
INLINE_RUNNERS = {"inline": 20, "smarty": 6}
# What in a pattern can look at the text before the place a search starts: lookbehinds and word
# boundaries (and a line start, with MULTILINE).
_LOOKS_BEHIND = ("(?<", "\\b", "\\B")


class LinearInline(treeprocessors.InlineProcessor):
    """Python-Markdown's inline processor, in time linear in a paragraph; the same output.

    Python-Markdown applies each inline pattern to a paragraph's text in turn; each match is
    replaced by a placeholder, and the whole text is copied to do so (``__applyPattern``), which
    for a 5 MB paragraph with a quote, a note or an emphasis every few sentences means copying
    5 MB a hundred thousand times. Its tree walk also looks up a child's position by a linear
    search (``list(parent).index(child)``) and pops its queue from the front. Here the walk keeps
    positions and the queue an index, and a pattern's pass over the text searches the text as it
    was when the pass began, collecting the replaced pieces and joining them once at the end.

    That search sees what Python-Markdown's sees, character for character, except right after a
    replacement: the character before the search's start is then the placeholder's last one in
    Python-Markdown's text and the match's last one here. A pattern that can look behind its
    start (a lookbehind, a word boundary; emphasis, whose delimiters are judged by the character
    before them) is given Python-Markdown's text at that one place. Emphasis keeps the positions
    of the delimiters it has paired (``DelimiterProcessor.regions``) in the coordinates of the
    text it paired them in; where Python-Markdown would hand it a text shifted by the
    placeholders put in since, the shift is worked out and its cached result built from this
    text with the same offsets (``_cached_delimiters``). ``check_markdown_internals`` names each
    internal this relies on, and tests compare the output with Python-Markdown's own.
    """

    def __init__(self, md: markdown.Markdown) -> None:
        super().__init__(md)
        self._known: dict[int, tuple[re.Pattern[str], Any, frozenset[str] | None]] = {}

    def run(self, tree: etree.Element, ancestors: list[str] | None = None) -> etree.Element:
        # Python-Markdown's walk, with each child's position kept instead of searched for and a
        # queue read by index instead of popped from the front.
        self.stashed_nodes: dict[str, etree.Element | str] = {}
        parents = [] if ancestors is None else ancestors[:]
        self.parent_map = {child: parent for parent in tree.iter() for child in parent}
        queue: list[tuple[etree.Element, list[str]]] = [(tree, parents)]
        self._InlineProcessor__build_ancestors(tree, parents)  # type: ignore[attr-defined]
        process = self._InlineProcessor__processPlaceholders  # type: ignore[attr-defined]
        head = 0
        while head < len(queue):
            current, parents = queue[head]
            head += 1
            self.ancestors = parents
            if current is not tree:
                self.ancestors.append(current.tag.lower())
            inserts = []
            position = 0
            while position < len(current):  # children inserted after this one are walked too
                child = current[position]
                if child.text and not isinstance(child.text, util.AtomicString):
                    self.ancestors.append(child.tag.lower())
                    text = child.text
                    child.text = None
                    found = process(self._InlineProcessor__handleInline(text), child)
                    for item in found:
                        self.parent_map[item[0]] = child
                    queue += found
                    inserts.append((child, found))
                    self.ancestors.pop()
                if child.tail:
                    tail = self._InlineProcessor__handleInline(child.tail)
                    holder = etree.Element("d")
                    child.tail = None
                    placed = process(tail, holder, False)
                    if holder.tail:
                        child.tail = holder.tail
                    for new in reversed(placed):
                        self.parent_map[new[0]] = current
                        current.insert(position + 1, new[0])
                if len(child):
                    self.parent_map[child] = current
                    queue.append((child, self.ancestors[:]))
                position += 1
            for element, found in inserts:
                for index, item in enumerate(found):
                    element.insert(index, item[0])
        return tree

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:
        """Every pattern from ``patternIndex`` on, each in one pass over the text."""
        if isinstance(data, util.AtomicString):
            return data
        for index in range(patternIndex, len(self.inlinePatterns)):
            data = self._pass(self.inlinePatterns[index], data, index)
        return data

    def _pass(self, pattern: Any, data: str, index: int) -> str:
        """What applying ``pattern`` again and again until it no longer matches does to ``data``
        in Python-Markdown (``__applyPattern``), in one pass."""
        for exclude in pattern.ANCESTOR_EXCLUDES:
            if exclude.lower() in self.ancestors:
                return data
        if not isinstance(pattern, InlineProcessor):  # an old-style pattern: Python-Markdown's way
            start = 0
            while True:
                data, matched, start = self._InlineProcessor__applyPattern(  # type: ignore[attr-defined]
                    pattern, data, index, start)
                if not matched:
                    return data
        regex, delimiters, triggers = self._traits(pattern)
        # Emphasis paired in another text: its positions mean nothing here, as they mean nothing
        # to Python-Markdown, which would use them anyway; do exactly as it does.
        exact = delimiters is not None and bool(delimiters.regions)
        pass_ = _Pass(data)
        while True:
            if pass_.after_replacement and (exact or triggers is None
                                            or pass_.text[pass_.search_from:pass_.search_from + 1] in triggers):
                pass_.rebuild()
            found: tuple[Any, int, int] | None = None
            for match in regex.finditer(pass_.text, pass_.search_from):
                if delimiters is not None and delimiters.regions and not exact:
                    handled = self._cached_delimiters(delimiters, match, pass_)
                else:
                    handled = pattern.handleMatch(match, pass_.text)
                    if delimiters is not None and delimiters.regions:
                        pass_.paired_shift = pass_.shift
                if handled[1] is not None and handled[2] is not None:
                    found = (handled[0], handled[1], handled[2])
                    break
            if found is None:
                return pass_.result()
            node, start, end = found
            if start < pass_.taken:
                raise RuntimeError(f"Python-Markdown {version('markdown')}: a {type(pattern).__name__} match "
                                   "starts before where it was searched for: publish/markdown_notes.py "
                                   "(LinearInline) must be looked at again")
            if node is None:
                pass_.skip_to(end)
                continue
            if not isinstance(node, str) and not isinstance(node.text, util.AtomicString):
                for child in [node, *node]:
                    if child.text:
                        self.ancestors.append(child.tag.lower())
                        child.text = self._InlineProcessor__handleInline(child.text, index + 1)
                        self.ancestors.pop()
                    if child.tail:
                        child.tail = self._InlineProcessor__handleInline(child.tail, index)
            stash = self._InlineProcessor__stashNode  # type: ignore[attr-defined]
            pass_.replace(start, end, stash(node, pattern.type()))

    def _traits(self, pattern: Any) -> tuple[re.Pattern[str], Any, frozenset[str] | None]:
        """A pattern's regex, itself if it pairs emphasis, and the characters after a placeholder
        at which its search must see Python-Markdown's text (empty: none; None: any)."""
        known = self._known.get(id(pattern))
        if known is None:
            delimiters = pattern if isinstance(pattern, inlinepatterns.DelimiterProcessor) else None
            regex = pattern.getCompiledRegExp()
            looks_behind = delimiters is not None or any(mark in regex.pattern for mark in _LOOKS_BEHIND) \
                or bool("^" in regex.pattern and regex.flags & re.MULTILINE)
            # Only a match that could begin right after the placeholder can tell the difference.
            triggers = first_characters(regex.pattern, regex.flags) if looks_behind else frozenset()
            known = self._known[id(pattern)] = (regex, delimiters, triggers)
        return known

    def _cached_delimiters(self, delimiters: Any, match: re.Match[str],
                           pass_: _Pass) -> tuple[Any, int | None, int | None]:
        """``DelimiterProcessor.get_cached_result`` as Python-Markdown would call it, on its text
        shifted by the placeholders put in since the delimiters were paired; built from this
        pass's text with the offsets that shift gives."""
        paired, now = pass_.paired_shift, pass_.shift
        # Positions as Python-Markdown has them: the cache's in the text the pairing saw, the
        # match's in the text of now.
        position = match.start(0) + now
        cached = delimiters.cache_pos + paired
        first = delimiters.regions[delimiters.cache_index][0]
        offset = position - cached if position != cached else position - (first + paired)
        here = offset + paired - now
        start, end = first, delimiters.regions[delimiters.cache_index][3]
        element, count = delimiters._build_element(pass_.text, delimiters.cache_index, here)
        delimiters.increment_next_position(start, count)
        return element, start + here, end + here


@functools.cache
def first_characters(pattern: str, flags: int) -> frozenset[str] | None:
    """The characters a match of ``pattern`` can begin with, read from its parse by Python's own
    regular expression parser; None when that could be any (a class such as ``\\w``, a
    negated set, ``.``, case folding, or a pattern that can match nothing)."""
    if flags & re.IGNORECASE:
        return None
    try:
        parsed = _sre_parser().parse(pattern, flags)
    except Exception:  # a parser that changed: assume nothing
        return None
    found = _first_of(list(parsed))
    return None if found is None or found[1] else frozenset(chr(code) for code in found[0])


def _sre_parser() -> Any:
    return importlib.import_module("re._parser")


def _first_of(items: list[Any]) -> tuple[set[int], bool] | None:
    """(first code points, whether the sequence can match nothing) of parsed items; None: any."""
    parser = _sre_parser()
    first: set[int] = set()
    for op, value in items:
        if op in (parser.AT, parser.ASSERT, parser.ASSERT_NOT):
            continue  # zero width: what follows begins the match
        if op is parser.LITERAL:
            return first | {value}, False
        if op is parser.IN:
            if any(kind is not parser.LITERAL for kind, _ in value):
                return None
            return first | {code for _, code in value}, False
        if op is parser.SUBPATTERN or op is parser.ATOMIC_GROUP:
            inner = _first_of(list(value[-1] if op is parser.SUBPATTERN else value))
        elif op is parser.BRANCH:
            alternatives = [_first_of(list(alternative)) for alternative in value[1]]
            if any(alternative is None for alternative in alternatives):
                return None
            inner = (set().union(*(a[0] for a in alternatives if a)), any(a[1] for a in alternatives if a))
        elif op in (parser.MAX_REPEAT, parser.MIN_REPEAT, parser.POSSESSIVE_REPEAT):
            low, _, body = value
            repeated = _first_of(list(body))
            inner = None if repeated is None else (repeated[0], repeated[1] or low == 0)
        else:
            return None
        if inner is None:
            return None
        first |= inner[0]
        if not inner[1]:
            return first, False
    return first, True


class _Pass:
    """One pattern's pass over a text: the text searched (as it was when the pass began, or as
    last rebuilt), the pieces of the result so far, and where the next search starts."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pieces: list[str] = []
        self.length = 0
        """Characters in ``pieces``."""
        self.taken = 0
        """``text`` up to here is in ``pieces`` (as it is, or replaced by a placeholder)."""
        self.search_from = 0
        self.after_replacement = False
        """The next search starts right after a placeholder."""
        self.paired_shift = 0
        """``shift`` when emphasis last paired its delimiters."""

    @property
    def shift(self) -> int:
        """Python-Markdown's position of a character not yet taken, less its position in ``text``."""
        return self.length - self.taken

    def replace(self, start: int, end: int, placeholder: str) -> None:
        piece = self.text[self.taken:start]
        self.pieces += [piece, placeholder]
        self.length += len(piece) + len(placeholder)
        self.taken = self.search_from = end
        self.after_replacement = True

    def skip_to(self, end: int) -> None:
        self.search_from = end
        self.after_replacement = False

    def rebuild(self) -> None:
        """Python-Markdown's text, made now: the next search may look behind its start."""
        shift = self.shift
        self.text = self.result()
        self.search_from += shift
        self.pieces, self.length, self.taken = [], 0, 0
        self.after_replacement = False

    def result(self) -> str:
        return "".join([*self.pieces, self.text[self.taken:]])


def replace_inline_runners(md: markdown.Markdown) -> None:
    """Put ``LinearInline`` where Python-Markdown and smarty registered their inline processors,
    with the same patterns and priorities."""
    for name, priority in INLINE_RUNNERS.items():
        if name in md.treeprocessors:
            registered = md.treeprocessors[name]
            assert isinstance(registered, treeprocessors.InlineProcessor)
            runner = LinearInline(md)
            runner.inlinePatterns = registered.inlinePatterns
            md.treeprocessors.register(runner, name, priority)


@dataclass(frozen=True)
class Converted:
    html: str
    syntax: NoteSyntax


def convert(
    text: str, extensions: list[str | Extension], configs: dict[str, dict[str, Any]], *, token: str = "fn",
    linear: bool = True,
) -> Converted:
    """The chapter's HTML from a fresh ``Markdown`` (a reused one leaks notes between chapters);
    ``linear=False`` runs Python-Markdown's own inline processor (what ``LinearInline`` is
    compared with)."""
    notes = _Notes(token)
    md = markdown.Markdown(extensions=[*extensions, notes], extension_configs=configs, output_format="xhtml")
    if linear:
        replace_inline_runners(md)
    html = md.convert(text)
    return Converted(html, notes.syntax)


def check_markdown_internals(convert_text: Callable[[str], Converted] | None = None) -> None:
    """Fail loudly, naming the assumption, when Python-Markdown no longer works as this module needs.

    Assumptions: ``FootnoteBlockProcessor`` stores definitions through ``setFootnote`` on its
    extension and reads ``footnotes``; a parser's ``parseChunk`` parses a block into a parent;
    inline patterns and tree processors run at the priorities above; and what ``LinearInline``
    relies on (``check_linear_inline``).
    """
    check_linear_inline()
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


# The internals of Python-Markdown's inline processor that ``LinearInline`` calls or reads.
INLINE_INTERNALS = ("_InlineProcessor__build_ancestors", "_InlineProcessor__processPlaceholders",
                    "_InlineProcessor__handleInline", "_InlineProcessor__applyPattern",
                    "_InlineProcessor__stashNode")
DELIMITER_INTERNALS = ("regions", "cache_index", "cache_pos", "_build_element", "increment_next_position")
# Every place where ``LinearInline`` departs from Python-Markdown's way: emphasis paired across
# placeholders (links, notes, code, raw HTML), smart quotes right after a placeholder, a word
# boundary after one, notes inside emphasis and emphasis inside notes.
LINEAR_PROBE = (
    'A "quote" [link](http://x.org) *em [^a] and `c`* \'s it\'s **strong *in* [l](u)**_u_ '
    '`c`"q" <b>x</b>\'t ***both** one* [^a]"end". _a_[^a]_b_ x*y*z "[l](u)" \'q\'\'q\' ***b**"_c_\n\n'
    '[^a]: Note "q" *e [l](u) f* <i>i</i>\'s.\n'
)


def check_linear_inline() -> None:
    """Fail loudly when Python-Markdown's inline processor no longer has what ``LinearInline``
    uses, or their output differs on ``LINEAR_PROBE``. Assumptions: the private methods in
    ``INLINE_INTERNALS``; emphasis (``DelimiterProcessor``) keeps ``DELIMITER_INTERNALS``; the
    inline runners are registered under the names and priorities of ``INLINE_RUNNERS``; Python's
    regular expression parser is ``re._parser``."""
    found = version("markdown")
    lacking = [name for name in INLINE_INTERNALS if not hasattr(treeprocessors.InlineProcessor, name)]
    md = markdown.Markdown(extensions=["smarty"])
    emphasis = [p for p in md.inlinePatterns if isinstance(p, inlinepatterns.DelimiterProcessor)]
    if not emphasis:
        lacking.append("DelimiterProcessor (emphasis)")
    lacking += [name for name in DELIMITER_INTERNALS for p in emphasis[:1] if not hasattr(p, name)]
    priorities = {item.name: item.priority for item in getattr(md.treeprocessors, "_priority", [])}
    lacking += [f"tree processor {name!r} at {priority}" for name, priority in INLINE_RUNNERS.items()
                if priorities.get(name) != priority]
    if not hasattr(_sre_parser(), "parse"):
        lacking.append("re._parser.parse")
    if lacking:
        raise RuntimeError(f"Python-Markdown {found}: LinearInline (publish/markdown_notes.py) relies on "
                           f"{', '.join(lacking)}, no longer there")
    extensions: list[str | Extension] = ["smarty", "attr_list"]
    ours = convert(LINEAR_PROBE, extensions, {}).html
    theirs = convert(LINEAR_PROBE, extensions, {}, linear=False).html
    if ours != theirs:
        raise RuntimeError(f"Python-Markdown {found}: LinearInline (publish/markdown_notes.py) no longer gives "
                           f"Python-Markdown's output:\n{ours}\n{theirs}")
