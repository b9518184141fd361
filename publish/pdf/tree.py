"""The book's structure tree: the parts' structures joined under one StructTreeRoot, with pypdf.

Takes the joined ``PdfWriter`` (the parts' pages added in reading order), the parts with their
``PartStructure``s, the page plan, the marked content the join drew into the text (each
"p. N" into its note, each contents page number into its entry: ``Drawn``) and the link
annotations it made (``LinkMade``); writes the tree: one Document element holding every part's
nodes in reading order, a ParentTree with one array per page (each page's /StructParents is its
index, so each is unique in the book) and one entry per link annotation (its /StructParent,
numbered after the pages), an /OBJR in each link's ``Link`` element, an IDTree of the elements'
IDs, a RoleMap for any type that is not one of PDF 1.7's, /MarkInfo, and /Tabs /S on every page.
Also says what the join draws over the pages (``Marking``, ``as_artifact``): folios and running heads as
pagination artifacts, a printer's slug as a production artifact, page numbers that belong to a
note or a contents entry as marked content of that element.

The one design decision: marked-content ids stay those of the part's page (the join adds pages,
it does not merge them, and a page is one part's), so only what is numbered across the book is
renumbered: struct parents, IDs (made unique by the parts), annotations.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pypdf import PageObject, PdfWriter
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NullObject,
    NumberObject,
    TextStringObject,
)

from publish.pdf.pages import PagePlan
from publish.pdf.parts import PX_TO_PT, PartLayout
from publish.pdf.pypdf_objects import add_object
from publish.pdf.sprites import Placement
from publish.pdf.structure import Marked, Node

# ISO 32000-1, 14.8.4: the standard structure types; any other is role-mapped to one of them.
STANDARD_TYPES = frozenset((
    "Document", "Part", "Art", "Sect", "Div", "BlockQuote", "Caption", "TOC", "TOCI", "Index", "NonStruct",
    "Private", "P", "H", "H1", "H2", "H3", "H4", "H5", "H6", "L", "LI", "Lbl", "LBody", "Table", "TR", "TH", "TD",
    "THead", "TBody", "TFoot", "Span", "Quote", "Note", "Reference", "BibEntry", "Code", "Link", "Annot", "Ruby",
    "RB", "RT", "RP", "Warichu", "WT", "WP", "Figure", "Formula", "Form",
))
# PDF 2.0 types WeasyPrint may one day write, as PDF 1.7 readers should take them.
_ROLE_MAP = {"Aside": "Div", "FENote": "Note", "Title": "H1", "Sub": "Span", "Em": "Span", "Strong": "Span",
             "Artifact": "NonStruct", "DocumentFragment": "Div"}
# What the join draws over a page, by sprite kind: artifacts (ISO 32000-1, 14.8.2.2).
_ARTIFACTS = {"folio": b"/Artifact <</Type /Pagination /Subtype /Footer>> BDC\n",
              "head": b"/Artifact <</Type /Pagination /Subtype /Header>> BDC\n",
              "slug": b"/Artifact <</Type /Page>> BDC\n"}
PAGINATION = b"/Artifact <</Type /Pagination>> BDC\n"
PRODUCTION = b"/Artifact <</Type /Page>> BDC\n"
END = b"EMC\n"


@dataclass(frozen=True)
class Drawn:
    """Marked content the join drew on a page of the book, belonging to a node of a part."""

    page: int
    mcid: int
    part: int
    node: int


@dataclass(frozen=True)
class LinkMade:
    """A link annotation the join made, and the node of its ``Link`` element."""

    part: int
    node: int
    page: int
    annotation: IndirectObject


@dataclass(frozen=True)
class Marking:
    """How the join marks what it draws from the sprite sheets (``mark``), and what it drew into
    the structure tree so far (``drawn``)."""

    owners: Mapping[str, tuple[int, int]]
    """An element's HTML id → (part, node)."""
    next_mcid: dict[int, int] = field(default_factory=dict)
    """Per page of the book: the next free marked-content id."""
    drawn: list[Drawn] = field(default_factory=list)

    def mark(self, placement: Placement) -> tuple[bytes, bytes]:
        owner = self.owners.get(placement.owner) if placement.owner else None
        if owner is None:
            return _ARTIFACTS.get(placement.cell.kind, PAGINATION), END
        mcid = self.next_mcid.get(placement.page, 0)
        self.next_mcid[placement.page] = mcid + 1
        self.drawn.append(Drawn(placement.page, mcid, *owner))
        return f"/Span <</MCID {mcid}>> BDC\n".encode(), END


def tagged(parts: Sequence[PartLayout]) -> bool:
    """Whether the book gets a structure tree: every part was laid out tagged."""
    return bool(parts) and all(part.structure is not None for part in parts)


def start_marking(parts: Sequence[PartLayout], plan: PagePlan) -> Marking:
    """A ``Marking`` whose ids come after those of each page's own marked content."""
    owners: dict[str, tuple[int, int]] = {}
    next_mcid: dict[int, int] = {}
    for number, part in enumerate(parts):
        if part.structure is None:
            continue
        start = plan.starts[part.name]
        for index, node in enumerate(part.structure.nodes):
            if node.anchor:
                owners.setdefault(node.anchor, (number, index))
            for kid in node.kids:
                if isinstance(kid, Marked):
                    page = start + kid.page
                    next_mcid[page] = max(next_mcid.get(page, 0), kid.mcid + 1)
    return Marking(owners, next_mcid)


def add_structure(writer: PdfWriter, parts: Sequence[PartLayout], plan: PagePlan, drawn: Sequence[Drawn],
                  links: Sequence[LinkMade]) -> None:
    """The book's structure tree, from the parts' structures (``tagged(parts)`` must hold)."""
    pages = [_reference(page) for page in writer.pages]
    root = DictionaryObject({NameObject("/Type"): NameObject("/StructTreeRoot")})
    root_ref = add_object(writer, root)
    document = DictionaryObject({
        NameObject("/Type"): NameObject("/StructElem"), NameObject("/S"): NameObject("/Document"),
        NameObject("/P"): root_ref,
    })
    document_ref = add_object(writer, document)
    parents: list[dict[int, IndirectObject]] = [{} for _ in pages]
    ids: dict[str, IndirectObject] = {}
    roles: set[str] = set()
    extra: dict[tuple[int, int], list[Marked]] = {}
    for item in drawn:
        extra.setdefault((item.part, item.node), []).append(Marked(item.page, item.mcid))
    objrs: dict[tuple[int, int], list[LinkMade]] = {}
    for link in links:
        objrs.setdefault((link.part, link.node), []).append(link)
    top: list[IndirectObject] = []
    elements: dict[tuple[int, int], IndirectObject] = {}
    for number, part in enumerate(parts):
        structure = part.structure
        if structure is None:
            continue
        start = plan.starts[part.name]
        refs = [add_object(writer, DictionaryObject()) for _ in structure.nodes]
        elements |= {(number, index): ref for index, ref in enumerate(refs)}
        parent_of: dict[int, IndirectObject] = {index: document_ref for index in structure.roots}
        for index, node in enumerate(structure.nodes):
            ref = refs[index]
            element = ref.get_object()
            assert isinstance(element, DictionaryObject)
            page = start + node.page
            kids = ArrayObject()
            for kid in node.kids:
                if isinstance(kid, int):
                    kids.append(refs[kid])
                    parent_of[kid] = ref
                else:
                    kids.append(_marked(Marked(start + kid.page, kid.mcid), page, pages, parents, ref))
            for marked in extra.get((number, index), ()):
                kids.append(_marked(marked, page, pages, parents, ref))
            kids += [_objr(link, pages) for link in objrs.get((number, index), ())]
            element.update(_element(node, page, pages, parent_of.get(index, document_ref), kids, part.page_size[1]))
            roles.add(node.role)
            if node.id and node.id not in ids:
                ids[node.id] = ref
        top += [refs[index] for index in structure.roots]
    for link in links:
        if (link.part, link.node) not in elements:
            # A link whose box WeasyPrint did not tag (none in the book's HTML): a Link element of its own.
            elements[link.part, link.node] = add_object(writer, DictionaryObject({
                NameObject("/Type"): NameObject("/StructElem"), NameObject("/S"): NameObject("/Link"),
                NameObject("/P"): document_ref, NameObject("/Pg"): pages[link.page],
                NameObject("/K"): ArrayObject([_objr(link, pages)]),
            }))
            top.append(elements[link.part, link.node])
    document[NameObject("/K")] = ArrayObject(top)
    nums = ArrayObject()
    for index, mcids in enumerate(parents):
        shown = writer.pages[index]
        shown[NameObject("/StructParents")] = NumberObject(index)
        shown[NameObject("/Tabs")] = NameObject("/S")
        size = max(mcids, default=-1) + 1
        nums += [NumberObject(index), add_object(writer, ArrayObject(
            mcids.get(mcid, NullObject()) for mcid in range(size)))]
    key = len(pages)
    for link in links:
        annotation = link.annotation.get_object()
        assert isinstance(annotation, DictionaryObject)
        annotation[NameObject("/StructParent")] = NumberObject(key)
        nums += [NumberObject(key), elements[link.part, link.node]]
        key += 1
    root[NameObject("/K")] = ArrayObject([document_ref])
    root[NameObject("/ParentTree")] = add_object(writer, DictionaryObject({NameObject("/Nums"): nums}))
    root[NameObject("/ParentTreeNextKey")] = NumberObject(key)
    if ids:
        names = ArrayObject()
        for name in sorted(ids, key=lambda text: text.encode("utf-8")):
            names += [TextStringObject(name), ids[name]]
        root[NameObject("/IDTree")] = DictionaryObject({NameObject("/Names"): names})
    mapped = sorted(role for role in roles if role not in STANDARD_TYPES)
    if mapped:
        root[NameObject("/RoleMap")] = DictionaryObject({
            NameObject(f"/{role}"): NameObject(f"/{_ROLE_MAP.get(role, 'NonStruct')}") for role in mapped})
    catalog = writer.root_object
    catalog[NameObject("/StructTreeRoot")] = root_ref
    catalog[NameObject("/MarkInfo")] = DictionaryObject({NameObject("/Marked"): BooleanObject(True)})


def _reference(page: PageObject) -> IndirectObject:
    reference = page.indirect_reference
    assert reference is not None, "a page of the writer has a reference"
    return reference


def _objr(link: LinkMade, pages: Sequence[IndirectObject]) -> DictionaryObject:
    return DictionaryObject({NameObject("/Type"): NameObject("/OBJR"), NameObject("/Obj"): link.annotation,
                             NameObject("/Pg"): pages[link.page]})


def _marked(marked: Marked, page: int, pages: Sequence[IndirectObject], parents: list[dict[int, IndirectObject]],
            element: IndirectObject) -> NumberObject | DictionaryObject:
    """A kid for marked content: its id on the element's own page, a reference elsewhere."""
    parents[marked.page][marked.mcid] = element
    if marked.page == page:
        return NumberObject(marked.mcid)
    return DictionaryObject({NameObject("/Type"): NameObject("/MCR"), NameObject("/Pg"): pages[marked.page],
                             NameObject("/MCID"): NumberObject(marked.mcid)})


def _element(node: Node, page: int, pages: Sequence[IndirectObject], parent: IndirectObject, kids: ArrayObject,
             page_height: float) -> DictionaryObject:
    element = DictionaryObject({
        NameObject("/Type"): NameObject("/StructElem"), NameObject("/S"): NameObject(f"/{node.role}"),
        NameObject("/P"): parent, NameObject("/Pg"): pages[page], NameObject("/K"): kids,
    })
    if node.id:
        element[NameObject("/ID")] = TextStringObject(node.id)
    if node.alt:
        element[NameObject("/Alt")] = TextStringObject(node.alt)
    if node.lang:
        element[NameObject("/Lang")] = TextStringObject(node.lang)
    if node.bbox is not None:
        # Layout attributes are in the page's default user space: points, from the bottom left.
        x1, y1, x2, y2 = node.bbox
        height = page_height * PX_TO_PT
        box = [x1 * PX_TO_PT, height - y2 * PX_TO_PT, x2 * PX_TO_PT, height - y1 * PX_TO_PT]
        element[NameObject("/A")] = DictionaryObject({
            NameObject("/O"): NameObject("/Layout"),
            NameObject("/BBox"): ArrayObject(FloatObject(round(value, 2)) for value in box),
        })
    cell = node.cell
    if cell is not None:
        attributes = DictionaryObject({NameObject("/O"): NameObject("/Table")})
        if cell.scope:
            attributes[NameObject("/Scope")] = NameObject(f"/{cell.scope}")
        if cell.headers:
            attributes[NameObject("/Headers")] = ArrayObject(TextStringObject(header) for header in cell.headers)
        if cell.columns != 1:
            attributes[NameObject("/ColSpan")] = NumberObject(cell.columns)
        if cell.rows != 1:
            attributes[NameObject("/RowSpan")] = NumberObject(cell.rows)
        element[NameObject("/A")] = attributes
    return element


def as_artifact(data: bytes, opening: bytes = PAGINATION) -> bytes:
    """Content the join draws over a page that is no part of the text (a proof's stamp page, a
    printer's marks), as one artifact: ``PAGINATION`` or ``PRODUCTION``."""
    return opening + data + (b"" if data.endswith(b"\n") else b"\n") + END
