"""The book's tags: WeasyPrint's structure tree of a part, shaped into the part's logical structure.

Takes the tree WeasyPrint wrote for a part, as plain data (``Tagged``, read by
``weasyprint_tags``), and the part's name; returns the part's ``PartStructure``, the marked
content that is no part of the text and is to be drawn as artifacts, and which node each of
WeasyPrint's elements ended in (for the links). No WeasyPrint here: the rules can be read, and
tested, on their own.

WeasyPrint tags a page at a time, from the boxes: an element that runs over three pages is
three elements, a paragraph broken over two lines has a structure element per run of text, an
anonymous box is an element of its own, and HTML it has no type for is ``NonStruct``. The one
design decision: one structure element per element of the book, typed by what the element is in
the book, not by its HTML tag alone. So the boxes of one element, on one page or several, are
joined into one node; runs of text are marked content of the element they are in; grouping that
says nothing (``NonStruct``, a ``span`` with no id or language, an anonymous box) gives its
content to its parent; and
  - a note (``div.note``, a footnote) is a ``Note`` with its id as /ID, a reference to it
    (``sup.noteref``, the footnote call) a ``Reference`` holding its ``Link``; footnotes go at
    the end of their chapter, after its text, as the other notes placements have them;
  - the contents are a ``TOC`` of ``TOCI``s;
  - headings nest: a heading is at most one level below the one before it (H1 for a part's title);
  - a list item is ``Lbl`` and ``LBody``; a table header cell has a Scope and an ID unique in the
    book, which its cells name;
  - a picture with no description (``![](…)``), the dots of a leader and whatever WeasyPrint
    draws in the page's margin boxes (running heads, the front matter's folios) are artifacts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from publish.pdf.structure import Cell, Marked, Node, PartStructure


@dataclass(frozen=True)
class Tagged:
    """An element of WeasyPrint's tree, with what its box's HTML element says."""

    number: int
    """Unique in the part: which node it ends in is looked up by it."""
    role: str
    """WeasyPrint's structure type."""
    tag: str
    """The HTML tag, with the pseudo-element (``li::marker``); '' for no element."""
    element: int
    """The HTML element and pseudo-element it was made for: the same for every box of one."""
    page: int
    kids: tuple[Tagged | Marked, ...] = ()
    classes: tuple[str, ...] = ()
    id: str = ""
    lang: str = ""
    alt: str = ""
    region: str = ""
    """``footnotes`` for the page's footnote area, ``leader`` for a leader's dots; '' elsewhere."""
    link: bool = False
    """Whether its box holds a link of its own (``LinkSpot``): then it is kept even if empty."""
    bbox: tuple[float, float, float, float] | None = None
    cell: Cell | None = None


@dataclass(frozen=True)
class Loose:
    """Marked content with no place in WeasyPrint's tree: a margin box's (``top``, ``bottom``, ``side``)."""

    marked: Marked
    region: str


@dataclass(frozen=True)
class Artifact:
    marked: Marked
    kind: str
    """The artifact's /Type (``Pagination``, ``Layout``) or ''."""
    subtype: str = ""
    """``Header`` or ``Footer`` for pagination."""


@dataclass(frozen=True)
class Shaped:
    structure: PartStructure
    artifacts: tuple[Artifact, ...]
    nodes: Mapping[int, int]
    """``Tagged.number`` → the index of the node it ended in."""


# HTML elements WeasyPrint has no structure type for (or the wrong one, for the book).
_ROLES = {"figure": "Div", "pre": "P", "code": "Code", "aside": "Div", "nav": "Div", "dl": "L", "dt": "LI",
          "dd": "LI", "hr": "NonStruct"}
# The elements a footnote's blocks stand for (print HTML writes them as spans, ``fn-p``…).
_FOOTNOTE_BLOCKS = {"p": "P", "ul": "L", "ol": "L", "li": "LI", "blockquote": "BlockQuote", "pre": "P",
                    "div": "Div", "figure": "Div", "figcaption": "Caption", "section": "Sect", "dl": "L",
                    "dt": "LI", "dd": "LI", "aside": "Div", "table": "Table", "thead": "THead",
                    "tbody": "TBody", "tfoot": "TFoot", "tr": "TR", "td": "TD", "th": "TH", "caption": "Caption",
                    "h1": "P", "h2": "P", "h3": "P", "h4": "P", "h5": "P", "h6": "P"}
_HEADINGS = ("H1", "H2", "H3", "H4", "H5", "H6")
_MARGINS = {"top": ("Pagination", "Header"), "bottom": ("Pagination", "Footer"), "side": ("Pagination", "")}


@dataclass
class _Draft:
    """A node being shaped (mutable while it is: drafts are merged and regrouped)."""

    role: str
    element: int
    page: int
    kids: list[_Draft | Marked] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    id: str = ""
    anchor: str = ""
    alt: str = ""
    lang: str = ""
    keep: bool = False
    bbox: tuple[float, float, float, float] | None = None
    cell: Cell | None = None


def shape_structure(roots: Sequence[Tagged], loose: Sequence[Loose], part: str) -> Shaped:
    """The part's structure from WeasyPrint's tree (``roots``: the elements under its Document, page
    after page) and the marked content WeasyPrint left out of it (``loose``)."""
    shaper = _Shaper(part)
    top: list[_Draft | Marked] = []
    for root in roots:
        top += shaper.convert(root, parent_element=-1, parent_role="Document", contents=False)
    if shaper.footnotes:
        last = next((kid for kid in reversed(top) if isinstance(kid, _Draft)), None)
        if last is not None:
            last.kids = [*last.kids, *shaper.footnotes]
        else:
            top += shaper.footnotes
    drafts = [kid for kid in _merge(top) if isinstance(kid, _Draft)]
    # Content WeasyPrint put straight under the Document (none in the book's HTML) is kept in a Div.
    stray = [kid for kid in top if isinstance(kid, Marked)]
    if stray:
        drafts.append(_Draft("Div", -2, stray[0].page, list(stray)))
    _nest_headings(drafts)
    artifacts = [*shaper.artifacts, *(Artifact(item.marked, *_MARGINS.get(item.region, ("Pagination", ""))) for item
                                      in loose)]
    nodes: list[Node] = []
    numbers: dict[int, int] = {}
    roots_out = tuple(_freeze(draft, nodes, numbers, shaper.header_ids) for draft in drafts)
    return Shaped(PartStructure(tuple(nodes), roots_out), tuple(artifacts), numbers)


class _Shaper:
    """The walk over one part's tree, with what it gathers on the way."""

    def __init__(self, part: str) -> None:
        self.part = part
        self.footnotes: list[_Draft | Marked] = []
        self.artifacts: list[Artifact] = []
        self.header_ids: dict[str, str] = {}

    def convert(self, tagged: Tagged, parent_element: int, parent_role: str, contents: bool) -> list[_Draft | Marked]:
        """``tagged`` as the drafts and marked content its parent receives."""
        if tagged.region == "leader":
            self.artifacts += [Artifact(marked, "Layout") for marked in _marked(tagged)]
            return []
        contents = contents or (tagged.tag == "section" and "contents" in tagged.classes)
        role = self.role(tagged, parent_role, contents)
        if role == "Figure" and not tagged.alt.strip():
            # A picture the author gave no description: decoration, which a reader skips.
            self.artifacts += [Artifact(marked, "") for marked in _marked(tagged)]
            return []
        kids: list[_Draft | Marked] = []
        for kid in tagged.kids:
            if isinstance(kid, Marked):
                kids.append(kid)
            else:
                kids += self.convert(kid, tagged.element, role, contents)
        if tagged.region == "footnotes":
            self.footnotes += kids
            return []
        pseudo = "::" in tagged.tag
        same = tagged.element == parent_element and role not in ("LBody", "Lbl")
        lbody = role == "LBody" and parent_role != "LI"
        grouping = role == "NonStruct" or (role == "Span" and not tagged.id and not tagged.lang)
        if (grouping or same or lbody) and not tagged.link:
            return kids
        if not kids and not tagged.link:
            return []
        figure = role == "Figure"
        draft = _Draft(role, tagged.element, tagged.page, _merge(kids), [tagged.number], lang=tagged.lang,
                       keep=tagged.link, alt=tagged.alt if figure else "", bbox=tagged.bbox if figure else None)
        if tagged.id and not pseudo:
            draft.anchor = tagged.id
            if role == "Note":
                draft.id = tagged.id
        if tagged.cell is not None:
            draft.cell = tagged.cell
            if tagged.cell.header_id:
                self.header_ids.setdefault(tagged.cell.header_id, f"{self.part}-th-{len(self.header_ids) + 1}")
        return [draft]

    @staticmethod
    def role(tagged: Tagged, parent_role: str, contents: bool) -> str:
        tag, classes = tagged.tag, tagged.classes
        if tag.endswith("::footnote-call"):
            return "Reference"
        if tag.endswith("::footnote-marker"):
            return "Lbl"
        if "::" in tag:
            return tagged.role
        if ("note" in classes and tag == "div") or "footnote" in classes:
            return "Note"
        if tag == "sup" and "noteref" in classes:
            return "Reference"
        block = next((c[3:] for c in classes if c.startswith("fn-") and c[3:] in _FOOTNOTE_BLOCKS), "")
        if block:
            return _FOOTNOTE_BLOCKS[block]
        if contents and tag == "ol":
            return "TOC"
        if contents and tag == "li" and parent_role in ("TOC", "L"):
            return "TOCI"
        return _ROLES.get(tag, tagged.role)


def _marked(tagged: Tagged) -> list[Marked]:
    found: list[Marked] = []
    for kid in tagged.kids:
        found += [kid] if isinstance(kid, Marked) else _marked(kid)
    return found


def _merge(kids: list[_Draft | Marked]) -> list[_Draft | Marked]:
    """Adjacent drafts of one element (its boxes on one page after another, or on two lines) made one."""
    merged: list[_Draft | Marked] = []
    for kid in kids:
        last = merged[-1] if merged else None
        if (isinstance(kid, _Draft) and isinstance(last, _Draft) and kid.element == last.element
                and kid.role == last.role and kid.element >= 0):
            last.kids = _merge([*last.kids, *kid.kids])
            last.numbers += kid.numbers
            last.keep = last.keep or kid.keep
            last.anchor = last.anchor or kid.anchor
            last.id = last.id or kid.id
        else:
            merged.append(kid)
    return merged


def _nest_headings(drafts: Sequence[_Draft | Marked]) -> None:
    """Each heading at most one level below the heading before it, in reading order."""
    level = 0
    stack = list(reversed(drafts))
    while stack:
        draft = stack.pop()
        if not isinstance(draft, _Draft):
            continue
        if draft.role in _HEADINGS:
            level = min(_HEADINGS.index(draft.role) + 1, level + 1)
            draft.role = f"H{level}"
        stack.extend(reversed(draft.kids))


def _freeze(draft: _Draft, nodes: list[Node], numbers: dict[int, int], header_ids: Mapping[str, str]) -> int:
    """Append ``draft`` and its descendants to ``nodes`` (parents before their kids); its index."""
    index = len(nodes)
    nodes.append(Node(draft.role, draft.page))
    for number in draft.numbers:
        numbers[number] = index
    kids = draft.kids
    if draft.role == "LI":
        kids = _list_item(draft)
    frozen = tuple(kid if isinstance(kid, Marked) else _freeze(kid, nodes, numbers, header_ids) for kid in kids)
    cell = draft.cell
    if cell is not None:
        cell = Cell(header_ids.get(cell.header_id, ""), tuple(header_ids[h] for h in cell.headers if h in header_ids),
                    ("Row" if cell.scope == "row" else "Column") if draft.role == "TH" else "", cell.columns,
                    cell.rows)
    nodes[index] = Node(draft.role, draft.page, frozen, id=draft.id or (cell.header_id if cell else ""),
                        anchor=draft.anchor, alt=draft.alt, lang=draft.lang, bbox=draft.bbox, cell=cell)
    return index


def _list_item(item: _Draft) -> list[_Draft | Marked]:
    """A list item's content as ``Lbl`` and ``LBody``: what is neither goes into a body."""
    kids: list[_Draft | Marked] = []
    for kid in item.kids:
        if isinstance(kid, _Draft) and kid.role in ("Lbl", "LBody"):
            kids.append(kid)
        elif kids and isinstance(kids[-1], _Draft) and kids[-1].role == "LBody" and kids[-1].element == -3:
            kids[-1].kids.append(kid)
        else:
            kids.append(_Draft("LBody", -3, kid.page, [kid]))
    return kids
