"""XMP metadata: the packet every edition's PDF carries, with the standards the file claims.

Takes what the book says of itself (``Identity``: title, author, language, the book's date,
never the clock, and a key naming book and edition) and the claims to make: PDF/X-4 for a
printer's file (``pdfx``), PDF/UA-1 for the digital edition (``pdfua``); gives the packet
(``metadata_packet``), or writes it into a PDF as the catalog's /Metadata (``add_metadata``).

The one design decision: one packet for every edition, matching the document information
dictionary the join writes (title, author, producer, dates), and claims added to it rather than
a packet per standard, so that a file never says two different things about itself.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from xml.sax.saxutils import escape

from pypdf import PdfWriter
from pypdf.generic import NameObject, StreamObject

from publish.pdf.pypdf_objects import add_object


@dataclass(frozen=True)
class Identity:
    """What the metadata says of the book; dates are the book's, never the clock."""

    title: str
    author: str
    date: str
    """``D:YYYYMMDDhhmmssZ``."""
    producer: str
    key: str
    """Identifies this book and edition: the document ID is derived from it."""
    language: str = ""
    """The book's language (``dc:language``); '' to say nothing."""


def metadata_packet(identity: Identity, *, pdfx: str = "", pdfua: int = 0) -> str:
    """The XMP packet: Dublin Core title, creator and language, the book's dates, document and
    instance IDs; with ``pdfx`` (``PDF/X-4``) the PDF/X version and trapping, with ``pdfua`` the
    PDF/UA part (1) that the file conforms to."""
    date = xmp_date(identity.date)
    document = uuid.uuid5(uuid.NAMESPACE_URL, "publish-document:" + identity.key)
    instance = uuid.uuid5(uuid.NAMESPACE_URL, "publish-instance:" + identity.key + "\x1f" + identity.date)
    title, author, producer = (escape(text) for text in (identity.title, identity.author, identity.producer))
    namespaces = ['    xmlns:dc="http://purl.org/dc/elements/1.1/"', '    xmlns:xmp="http://ns.adobe.com/xap/1.0/"',
                  '    xmlns:pdf="http://ns.adobe.com/pdf/1.3/"', '    xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"']
    claims = []
    if pdfx:
        namespaces.append('    xmlns:pdfxid="http://www.npes.org/pdfx/ns/id/"')
        claims.append(f"   <pdfxid:GTS_PDFXVersion>{escape(pdfx)}</pdfxid:GTS_PDFXVersion>\n")
    if pdfua:
        # ISO 14289-1, 5: the PDF/UA identification schema, its part number.
        namespaces.append('    xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/"')
        claims.append(f"   <pdfuaid:part>{pdfua}</pdfuaid:part>\n")
    language = (f"   <dc:language><rdf:Bag><rdf:li>{escape(identity.language)}</rdf:li></rdf:Bag></dc:language>\n"
                if identity.language else "")
    trapped = "   <pdf:Trapped>False</pdf:Trapped>\n" if pdfx else ""
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '  <rdf:Description rdf:about=""\n' + "\n".join(namespaces) + ">\n"
        '   <dc:format>application/pdf</dc:format>\n'
        f'   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>\n'
        f'   <dc:creator><rdf:Seq><rdf:li>{author}</rdf:li></rdf:Seq></dc:creator>\n'
        f'{language}'
        f'   <xmp:CreateDate>{date}</xmp:CreateDate>\n'
        f'   <xmp:ModifyDate>{date}</xmp:ModifyDate>\n'
        f'   <xmp:MetadataDate>{date}</xmp:MetadataDate>\n'
        f'   <xmp:CreatorTool>{producer}</xmp:CreatorTool>\n'
        f'   <pdf:Producer>{producer}</pdf:Producer>\n'
        f'{trapped}'
        f'   <xmpMM:DocumentID>uuid:{document}</xmpMM:DocumentID>\n'
        f'   <xmpMM:InstanceID>uuid:{instance}</xmpMM:InstanceID>\n'
        '   <xmpMM:VersionID>1</xmpMM:VersionID>\n'
        '   <xmpMM:RenditionClass>default</xmpMM:RenditionClass>\n'
        + "".join(claims) +
        '  </rdf:Description>\n'
        ' </rdf:RDF>\n'
        '</x:xmpmeta>\n'
        '<?xpacket end="w"?>'
    )


def add_metadata(writer: PdfWriter, identity: Identity, *, pdfx: str = "", pdfua: int = 0) -> None:
    """The packet as the catalog's /Metadata stream."""
    metadata = StreamObject()
    # Left uncompressed: preflight tools, validators and people read the packet as text.
    metadata.set_data(metadata_packet(identity, pdfx=pdfx, pdfua=pdfua).encode("utf-8"))
    metadata[NameObject("/Type")] = NameObject("/Metadata")
    metadata[NameObject("/Subtype")] = NameObject("/XML")
    writer.root_object[NameObject("/Metadata")] = add_object(writer, metadata)


def xmp_date(pdf_date: str) -> str:
    """``D:20261127000000Z`` → ``2026-11-27T00:00:00Z``."""
    d = pdf_date.removeprefix("D:")
    return f"{d[0:4]}-{d[4:6]}-{d[6:8]}T{d[8:10]}:{d[10:12]}:{d[12:14]}Z"
