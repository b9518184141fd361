"""The EPUB's metadata: book.toml's fields and true accessibility claims, set through ebooklib's API.

Takes the ``Book``, its packaged media and the print edition's pages when the EPUB follows them;
says what the book's accessibility is (``accessibility``: the claim of conformance, who makes it,
the summary a reader reads before buying), sets the metadata on an ebooklib ``EpubBook`` in place
(``set_metadata``) and gives the one fixed time the package is stamped with (``modified_time``).
The one design decision: nothing comes from the clock or from chance. ebooklib invents a random
``uuid4`` identifier and stamps ``dcterms:modified`` with ``datetime.now()`` unless told otherwise;
the identifier is book.toml's and the time is the book's date, so two builds are byte-identical.
Every accessibility claim is a fact the build made true, and the certifier defaults to the
publisher, whose own declaration it is (``config.SELF_DECLARED``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from publish.epub.media import Media
from publish.model import Book
from publish.printed import PrintedBook

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
IBOOKS = "http://vocabulary.itunes.apple.com/rdf/ibooks/vocabulary-extensions-1.0/"
CONFORMANCE = "EPUB Accessibility 1.1 - WCAG 2.2 Level AA"
"""The claim (``dcterms:conformsTo``), in the words EPUB Accessibility 1.1 gives it."""
REPORT_PAGE = "accessibility.xhtml"
"""The accessibility report the EPUB carries: the certifier's report unless book.toml names another."""


@dataclass(frozen=True)
class Access:
    """schema.org accessibility metadata, each value true of this book (EPUB Accessibility 1.1)."""

    modes: tuple[str, ...]
    sufficient: tuple[str, ...]
    features: tuple[str, ...]
    hazards: tuple[str, ...]
    summary: str
    certifier: str
    credential: str
    report: str
    """The certifier's report: book.toml's address, or the page the EPUB carries (``REPORT_PAGE``)."""
    page_source: str
    """The print edition the page numbers come from (``pageBreakSource``); "" without page numbers."""
    facts: tuple[str, ...]
    """What the book has, one sentence each: the report page lists them."""


def set_metadata(ebook: Any, book: Book, access: Access) -> None:
    """Identifier, titles, author, language, publisher, date, rights, description, accessibility."""
    config = book.config
    ebook.set_identifier(config.identifier)  # replaces the random uuid4 ebooklib starts with
    # set_title cannot give the title an id, which the title-type refinement needs; ebook.title is
    # what ebooklib writes as the NCX's docTitle.
    ebook.title = config.title
    ebook.add_metadata("DC", "title", config.title, {"id": "title"})
    ebook.add_metadata(None, "meta", "main", {"refines": "#title", "property": "title-type"})
    if config.subtitle:
        ebook.add_metadata("DC", "title", config.subtitle, {"id": "subtitle"})
        ebook.add_metadata(None, "meta", "subtitle", {"refines": "#subtitle", "property": "title-type"})
    ebook.add_author(config.author, role="aut", uid="author")
    ebook.set_language(config.language)
    for name in ("publisher", "date", "rights", "description"):
        value = getattr(config, name)
        if value:
            ebook.add_metadata("DC", name, value)
    for prop, values in (("schema:accessMode", access.modes), ("schema:accessModeSufficient", access.sufficient),
                         ("schema:accessibilityFeature", access.features),
                         ("schema:accessibilityHazard", access.hazards)):
        for value in values:
            ebook.add_metadata(None, "meta", value, {"property": prop})
    # The summary is written in English whatever the book's language, and says so.
    ebook.add_metadata(None, "meta", access.summary, {"property": "schema:accessibilitySummary", XML_LANG: "en"})
    ebook.add_metadata(None, "meta", CONFORMANCE, {"property": "dcterms:conformsTo"})
    ebook.add_metadata(None, "meta", access.certifier, {"property": "a11y:certifiedBy", "id": "certifier"})
    if access.credential:
        ebook.add_metadata(None, "meta", access.credential,
                           {"property": "a11y:certifierCredential", "refines": "#certifier"})
    # The report is a link (package.finish_opf writes it: ebooklib writes no <link> elements).
    if access.page_source:
        ebook.add_metadata(None, "meta", access.page_source, {"property": "pageBreakSource"})
    # Apple Books opens the book in its own typeface ("Original"), which the reader can still change.
    ebook.add_prefix("ibooks", IBOOKS)
    ebook.add_metadata(None, "meta", "true", {"property": "ibooks:specified-fonts"})


def modified_time(date: str) -> datetime:
    """``dcterms:modified`` from the book's date (never the clock), at midnight UTC.

    Timezone-aware on purpose: newer ebooklib converts a naive time from local time to UTC, which
    would make the stamp depend on the machine's time zone.
    """
    year, month, day = (int(part) for part in ([*date.split("-"), "1", "1"])[:3])
    return datetime(year, month, day, tzinfo=UTC)


def accessibility(book: Book, media: Media, printed: PrintedBook | None = None) -> Access:
    """What a reader needs to know before buying: the book is text, with text for every picture,
    navigation by chapter and heading, and (when it follows the print edition) by printed page."""
    config = book.config
    images = sum(len(chapter.images) for chapter in book.chapters)
    notes = len(book.notes)
    sufficient = ("textual", "textual,visual") if media.all_alt else ("textual,visual",)
    features = ["structuralNavigation", "tableOfContents", "readingOrder", "displayTransformability", "ARIA"]
    if media.all_alt:
        features.append("alternativeText")
    source = page_source(book) if printed is not None else ""
    if source:
        features += ["pageBreakMarkers", "pageNavigation"]
    if not images:
        pictures = "The cover has a text alternative."
    elif media.all_alt:
        pictures = f"Its {images} image{'s' if images != 1 else ''} and the cover have text alternatives."
    else:
        pictures = "The cover has a text alternative; some images do not."
    facts = [
        "A reflowable text with a table of contents that lists every chapter and section heading.",
        pictures,
        *([f"Its {notes} endnotes are linked from the text and back."] if notes else []),
        *([f"The page numbers of the print edition ({source}) mark where each printed page begins, and a page "
           "list leads to them."] if source else []),
        "Font size, margins and colours follow the reader's settings.",
        "No flashing, motion or sound.",
    ]
    claim = f"This publication meets {CONFORMANCE.replace(' - ', ', ')}, as declared by {config.certifier}."
    return Access(modes=("textual", "visual"), sufficient=sufficient, features=tuple(features),
                  hazards=("noFlashingHazard", "noMotionSimulationHazard", "noSoundHazard"),
                  summary=" ".join([claim, *facts]), certifier=config.certifier,
                  credential=config.certifier_credential, report=config.certifier_report or REPORT_PAGE,
                  page_source=source, facts=tuple(facts))


def page_source(book: Book) -> str:
    """The print edition the EPUB's page numbers come from: book.toml's ``print_identifier`` (its
    ISBN), or a name that tells it from any other edition (title, author, trim size, date)."""
    config = book.config
    if config.print_identifier:
        return config.print_identifier
    return f"{config.title}, {config.author}, print edition, {config.trim_name}, {config.date}"
