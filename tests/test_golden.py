"""Golden files: one small book's EPUB pages and print HTML, compared with what is kept in
tests/golden/. Any change to a template, a stylesheet the HTML names, the rendering or the
typography shows as a diff here; when the change is meant, run ``pytest --update-golden`` and
review the diff of tests/golden/ in the commit.

The book (tests/data/golden-book) holds every shape once: notes on a title, in a table, a quote and
a note; a note cited twice; sections; lists; a figure; links to another chapter and a URL.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from publish.epub.media import collect_media
from publish.epub.metadata import accessibility
from publish.epub.pages import render_pages
from publish.epub.xhtml import serialize
from publish.manuscript import load_book
from publish.model import Book
from publish.pdf.edition import contents_entries
from publish.pdf.html import chapter_html, front_html, notes_html

pytestmark = pytest.mark.fast
BOOK = Path(__file__).parent / "data" / "golden-book"
GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture(scope="module")
def book() -> Book:
    loaded, problems = load_book(BOOK)
    assert loaded is not None and not problems, problems
    return loaded


def outputs(book: Book) -> dict[str, str]:
    media, _ = collect_media(book)
    pages = render_pages(book, media, accessibility(book, media))
    made = {f"epub/{page.name}": serialize(page.root.getroottree()).decode("utf-8") for page in pages.pages
            if page.name not in ("cover.xhtml", "font-licence.xhtml", "accessibility.xhtml")}
    made["print/front.html"] = front_html(book, contents_entries(book, with_notes=True))
    for chapter in book.chapters:
        made[f"print/{chapter.id}.html"] = chapter_html(book, chapter)
    made["print/notes.html"] = notes_html(book, 3)
    return made


def test_outputs_match_the_golden_files(book: Book, request: pytest.FixtureRequest) -> None:
    made = outputs(book)
    if request.config.getoption("--update-golden"):
        for old in GOLDEN.rglob("*.*"):
            old.unlink()
        for name, text in made.items():
            path = GOLDEN / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    kept = {path.relative_to(GOLDEN).as_posix(): path.read_text(encoding="utf-8") for path in GOLDEN.rglob("*.*")}
    assert sorted(made) == sorted(kept), "pages added or gone: run pytest --update-golden and review"
    for name in made:
        assert made[name] == kept[name], f"{name} differs from tests/golden/{name}: run pytest --update-golden " \
                                         "if the change is meant, and review the diff"


def test_a_one_character_change_to_a_template_fails(book: Book, monkeypatch: pytest.MonkeyPatch) -> None:
    """The golden comparison is a detector: a template changed by one character must show."""
    from publish import assemble

    environment = assemble.template_environment()
    original = environment.loader.get_source(environment, "epub/chapter.xhtml")[0]  # type: ignore[union-attr]
    changed = original.replace("</h1>", "</h1>.", 1)
    assert changed != original
    monkeypatch.setattr(environment, "loader", __import__("jinja2").DictLoader(
        {**{name: environment.loader.get_source(environment, name)[0]  # type: ignore[union-attr]
            for name in environment.list_templates()}, "epub/chapter.xhtml": changed}))
    monkeypatch.setattr(environment, "cache", {})
    kept = (GOLDEN / "epub" / "ch01.xhtml").read_text(encoding="utf-8")
    assert outputs(book)["epub/ch01.xhtml"] != kept
