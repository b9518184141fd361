"""The words a book prints around its text, in its language (issue 13, defect 4), replaceable in
book.toml, and an imprint without a date (defect 5): real books, read back from their EPUB and
print HTML here, from their PDF in the slow tests."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from string import Formatter

import pytest
from conftest import require
from lxml import etree
from pypdf import PdfReader

from publish.build import build_pdf
from publish.cli import main
from publish.config import load_config
from publish.epub.edition import make_epub
from publish.labels import ENGLISH, LABELS, format_date
from publish.manuscript import load_book
from publish.pdf.edition import contents_entries
from publish.pdf.html import chapter_html, front_html, locator_room, notes_html
from publish.pdf.pages import notes_heads

DATA = Path(__file__).parent / "data"
GERMAN = DATA / "labels-de"
LANGUAGES = ("en", "fr", "de", "es", "it", "pt", "nl", "pl", "ru", "uk")
NS = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops",
      "opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/"}


def names_in(label: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(label) if name is not None}


def small_book(folder: Path, toml: str, chapter: str = "# One\n\nText.[^a]\n\n[^a]: A note.\n") -> Path:
    folder.mkdir(parents=True)
    (folder / "book.toml").write_text(toml, encoding="utf-8")
    (folder / "01-one.md").write_text(chapter, encoding="utf-8")
    return folder


def epub_files(book_dir: Path) -> dict[str, bytes]:
    book, problems = load_book(book_dir)
    assert book is not None, problems
    data = make_epub(book).data
    with zipfile.ZipFile(__import__("io").BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


# ---- The table -----------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_has_every_label_with_its_placeholders(language: str) -> None:
    labels = LABELS[language]
    for name, english in vars(ENGLISH).items():
        value = getattr(labels, name)
        if isinstance(english, tuple):
            assert len(value) == 12 and all(value), name
        else:
            assert value.strip(), name
            assert names_in(value) == names_in(english), (language, name, value)
    if language != "en":
        assert labels.contents != ENGLISH.contents and labels.chapter != ENGLISH.chapter


@pytest.mark.parametrize(("language", "date", "expected"), [
    ("en", "2026-11-27", "27 November 2026"),
    ("en", "2026-11", "November 2026"),
    ("en", "2026", "2026"),
    ("fr", "2026-11-01", "1er novembre 2026"),
    ("de", "2026-03-05", "5. März 2026"),
    ("es", "2026-11-27", "27 de noviembre de 2026"),
    ("it", "2026-11-01", "1º novembre 2026"),
    ("pt", "2026-11", "novembro de 2026"),
    ("nl", "2026-11-27", "27 november 2026"),
    ("pl", "2026-11-27", "27 listopada 2026"),
    ("pl", "2026-11", "listopad 2026"),
    ("ru", "2026-11-27", "27 ноября 2026\u00a0г."),
    ("ru", "2026-11", "ноябрь 2026\u00a0г."),
    ("uk", "2026-11-27", "27 листопада 2026\u00a0р."),
    ("en", "", ""),
])
def test_dates_as_each_language_writes_them(language: str, date: str, expected: str) -> None:
    assert format_date(date, LABELS[language]) == expected


# ---- The print edition's words ---------------------------------------------------------------


def test_the_print_pages_speak_the_books_language() -> None:
    book, problems = load_book(GERMAN)
    assert book is not None and problems == []
    front = front_html(book, contents_entries(book, True))
    for words in ("<h1>Inhalt</h1>", "Alle Rechte vorbehalten.", "Gesetzt aus der EB Garamond.", "Anmerkungen"):
        assert words in front, words
    for english in ("Contents", "All rights reserved", "Set in", "First published", "Notes"):
        assert english not in front, english
    chapter = chapter_html(book, book.chapters[0])
    assert '<p class="chapter-number">Kapitel 1</p>' in chapter and "Chapter" not in chapter
    notes = notes_html(book, 3)
    assert "<h1>Anmerkungen</h1>" in notes and "<title>Anmerkungen</title>" in notes
    assert 'class="locator-room">S. 000</span>' in notes and "p. 000" not in notes
    heads = notes_heads([frozenset(), frozenset({"note-1", "note-2"}), frozenset({"note-3"})],
                        {1: 3, 2: 5, 3: 7}, book.config.labels)
    assert heads == ["", "Anmerkungen zu den Seiten 3–5", "Anmerkungen zu Seite 7"]
    assert locator_room(2, 3, LABELS["fr"]) == "p. 000, 000"


def test_the_epub_speaks_the_books_language(tmp_path: Path) -> None:
    """Italian was English before: the landmarks, the cover's text alternative, the notes."""
    book = small_book(tmp_path / "libro", 'title = "Il porto"\nauthor = "A. Esempio"\nlanguage = "it"\n'
                      'identifier = "urn:uuid:0c0c0c0c-1111-4222-8333-444455556666"\ndate = "2026-11-01"\n')
    files = epub_files(book)
    nav = etree.fromstring(files["EPUB/nav.xhtml"])
    landmarks = [a.text for a in nav.iterfind(".//x:nav[@epub:type='landmarks']//x:a", NS)]
    assert landmarks == ["Copertina", "Frontespizio", "Copyright", "Indice", "Inizio del testo", "Note"]
    cover = etree.fromstring(files["EPUB/cover.xhtml"])
    assert cover.find(".//x:img", NS).get("alt") == "Copertina: Il porto, di A. Esempio"
    copyright_page = files["EPUB/copyright.xhtml"].decode()
    assert "© 2026 A. Esempio. Tutti i diritti riservati." in copyright_page
    assert "All rights" not in copyright_page


def test_labels_in_book_toml_replace_the_languages(tmp_path: Path) -> None:
    book_dir = small_book(tmp_path / "book", 'title = "T"\nauthor = "A"\nlanguage = "fr"\n'
                          'identifier = "urn:uuid:0c0c0c0c-1111-4222-8333-444455556667"\n\n'
                          '[labels]\nchapter = "Partie {number}"\ncontents = "Sommaire"\n'
                          'months = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]\n')
    book, problems = load_book(book_dir)
    assert book is not None and problems == []
    assert book.config.labels.notes == LABELS["fr"].notes  # the rest stays the language's
    assert '<p class="chapter-number">Partie 1</p>' in chapter_html(book, book.chapters[0])
    assert "<h1>Sommaire</h1>" in front_html(book, contents_entries(book, True))
    assert format_date("2026-11-27", book.config.labels) == "27 XI 2026"
    files = epub_files(book_dir)
    assert b"<h1>Sommaire</h1>" in files["EPUB/contents.xhtml"]


@pytest.mark.parametrize(("table", "expected"), [
    ('chapitre = "Partie {number}"',
     "book.toml:7:1: error[config-unknown-key]: unknown label 'chapitre' (did you mean 'chapter'?)"),
    ('chapter = "Kapitel {num}"',
     "book.toml:7:1: error[config-value]: label 'chapter' cannot use {num}; it may use {number}"),
    ('chapter = "{number.__class__}"',
     "book.toml:7:1: error[config-value]: label 'chapter' cannot use {number.__class__}; it may use {number}"),
    ('contents = "Table {"',
     "book.toml:7:1: error[config-value]: label 'contents' has a stray brace"),
    ('notes = 3', "book.toml:7:1: error[config-type]: label 'notes' must be a string in quotes"),
    ('notes = "chapter"',
     "book.toml:7:1: error[config-unknown-key]: 'notes' is read as a label because it comes after [labels]"),
    ('months = ["Jan"]', "book.toml:7:1: error[config-type]: label 'months' must be a list of the twelve month"),
    ('date = "2026-01-01"',
     "book.toml:7:1: error[config-unknown-key]: 'date' is read as a label because it comes after [labels]"),
])
def test_a_wrong_label_is_an_error_at_its_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], table: str, expected: str) -> None:
    book = small_book(tmp_path / "book", 'title = "T"\nauthor = "A"\nlanguage = "en"\n'
                      'identifier = "urn:uuid:0c0c0c0c-1111-4222-8333-444455556668"\n\n[labels]\n' + table + "\n")
    assert main(["check", "--book", str(book)]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert any(line.endswith(expected) or expected in line for line in lines), lines


def test_an_unknown_language_prints_english_with_one_warning(tmp_path: Path) -> None:
    book_dir = small_book(tmp_path / "book", 'title = "T"\nauthor = "A"\nlanguage = "ja"\n'
                          'identifier = "urn:uuid:0c0c0c0c-1111-4222-8333-444455556669"\n')
    book, problems = load_book(book_dir)
    assert book is not None
    assert [(p.severity.value, p.code, p.line) for p in problems] == [("warning", "config-language", 3)]
    assert "no labels or typography rules for language 'ja'" in problems[0].message
    assert book.config.labels == ENGLISH
    assert load_config(small_book(tmp_path / "gb", 'title = "T"\nauthor = "A"\nlanguage = "en-GB"\n'
                                  'identifier = "urn:uuid:0c0c0c0c-1111-4222-8333-44445555666a"\n'))[1] == []


# ---- An undated book ------------------------------------------------------------------------


def test_an_undated_book_prints_no_year_and_no_publication_date(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    book_dir = small_book(tmp_path / "book", 'title = "T"\nauthor = "A. Author"\nlanguage = "en"\n'
                          'identifier = "urn:uuid:0c0c0c0c-1111-4222-8333-44445555666b"\n')
    book, problems = load_book(book_dir)
    assert book is not None and problems == []
    assert book.config.date == ""
    assert book.config.rights == "© A. Author. All rights reserved."
    front = front_html(book, contents_entries(book, True))
    assert "First published" not in front and "1970" not in front
    files = epub_files(book_dir)
    assert not any(b"1970" in data for data in files.values())
    copyright_page = etree.fromstring(files["EPUB/copyright.xhtml"])
    text = " ".join(copyright_page.itertext())
    imprint = ["".join(p.itertext()) for p in copyright_page.iterfind(".//x:div[@class='imprint']/x:p", NS)]
    assert imprint == ["© A. Author. All rights reserved.", "A. Author"]  # as in print: no date, no urn:uuid
    assert "Published" not in text and "published" not in text and "urn:uuid" not in text
    package = etree.fromstring(files["EPUB/content.opf"])
    assert package.find(".//dc:date", NS) is None
    # Still reproducible: nothing stands in from the clock. The time a file format demands is the
    # zip format's earliest, or SOURCE_DATE_EPOCH's where a packager sets it.
    assert epub_files(book_dir) == files
    assert package.findtext(".//opf:meta[@property='dcterms:modified']", namespaces=NS) == "1980-01-01T00:00:00Z"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    pinned = etree.fromstring(epub_files(book_dir)["EPUB/content.opf"])
    assert pinned.findtext(".//opf:meta[@property='dcterms:modified']", namespaces=NS) == "2026-01-01T00:00:00Z"
    assert pinned.find(".//dc:date", NS) is None


def test_a_dated_book_prints_its_date_in_its_language(tmp_path: Path) -> None:
    book_dir = shutil.copytree(GERMAN, tmp_path / "book")
    toml = (book_dir / "book.toml").read_text(encoding="utf-8") + 'date = "2026-11-27"\n'
    (book_dir / "book.toml").write_text(toml, encoding="utf-8")
    book, _ = load_book(book_dir)
    assert book is not None
    front = front_html(book, contents_entries(book, True))
    assert "<p>Erstveröffentlichung: 27. November 2026</p>" in front
    assert "<p>© 2026 Anna Beispiel. Alle Rechte vorbehalten.</p>" in front
    # The EPUB's copyright page has the print edition's lines, in the book's language.
    copyright_page = etree.fromstring(epub_files(book_dir)["EPUB/copyright.xhtml"])
    imprint = ["".join(p.itertext()) for p in copyright_page.iterfind(".//x:div[@class='imprint']/x:p", NS)]
    assert imprint == ["© 2026 Anna Beispiel. Alle Rechte vorbehalten.", "Anna Beispiel",
                       "Erstveröffentlichung: 27. November 2026"]
    assert all(f"<p>{line}</p>" in front for line in imprint)


# ---- The PDF ---------------------------------------------------------------------------------


@pytest.mark.slow  # a PDF laid out
def test_the_pdf_of_an_undated_german_book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    require(shutil.which("pdftotext"), "pdftotext (poppler-utils)")
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    target, diagnostics = build_pdf(GERMAN, tmp_path / "book.pdf")
    assert diagnostics == []
    text = subprocess.run(["pdftotext", "-layout", str(target), "-"], capture_output=True, text=True,
                          check=True).stdout
    for words in ("Inhalt", "Kapitel 1", "Kapitel 2", "Anmerkungen", "Alle Rechte vorbehalten.",
                  "Gesetzt aus der EB Garamond.", "S. 1"):
        assert words in text, words
    for english in ("Contents", "Chapter", "Notes", "All rights", "First published", "Set in", "1970", "p. 1"):
        assert english not in text, english
    assert re.search(r"© Anna Beispiel\. Alle Rechte vorbehalten\.", text)
    reader = PdfReader(target)
    outline = [item.title for item in reader.outline if not isinstance(item, list)]
    assert outline == ["Titelseite", "Impressum", "Inhalt", "1. Die Ankunft", "2. Die Abfahrt", "Anmerkungen"]
    assert "1970" not in str(reader.metadata.get("/CreationDate"))


# ---- book.toml's text, set like the chapters (defect 3) ---------------------------------------


def test_title_subtitle_and_author_are_set_by_the_books_typography(tmp_path: Path) -> None:
    book_dir = small_book(tmp_path / "book", 'title = "The Keeper\'s Log"\nsubtitle = "Lights -- and \\"tides\\""\n'
                          'author = "Anne-Marie d\'Arc"\nlanguage = "en"\n'
                          'identifier = "urn:uuid:0c0c0c0c-1111-4222-8333-44445555666d"\n'
                          'description = "A keeper\'s year..."\n',
                          chapter="# One\n\nText.[^a]\n\nMore text.\n\n[^a]: A note.\n")
    book, _ = load_book(book_dir)
    assert book is not None
    title, subtitle, author = "The Keeper’s Log", "Lights\u00a0— and “tides”", "Anne-Marie d’Arc"
    assert (book.config.title, book.config.subtitle, book.config.author) == (title, subtitle, author)
    assert book.config.description == "A keeper’s year…"
    assert book.slug == "the-keeper-s-log"  # the file name as before
    front = front_html(book, contents_entries(book, True))
    assert front.count("The Keeper’s Log") == 3 and "Keeper's" not in front  # <title>, half-title, title page
    assert subtitle in front and "Anne-Marie d’Arc" in front and "d'Arc" not in front
    assert 'data-verso="The Keeper’s Log"' in chapter_html(book, book.chapters[0])  # the running head
    files = epub_files(book_dir)
    package = etree.fromstring(files["EPUB/content.opf"])
    assert [t.text for t in package.iterfind(".//dc:title", NS)] == [title, subtitle]
    assert package.findtext(".//dc:creator", namespaces=NS) == author
    assert package.findtext(".//dc:description", namespaces=NS) == "A keeper’s year…"
    assert f"<h1 class=\"title\" epub:type=\"title\">{title}</h1>".encode() in files["EPUB/titlepage.xhtml"]
    cover = etree.fromstring(files["EPUB/cover.xhtml"])
    assert cover.find(".//x:img", NS).get("alt") == f"Cover: {title}, by {author}"
    assert f"© {author}. All rights reserved.".encode() in files["EPUB/copyright.xhtml"]
    ncx = files["EPUB/toc.ncx"].decode()
    assert f"<text>{title}</text>" in ncx and "Keeper's" not in ncx


def test_french_book_toml_text_is_set_as_french_printers_set_it(tmp_path: Path) -> None:
    book_dir = small_book(tmp_path / "livre", 'title = "L\'arrivée au port"\nsubtitle = "Qui vient ? Le \\"Pilote\\""\n'
                          'author = "Jeanne d\'Arc"\nlanguage = "fr"\n'
                          'identifier = "urn:uuid:0c0c0c0c-1111-4222-8333-44445555666e"\n')
    book, _ = load_book(book_dir)
    assert book is not None
    assert book.config.title == "L’arrivée au port"
    assert book.config.subtitle == "Qui vient\u202f? Le «\u00a0Pilote\u00a0»"
    assert book.config.author == "Jeanne d’Arc"


def test_an_unknown_language_is_one_warning_for_words_and_typography(tmp_path: Path) -> None:
    book_dir = small_book(tmp_path / "book", 'title = "T"\nauthor = "A"\nlanguage = "sv"\n'
                          'identifier = "urn:uuid:0c0c0c0c-1111-4222-8333-44445555666f"\n')
    _, problems = load_book(book_dir)
    [warning] = problems
    assert warning.code == "config-language"
    assert "no labels or typography rules for language 'sv'" in warning.message
    # Belarusian has typography rules but no labels: the warning says only what is missing.
    book_dir = small_book(tmp_path / "be", 'title = "T"\nauthor = "A"\nlanguage = "be"\n'
                          'identifier = "urn:uuid:0c0c0c0c-1111-4222-8333-444455556670"\n')
    _, problems = load_book(book_dir)
    assert [p.message.split(":")[0] for p in problems] == ["no labels for language 'be'"]


@pytest.mark.slow  # a PDF laid out
def test_the_pdf_shows_book_toml_text_set_like_the_chapters(tmp_path: Path) -> None:
    require(shutil.which("pdftotext"), "pdftotext (poppler-utils)")
    long_text = "\n\n".join(["The lamp was lit at dusk and put out at dawn, as the keeper's log says."] * 60)
    book_dir = small_book(tmp_path / "book", 'title = "The Keeper\'s Log"\nauthor = "Anne-Marie d\'Arc"\n'
                          'language = "en"\nidentifier = "urn:uuid:0c0c0c0c-1111-4222-8333-444455556671"\n',
                          chapter=f"# The Lamp's Year\n\n{long_text}\n")
    target, _ = build_pdf(book_dir, tmp_path / "book.pdf")
    reader = PdfReader(target)
    assert (reader.metadata["/Title"], reader.metadata["/Author"]) == ("The Keeper’s Log", "Anne-Marie d’Arc")
    text = subprocess.run(["pdftotext", str(target), "-"], capture_output=True, text=True, check=True).stdout
    assert "'" not in text  # title pages, running heads, contents, copyright: every apostrophe set
    assert text.count("The Keeper’s Log") >= 3  # half-title, title page, a left-hand running head
    assert "The Lamp’s Year" in text
    outline = [item.title for item in reader.outline if not isinstance(item, list)]
    assert "1. The Lamp’s Year" in outline
