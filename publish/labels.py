"""The words the EPUB adds around the author's text (Contents, Notes, the copyright page), by language.

Takes the book's language tag; returns a ``Labels`` value. A book in Russian gets "Содержание",
not "Contents": a reader sees these words on the pages and hears them from a screen reader.
Languages without an entry fall back to English.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Labels:
    contents: str
    notes: str
    cover: str
    title_page: str
    copyright: str
    start: str
    """Landmark for the start of the body text."""
    guide: str
    """Heading of the navigation document's landmarks list (ebooklib's ``landmark_title``)."""
    cover_alt: str
    """Alt text of the cover image; ``{title}`` and ``{author}`` are filled in."""
    back_to_reference: str
    """Label of a second, third… backlink of a note; ``{n}`` is the reference's number."""
    colophon: str
    """``{font}`` and ``{designers}`` are filled in."""
    licence: str
    """Sentence naming the font licence; ``{licence}`` becomes a link to the licence page."""
    licence_title: str
    pages: str = "Pages"
    """Heading of the navigation document's list of the print edition's pages."""


ENGLISH = Labels(
    contents="Contents", notes="Notes", cover="Cover", title_page="Title Page", copyright="Copyright",
    start="Start of Text", guide="Guide", cover_alt="Cover: {title}, by {author}",
    back_to_reference="Back to reference {n}",
    colophon="Set in {font}, designed by {designers}.",
    licence="The typeface is used under the {licence}.", licence_title="SIL Open Font License 1.1",
)

LABELS: dict[str, Labels] = {
    "en": ENGLISH,
    "ru": Labels(
        contents="Содержание", notes="Примечания", cover="Обложка", title_page="Титульный лист",
        copyright="Выходные сведения", start="Начало текста", guide="Ориентиры",
        cover_alt="Обложка: {author}. {title}", back_to_reference="Назад к ссылке {n}",
        colophon="Набрано шрифтом {font} (авторы: {designers}).",
        licence="Шрифт используется по лицензии {licence}.", licence_title="SIL Open Font License 1.1",
        pages="Страницы",
    ),
    "de": Labels(
        contents="Inhalt", notes="Anmerkungen", cover="Umschlag", title_page="Titelseite",
        copyright="Impressum", start="Textbeginn", guide="Orientierung",
        cover_alt="Umschlag: {title}, von {author}", back_to_reference="Zurück zur Verweisstelle {n}",
        colophon="Gesetzt aus der {font} von {designers}.",
        licence="Die Schrift wird unter der {licence} verwendet.", licence_title="SIL Open Font License 1.1",
        pages="Seiten",
    ),
    "fr": Labels(
        contents="Table des matières", notes="Notes", cover="Couverture", title_page="Page de titre",
        copyright="Mentions légales", start="Début du texte", guide="Repères",
        cover_alt="Couverture : {title}, de {author}", back_to_reference="Retour à l’appel {n}",
        colophon="Composé en {font}, dessiné par {designers}.",
        licence="La police est utilisée sous la {licence}.", licence_title="SIL Open Font License 1.1",
    ),
}


def labels_for(language: str) -> Labels:
    return LABELS.get(language.split("-")[0].lower(), ENGLISH)
