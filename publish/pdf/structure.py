"""A part's logical structure as plain data: what the join makes the book's structure tree from.

Takes nothing; defines the frozen dataclasses a tagged part carries (``PartLayout.structure``) and
their JSON form for the build cache. A ``PartStructure`` is a tree of ``Node``s in reading order,
each with its PDF structure type and, as leaves, the marked content of the part's pages that it
holds (``Marked``: a page of the part and a marked-content id on it). It names no PDF object and
imports neither the layout engine nor pypdf, so a part read from the cache is joined without
either (``pdf.tagging`` makes it, ``pdf.tree`` writes it into the book).

The one design decision: a part's structure is data, not the PDF objects WeasyPrint wrote. The
layout process turns WeasyPrint's tree (an element per page an element touches, an element per
run of text) into one node per element of the book, and the part's PDF goes without a tree; the
join then writes the book's tree once, with nothing to parse or copy from the parts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Marked:
    """A marked-content sequence: ``/Span <</MCID n>> BDC … EMC`` on a page of the part."""

    page: int
    mcid: int


@dataclass(frozen=True)
class Cell:
    """A table cell's attributes (PDF's /Table attribute owner)."""

    header_id: str = ""
    """A header cell's structure-element ID, which the cells it heads name."""
    headers: tuple[str, ...] = ()
    """A data cell's header cells, by ID."""
    scope: str = ""
    """A header cell's ``Column`` or ``Row``."""
    columns: int = 1
    rows: int = 1


@dataclass(frozen=True)
class Node:
    """One structure element."""

    role: str
    """A standard structure type of PDF 1.7: ``P``, ``H1``, ``Note``, ``Link``, ``TOCI``…"""
    page: int
    """The page of the part it starts on."""
    kids: tuple[int | Marked, ...] = ()
    """In reading order: other nodes (their index in ``PartStructure.nodes``) and marked content."""
    id: str = ""
    """The element's /ID (a note's ``note-12``, a table header's), unique in the book."""
    anchor: str = ""
    """The HTML id the element had, for the join to find it (a "p. N" is drawn into its box)."""
    alt: str = ""
    lang: str = ""
    """Where it differs from the book's language."""
    bbox: tuple[float, float, float, float] | None = None
    """A figure's box: x1, y1, x2, y2 in CSS px from the page's top-left corner."""
    cell: Cell | None = None


@dataclass(frozen=True)
class PartStructure:
    nodes: tuple[Node, ...]
    roots: tuple[int, ...]
    """The nodes directly under the book's Document element, in reading order."""

    def walk(self) -> Iterator[tuple[int, Node]]:
        """Every node in reading order (depth first), with its index."""
        stack = list(reversed(self.roots))
        while stack:
            index = stack.pop()
            node = self.nodes[index]
            yield index, node
            stack.extend(reversed([kid for kid in node.kids if isinstance(kid, int)]))

    def by_anchor(self) -> dict[str, int]:
        return {node.anchor: index for index, node in enumerate(self.nodes) if node.anchor}


def structure_to_json(structure: PartStructure) -> dict[str, Any]:
    def node(n: Node) -> list[Any]:
        cell = None if n.cell is None else [n.cell.header_id, list(n.cell.headers), n.cell.scope, n.cell.columns,
                                             n.cell.rows]
        kids = [kid if isinstance(kid, int) else [kid.page, kid.mcid] for kid in n.kids]
        return [n.role, n.page, kids, n.id, n.anchor, n.alt, n.lang, None if n.bbox is None else list(n.bbox), cell]

    return {"nodes": [node(n) for n in structure.nodes], "roots": list(structure.roots)}


def structure_from_json(data: dict[str, Any]) -> PartStructure:
    def node(raw: list[Any]) -> Node:
        role, page, kids, element_id, anchor, alt, lang, bbox, cell = raw
        return Node(
            role=str(role), page=int(page),
            kids=tuple(int(kid) if isinstance(kid, int) else Marked(int(kid[0]), int(kid[1])) for kid in kids),
            id=str(element_id), anchor=str(anchor), alt=str(alt), lang=str(lang),
            bbox=None if bbox is None else (float(bbox[0]), float(bbox[1]), float(bbox[2]), float(bbox[3])),
            cell=None if cell is None else Cell(str(cell[0]), tuple(str(h) for h in cell[1]), str(cell[2]),
                                                int(cell[3]), int(cell[4])),
        )

    nodes = tuple(node(raw) for raw in data["nodes"])
    roots = tuple(int(index) for index in data["roots"])
    if any(not 0 <= index < len(nodes) for index in roots):
        raise ValueError("a root outside the structure")
    return PartStructure(nodes, roots)
