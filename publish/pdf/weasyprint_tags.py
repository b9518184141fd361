"""WeasyPrint's tags, read: the one module that relies on how WeasyPrint writes a tagged PDF.

Takes a rendered WeasyPrint document; writes its PDF tagged (``write_tagged``) and returns it
with the part's logical structure as data (``pdf.tagging`` shapes it) and the node each link's
box ended in. WeasyPrint's tree is read while the PDF is written, in a ``write_pdf`` finisher:
the marked content that is no part of the text (margin boxes, leaders, pictures with no
description) is turned into artifacts in the pages' content streams there, and the tree itself
is left out of the part's PDF, since the join writes one tree for the book (``pdf.tree``).

None of this is WeasyPrint's public API. Relied on, as WeasyPrint 70 has it (``check_tag_internals``
says loudly when a new release changes it): ``weasyprint.pdf.tags._build_box_tree(box, parent,
pdf, page_number, nums, annotations, tags)``, a generator that yields the structure elements it
made for a box and recurses through the module's global name, so that a wrapper (``install``)
sees every box with the elements made for it; margin boxes built with nothing linked into the
tree; the elements as pydyf Dictionaries (``S``, ``K`` of marked-content ids and references,
``Pg``, ``A``, ``ID``) under the catalog's ``StructTreeRoot``, whose ``ParentTree`` holds an
array per page; page content streams whose ``Stream.stream`` holds a marked-content sequence's
start as three items, ``/Span``, ``<</MCID n>>``, ``BDC``.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pydyf  # type: ignore[import-untyped]
from weasyprint.formatting_structure import boxes
from weasyprint.pdf import tags as _tags

from publish.pdf.structure import Cell, Marked, PartStructure
from publish.pdf.tagging import Artifact, Loose, Tagged, shape_structure

_MARK = "_publish_reads_tags"
_BOX = "_publish_box"
_REGION = "_publish_region"
_PARAMETERS = ("box", "parent", "pdf", "page_number", "nums", "annotations", "tags")


@dataclass(frozen=True)
class TaggedPdf:
    data: bytes
    structure: PartStructure
    link_nodes: Mapping[int, int]
    """``id()`` of a box that holds a link → the node of the structure the link belongs to."""


def install() -> None:
    """Wrap ``_build_box_tree`` once per process, to note on each element the box it was made for,
    and on the elements made inside a margin box or a leader where they were."""
    original = _tags._build_box_tree
    if getattr(original, _MARK, False):
        return

    @functools.wraps(original)
    def build_box_tree(box: Any, parent: Any, pdf: Any, page_number: int, nums: Any, annotations: Any,
                       tags: Any) -> Iterator[Any]:
        real = getattr(box, "_box", box)  # an absolutely placed box stands behind a placeholder
        region = _region(real)
        first = len(pdf.objects)
        made = list(original(box, parent, pdf, page_number, nums, annotations, tags))
        if region in ("top", "bottom", "side", "leader"):
            for obj in pdf.objects[first:]:
                setattr(obj, _REGION, region)
        for element in made:
            if not hasattr(element, _BOX):
                setattr(element, _BOX, real)
            yield element

    setattr(build_box_tree, _MARK, True)
    _tags._build_box_tree = build_box_tree


def _region(box: Any) -> str:
    if isinstance(box, boxes.MarginBox):
        keyword = str(getattr(box, "at_keyword", ""))
        return "top" if keyword.startswith("@top") else "bottom" if keyword.startswith("@bottom") else "side"
    if getattr(box, "is_leader", False):
        return "leader"
    if isinstance(box, boxes.FootnoteAreaBox):
        return "footnotes"
    return ""


def write_tagged(document: Any, part: str, finisher: Callable[[Any, Any], None], **options: Any) -> TaggedPdf:
    """``document.write_pdf(**options)`` with WeasyPrint's tags, read into ``part``'s structure."""
    install()
    found: list[tuple[PartStructure, dict[int, int]]] = []

    def finish(doc: Any, pdf: Any) -> None:
        finisher(doc, pdf)
        found.append(_take_structure(pdf, part))

    data = document.write_pdf(pdf_tags=True, finisher=finish, **options)
    structure, link_nodes = found[0]
    return TaggedPdf(data, structure, link_nodes)


def _take_structure(pdf: Any, part: str) -> tuple[PartStructure, dict[int, int]]:
    """Read WeasyPrint's tree, draw what is not text as artifacts, and drop the tree from the PDF."""
    objects = pdf.objects
    pages = {reference: index for index, reference in enumerate(pdf.page_references)}
    root = _resolve(objects, pdf.catalog["StructTreeRoot"])
    parent_tree = _resolve(objects, root["ParentTree"])
    document = _resolve(objects, root["K"][0])
    reader = _Reader(objects, pages)
    roots = [reader.read(_resolve(objects, kid)) for kid in document["K"]]
    loose: list[Loose] = []
    nums = parent_tree["Nums"]
    for key, value in zip(nums[::2], nums[1::2], strict=True):
        if not isinstance(value, pydyf.Array) or key not in range(len(pages)):
            continue  # an annotation's entry
        for ref in dict.fromkeys(value):
            element = _resolve(objects, ref)
            region = getattr(element, _REGION, "")
            if region in ("top", "bottom", "side"):
                loose += [Loose(Marked(key, kid), region) for kid in element["K"] if isinstance(kid, int)]
    shaped = shape_structure(roots, loose, part)
    _draw_artifacts(pdf, shaped.artifacts)
    for obj in objects:
        if isinstance(obj, pydyf.Dictionary) and obj.get("Type") in ("/StructTreeRoot", "/StructElem", "/OBJR"):
            obj.free = "f"
    parent_tree.free = "f"
    del pdf.catalog["StructTreeRoot"]
    link_nodes = {box: shaped.nodes[number] for box, number in reader.links.items() if number in shaped.nodes}
    return shaped.structure, link_nodes


class _Reader:
    """WeasyPrint's elements as ``Tagged``; the runs of text it gives an element each become its
    marked content."""

    def __init__(self, objects: list[Any], pages: Mapping[bytes, int]) -> None:
        self.objects = objects
        self.pages = pages
        self.elements: dict[tuple[int, str], int] = {}
        self.links: dict[int, int] = {}
        self.count = 0

    def read(self, element: Any) -> Tagged:
        box = getattr(element, _BOX, None)
        page = self.pages.get(element.get("Pg"), 0)
        kids: list[Tagged | Marked] = []
        for kid in element["K"]:
            if isinstance(kid, int):
                kids.append(Marked(page, kid))
                continue
            obj = _resolve(self.objects, kid)
            if obj.get("Type") == "/OBJR":
                continue  # WeasyPrint's own link annotations: the join makes the book's
            if not hasattr(obj, _BOX) and obj["S"] == "/Span" and [type(k) for k in obj["K"]] == [int]:
                kids.append(Marked(self.pages.get(obj.get("Pg"), page), obj["K"][0]))
            else:
                kids.append(self.read(obj))
        self.count += 1
        number = self.count
        html = getattr(box, "element", None)
        tag = str(getattr(box, "element_tag", "") or "") if box is not None else ""
        if box is not None and getattr(box, "link", None):
            self.links[id(box)] = number
        key = (id(html), tag) if html is not None else (-number, "")
        attributes = element.get("A") or {}
        return Tagged(
            number=number, role=str(element["S"]).lstrip("/"), tag=tag,
            element=self.elements.setdefault(key, len(self.elements)), page=page, kids=tuple(kids),
            classes=tuple(str(html.get("class") or "").split()) if html is not None else (),
            id=str(html.get("id") or "") if html is not None else "",
            lang=str(html.get("lang") or "") if html is not None else "",
            alt=str(html.get("alt") or "") if html is not None and tag == "img" else "",
            region=getattr(box, _REGION, "") or (_region(box) if box is not None else ""),
            link=box is not None and bool(getattr(box, "link", None)),
            bbox=tuple(float(v) for v in attributes["BBox"]) if "BBox" in attributes else None,  # type: ignore[arg-type]
            cell=_cell(element, html) if element["S"] in ("/TH", "/TD") else None,
        )


def _cell(element: Any, html: Any) -> Cell:
    attributes = element.get("A") or {}
    header = element.get("ID")
    return Cell(header_id=str(header.string) if header is not None else "",
                headers=tuple(str(h.string) for h in attributes.get("Headers", ())),
                scope=str(html.get("scope") or "") if html is not None else "",
                columns=int(attributes.get("ColSpan", 1)), rows=int(attributes.get("RowSpan", 1)))


def _resolve(objects: list[Any], reference: Any) -> Any:
    """The object behind a pydyf reference (``b"12 0 R"``)."""
    if isinstance(reference, pydyf.Object):
        return reference
    return objects[int(bytes(reference).split()[0])]


def _draw_artifacts(pdf: Any, artifacts: tuple[Artifact, ...]) -> None:
    """Each artifact's marked-content sequence re-marked ``/Artifact`` with its type, in place."""
    by_page: dict[int, dict[int, Artifact]] = {}
    for artifact in artifacts:
        by_page.setdefault(artifact.marked.page, {})[artifact.marked.mcid] = artifact
    for page, wanted in by_page.items():
        stream = _resolve(pdf.objects, _resolve(pdf.objects, pdf.page_references[page])["Contents"])
        items = stream.stream
        for index, item in enumerate(items):
            if isinstance(item, pydyf.Dictionary) and item.get("MCID") in wanted and index:
                artifact = wanted[item["MCID"]]
                properties = pydyf.Dictionary()
                if artifact.kind:
                    properties["Type"] = f"/{artifact.kind}"
                if artifact.subtype:
                    properties["Subtype"] = f"/{artifact.subtype}"
                items[index - 1] = "/Artifact"
                items[index] = properties


def check_tag_internals() -> None:
    """What ``install`` and ``write_tagged`` rely on, short of laying a document out."""
    function = getattr(_tags, "_build_box_tree", None)
    if function is None or not callable(getattr(_tags, "add_tags", None)):
        raise RuntimeError("WeasyPrint no longer has pdf.tags._build_box_tree and add_tags: the book's tags "
                           "(publish/pdf/weasyprint_tags.py) must be looked at again")
    names = tuple(inspect.signature(inspect.unwrap(function)).parameters)
    if names != _PARAMETERS:
        raise RuntimeError(f"WeasyPrint's _build_box_tree takes {names}, not {_PARAMETERS}: the book's tags "
                           "(publish/pdf/weasyprint_tags.py) must be looked at again")
    if not inspect.isgeneratorfunction(inspect.unwrap(function)):
        raise RuntimeError("WeasyPrint's _build_box_tree no longer yields the elements it makes: the book's tags "
                           "(publish/pdf/weasyprint_tags.py) must be looked at again")
    stream = pydyf.Stream()
    stream.begin_marked_content("Span", pydyf.Dictionary({"MCID": 0}))
    if [type(item) for item in stream.stream] != [str, pydyf.Dictionary, bytes]:
        raise RuntimeError("pydyf no longer writes a marked-content sequence's start as three items: the "
                           "artifacts of publish/pdf/weasyprint_tags.py must be looked at again")
    for name in ("MarginBox", "FootnoteAreaBox"):
        if not isinstance(getattr(boxes, name, None), type):
            raise RuntimeError(f"WeasyPrint has no boxes.{name}: publish/pdf/weasyprint_tags.py must be looked "
                               "at again")
