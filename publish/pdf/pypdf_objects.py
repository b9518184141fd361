"""pypdf's writer, extended: the one module that relies on its private object table.

Takes a ``PdfWriter`` and PDF objects; adds an object to the file and returns its reference
(``add_object``), or puts another object in place of one already there (``replace_object``).
The join (``join``) and the book's fonts (``fonts``) build the PDF from laid-out parts this way,
which pypdf's public API does not offer: it adds objects only as pages, annotations or outline
items. Relied on, as pypdf 5 to 7 have them: ``PdfWriter._add_object``,
``PdfWriter._replace_object`` and ``PdfWriter._ID`` (the file identifier); and, to give a parsed
part's memory back as soon as its pages are copied (``release_reader``), that a ``PdfReader``
keeps what it parsed in ``resolved_objects`` and its pages in ``flattened_pages``, and nowhere
else. ``check_pypdf_internals`` says loudly when a new release changes them.
"""

from __future__ import annotations

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, ByteStringObject, IndirectObject, NameObject, NumberObject, PdfObject


def add_object(writer: PdfWriter, obj: PdfObject) -> IndirectObject:
    return writer._add_object(obj)


def replace_object(writer: PdfWriter, reference: IndirectObject, obj: PdfObject) -> PdfObject:
    return writer._replace_object(reference, obj)


def set_file_id(writer: PdfWriter, digest: bytes) -> None:
    """The file identifier (the trailer's ``/ID``), fixed so that a rebuild is byte-identical;
    pypdf draws a random one unless ``_ID`` is set."""
    writer._ID = ArrayObject([ByteStringObject(digest), ByteStringObject(digest)])


def release_reader(reader: PdfReader) -> None:
    """Let go of everything ``reader`` parsed. Its objects point back at it (each reference holds
    the reader), so left alone they form a cycle that only a full collection frees, and on a long
    book's heap that comes seldom: the parts' parsed pages would stay beside the writer's copies."""
    reader.resolved_objects.clear()
    reader.flattened_pages = None


def check_pypdf_internals() -> None:
    """Add an object, replace it, and read it back through the reference."""
    writer = PdfWriter()
    for name in ("_add_object", "_replace_object"):
        if not callable(getattr(writer, name, None)):
            raise RuntimeError(f"pypdf's PdfWriter has no {name}: publish/pdf/pypdf_objects.py (the join and "
                               "the fonts) must be looked at again")
    reference = add_object(writer, NumberObject(1))
    if not isinstance(reference, IndirectObject) or reference.get_object() != NumberObject(1):
        raise RuntimeError("PdfWriter._add_object no longer returns a reference to the object: "
                           "publish/pdf/pypdf_objects.py must be looked at again")
    replace_object(writer, reference, NameObject("/Two"))
    if reference.get_object() != NameObject("/Two"):
        raise RuntimeError("PdfWriter._replace_object no longer puts the object behind the reference: "
                           "publish/pdf/pypdf_objects.py must be looked at again")
    import io

    written = []
    for _ in range(2):
        writer = PdfWriter()
        writer.add_blank_page(72, 72)
        set_file_id(writer, b"0123456789abcdef")
        out = io.BytesIO()
        writer.write(out)
        written.append(out.getvalue())
    if written[0] != written[1] or b"<30313233343536373839616263646566>" not in written[0]:
        raise RuntimeError("PdfWriter._ID no longer fixes the file identifier: builds are no longer "
                           "reproducible; publish/pdf/pypdf_objects.py must be looked at again")
    _check_release(written[0])


def _check_release(pdf: bytes) -> None:
    """A page parsed and released is freed by reference counting alone, with the collector off."""
    import gc
    import io
    import weakref

    reader = PdfReader(io.BytesIO(pdf))
    page = reader.pages[0]
    gone = weakref.ref(page)
    enabled = gc.isenabled()
    gc.disable()
    try:
        release_reader(reader)
        del page
        freed = gone() is None
    finally:
        if enabled:
            gc.enable()
    if not freed:
        raise RuntimeError("PdfReader keeps its parsed pages elsewhere than resolved_objects and "
                           "flattened_pages: the join holds every part's pages to the end; "
                           "publish/pdf/pypdf_objects.py must be looked at again")
