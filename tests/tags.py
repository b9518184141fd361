"""Reading a tagged PDF as a screen reader does: its structure tree, and what each page's marked
content draws, with pypdf alone (nothing from publish: the file is read as any reader reads it)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

# What puts marks on a page: showing text, painting a path, drawing an image or a form, shading.
PAINTING = {b"Tj", b"TJ", b"'", b'"', b"f", b"F", b"f*", b"S", b"s", b"B", b"B*", b"b", b"b*", b"sh", b"Do"}


@dataclass(frozen=True)
class Mark:
    """A marked-content sequence on a page: an MCID's, or an artifact's (``mcid`` None)."""

    page: int
    mcid: int | None
    tag: str
    properties: dict[str, str]
    text: str
    inside: tuple[str, ...]
    """The tags of the sequences it is nested in, outermost first."""


@dataclass
class Element:
    role: str
    page: int | None
    parent: Element | None
    idnum: int
    kids: list[Element | tuple[int, int] | int] = field(default_factory=list)
    """Child elements, marked content as (page, mcid), and link annotations (their object number)."""
    id: str = ""
    alt: str = ""
    lang: str = ""
    attributes: dict[str, object] = field(default_factory=dict)

    def walk(self) -> Iterator[Element]:
        yield self
        for kid in self.kids:
            if isinstance(kid, Element):
                yield from kid.walk()

    def contents(self, without: tuple[str, ...] = ()) -> list[tuple[int, int]]:
        """Every marked content of the element and its descendants, in reading order, but for
        the descendants whose role is in ``without``."""
        found: list[tuple[int, int]] = []
        for kid in self.kids:
            if isinstance(kid, Element):
                if kid.role not in without:
                    found += kid.contents(without)
            elif isinstance(kid, tuple):
                found.append(kid)
        return found


@dataclass
class Tagged:
    reader: PdfReader
    root: Element
    marks: dict[tuple[int, int], Mark]
    """Every MCID's marked content, by (page, mcid)."""
    artifacts: list[Mark]
    unmarked: list[tuple[int, str]]
    """(page, operator) of what a page paints outside any marked content."""
    parent_tree: dict[int, object]
    """ParentTree key → an array of element object numbers (a page's), or one (an annotation's)."""
    elements: dict[int, Element]
    """By object number."""

    def text(self, element: Element, without: tuple[str, ...] = ()) -> str:
        return "".join(self.marks[key].text for key in element.contents(without) if key in self.marks)

    def elements_of(self, role: str) -> list[Element]:
        return [element for element in self.root.walk() if element.role == role]


def read_tagged(path: Path) -> Tagged:
    reader = PdfReader(path)
    pages = {page.indirect_reference.idnum: index for index, page in enumerate(reader.pages)
             if page.indirect_reference is not None}
    catalog = reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog, f"{path.name} is not tagged: no structure tree"
    tree = catalog["/StructTreeRoot"]
    elements: dict[int, Element] = {}

    def read(reference: IndirectObject, parent: Element | None, page: int | None) -> Element:
        obj = reference.get_object()
        assert isinstance(obj, DictionaryObject)
        pg = obj.raw_get("/Pg") if "/Pg" in obj else None
        here = pages[pg.idnum] if isinstance(pg, IndirectObject) else page
        element = Element(str(obj["/S"])[1:], here, parent, reference.idnum, id=str(obj.get("/ID", "")),
                          alt=str(obj.get("/Alt", "")), lang=str(obj.get("/Lang", "")),
                          attributes={str(k): v for k, v in (obj.get("/A") or {}).items()})
        elements[reference.idnum] = element
        kids = obj.raw_get("/K") if "/K" in obj else ArrayObject()
        kids = kids.get_object() if isinstance(kids, IndirectObject) and not isinstance(
            kids.get_object(), DictionaryObject) else kids
        for kid in kids if isinstance(kids, ArrayObject) else [kids]:
            if isinstance(kid, int):
                assert here is not None, f"marked content {kid} of a {element.role} with no page"
                element.kids.append((here, int(kid)))
            elif isinstance(kid, IndirectObject) and kid.get_object().get("/Type") not in ("/OBJR", "/MCR"):
                element.kids.append(read(kid, element, here))
            else:
                kid = kid.get_object()
                if kid.get("/Type") == "/MCR":
                    element.kids.append((pages[kid.raw_get("/Pg").idnum], int(kid["/MCID"])))
                elif kid.get("/Type") == "/OBJR":
                    element.kids.append(kid.raw_get("/Obj").idnum)
        return element

    [document] = [read(kid, None, None) for kid in tree["/K"]] if isinstance(tree["/K"], ArrayObject) else \
        [read(tree.raw_get("/K"), None, None)]
    parent_tree: dict[int, object] = {}
    nums = tree["/ParentTree"]["/Nums"]
    for key, value in zip(nums[::2], nums[1::2], strict=True):
        value = value.get_object()
        parent_tree[int(key)] = ([ref.idnum if isinstance(ref, IndirectObject) else None for ref in value]
                                 if isinstance(value, ArrayObject) else value.indirect_reference.idnum)
    marks: dict[tuple[int, int], Mark] = {}
    artifacts: list[Mark] = []
    unmarked: list[tuple[int, str]] = []
    for index, page in enumerate(reader.pages):
        for mark in _page_marks(page, index, unmarked):
            if mark.mcid is None:
                artifacts.append(mark)
            else:
                assert (index, mark.mcid) not in marks, f"MCID {mark.mcid} twice on page {index}"
                marks[index, mark.mcid] = mark
    return Tagged(reader, document, marks, artifacts, unmarked, parent_tree, elements)


def _page_marks(page: object, index: int, unmarked: list[tuple[int, str]]) -> list[Mark]:
    """The page's marked-content sequences with the text each shows (pypdf's text extraction,
    watched operator by operator)."""
    stack: list[tuple[str, dict[str, str], int | None, list[str]]] = []
    done: list[Mark] = []

    def before(operator: bytes, operands: list[object], cm: object, tm: object) -> None:
        if operator in (b"BDC", b"BMC"):
            tag = str(operands[0])
            properties = operands[1] if operator == b"BDC" else None
            props = {str(k): str(v) for k, v in properties.items()} if isinstance(properties, DictionaryObject) else {}
            mcid = int(properties["/MCID"]) if isinstance(properties, DictionaryObject) and "/MCID" in properties \
                else None
            stack.append((tag, props, mcid, []))
        elif operator == b"EMC":
            tag, props, mcid, text = stack.pop()
            done.append(Mark(index, mcid, tag, props, "".join(text).replace("\n", " "),
                             tuple(entry[0] for entry in stack)))
        elif operator in PAINTING and not stack:
            unmarked.append((index, operator.decode()))

    def visit(text: str, cm: object, tm: object, font: object, size: object) -> None:
        if stack:
            stack[-1][3].append(text)
        elif text.strip():
            unmarked.append((index, f"text {text!r}"))

    page.extract_text(visitor_operand_before=before, visitor_text=visit)  # type: ignore[attr-defined]
    assert not stack, f"page {index} leaves a marked-content sequence open"
    return done


def heading_levels(tagged: Tagged) -> list[tuple[int, str]]:
    """(level, text) of every heading, in reading order (without its note references)."""
    return [(int(element.role[1]), tagged.text(element, without=("Reference",))) for element in tagged.root.walk()
            if element.role in ("H1", "H2", "H3", "H4", "H5", "H6")]


