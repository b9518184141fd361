"""The words the book prints around the author's text, in the book's language, for both editions.

Takes the book's language tag and the ``[labels]`` of book.toml; returns a ``Labels`` value: the
headings the book adds (Contents, Notes, "Chapter 7"), the Notes' running heads ("Notes to pages
84–85") and page references ("p. 84"), the imprint (All rights reserved, First published, Set in,
the date as the language writes it), and what an e-book reader shows or says (landmarks, the
cover's text alternative, the notes' backlinks). The one design decision: one table, ``LABELS``,
with every label of every language spelled out (no language borrows a missing word from English
without saying so), and any label replaceable in book.toml. A language with no entry gets
English, and ``config`` warns once.

Each label is a format string; the names it may use in braces are ``PLACEHOLDERS``' (``config``
refuses any other, so a label cannot reach into anything but its own values).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from types import MappingProxyType

MonthNames = tuple[str, str, str, str, str, str, str, str, str, str, str, str]


@dataclass(frozen=True)
class Labels:
    # Headings and names of the book's own pages (both editions, the EPUB's landmarks and the
    # PDF's outline).
    contents: str
    notes: str
    cover: str
    title_page: str
    copyright: str
    chapter: str
    """The line above a chapter's title; ``{number}``."""
    start: str
    """Landmark for the start of the body text."""
    guide: str
    """Heading of the navigation document's landmarks list (ebooklib's ``landmark_title``)."""
    cover_alt: str
    """Alt text of the cover image; ``{title}`` and ``{author}`` are filled in."""
    back_to_reference: str
    """Label of a second, third… backlink of a note; ``{n}`` is the reference's number."""
    # The print edition's Notes: running heads and each note's page reference.
    notes_to_page: str
    """``{page}``."""
    notes_to_pages: str
    """``{first}`` and ``{last}``."""
    page: str
    """Abbreviation before one page number ("p. 84")."""
    pages: str
    """Abbreviation before several ("pp. 84, 86")."""
    # The imprint.
    all_rights_reserved: str
    first_published: str
    """The print imprint's date line; ``{date}`` is the long date. Left out when there is no date."""
    set_in: str
    """The print imprint's colophon; ``{font}``."""
    colophon: str
    """The EPUB's colophon; ``{font}`` and ``{designers}`` are filled in."""
    licence: str
    """Sentence naming the font licence; ``{licence}`` becomes a link to the licence page."""
    licence_title: str
    page_list: str
    """Heading of the EPUB navigation document's list of the print edition's pages."""
    # Dates, as the language writes them.
    long_date: str
    """A full date: ``{day}``, ``{month}`` (from ``months``) and ``{year}``."""
    month_year: str
    """A month of a year: ``{month}`` (from ``months_alone``) and ``{year}``."""
    months: MonthNames
    """Month names as they follow a day (the genitive, in Slavic languages)."""
    months_alone: MonthNames
    """Month names standing alone."""
    first_day: str = "1"
    """How the first day of a month is written (French "1er")."""


PLACEHOLDERS: Mapping[str, frozenset[str]] = MappingProxyType({
    "chapter": frozenset({"number"}),
    "cover_alt": frozenset({"title", "author"}),
    "back_to_reference": frozenset({"n"}),
    "notes_to_page": frozenset({"page"}),
    "notes_to_pages": frozenset({"first", "last"}),
    "first_published": frozenset({"date"}),
    "set_in": frozenset({"font"}),
    "colophon": frozenset({"font", "designers"}),
    "licence": frozenset({"licence"}),
    "long_date": frozenset({"day", "month", "year"}),
    "month_year": frozenset({"month", "year"}),
})
"""The names each label may use in braces; a label not listed may use none."""
LIST_LABELS = frozenset({"months", "months_alone"})
"""Labels that are lists of twelve names rather than one string."""


def _months(names: str) -> MonthNames:
    found = tuple(names.split())
    if len(found) != 12:
        raise ValueError(f"twelve month names expected, not {len(found)}")
    return found  # type: ignore[return-value]


NBSP = "\u00a0"
_SAME = "SIL Open Font License 1.1"

ENGLISH = Labels(
    contents="Contents", notes="Notes", cover="Cover", title_page="Title Page", copyright="Copyright",
    chapter="Chapter {number}", start="Start of Text", guide="Guide", cover_alt="Cover: {title}, by {author}",
    back_to_reference="Back to reference {n}",
    notes_to_page="Notes to page {page}", notes_to_pages="Notes to pages {first}–{last}", page="p.", pages="pp.",
    all_rights_reserved="All rights reserved.", first_published="First published {date}", set_in="Set in {font}.",
    colophon="Set in {font}, designed by {designers}.",
    licence="The typeface is used under the {licence}.", licence_title=_SAME, page_list="Pages",
    long_date="{day} {month} {year}", month_year="{month} {year}",
    months=_months("January February March April May June July August September October November December"),
    months_alone=_months("January February March April May June July August September October November December"),
)

# Sources: each language's usual terms in its publishers' books (the copyright page's name and
# lines, the running heads of endnotes, the page abbreviation of its citation style: German
# "S.", Polish "s.", Russian and Ukrainian "с."), the dates as its style guides write them, and
# French spacing (a no-break space before ":").
_FRENCH_MONTHS = _months("janvier février mars avril mai juin juillet août septembre octobre novembre décembre")
_ITALIAN_MONTHS = _months("gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre "
                          "dicembre")
_SPANISH_MONTHS = _months("enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre")
_PORTUGUESE_MONTHS = _months("janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro "
                             "dezembro")
_DUTCH_MONTHS = _months("januari februari maart april mei juni juli augustus september oktober november december")
_GERMAN_MONTHS = _months("Januar Februar März April Mai Juni Juli August September Oktober November Dezember")

LABELS: Mapping[str, Labels] = MappingProxyType({
    "en": ENGLISH,
    "fr": Labels(
        contents="Table des matières", notes="Notes", cover="Couverture", title_page="Page de titre",
        copyright="Mentions légales", chapter="Chapitre {number}", start="Début du texte", guide="Repères",
        cover_alt=f"Couverture{NBSP}: {{title}}, de {{author}}", back_to_reference="Retour à l’appel {n}",
        notes_to_page="Notes de la page {page}", notes_to_pages="Notes des pages {first} à {last}",
        page="p.", pages="p.", all_rights_reserved="Tous droits réservés.",
        first_published=f"Première publication{NBSP}: {{date}}", set_in="Composé en {font}.",
        colophon="Composé en {font}, dessiné par {designers}.",
        licence="La police est utilisée sous la {licence}.", licence_title=_SAME, page_list="Pages",
        long_date="{day} {month} {year}", month_year="{month} {year}",
        months=_FRENCH_MONTHS, months_alone=_FRENCH_MONTHS, first_day="1er",
    ),
    "de": Labels(
        contents="Inhalt", notes="Anmerkungen", cover="Umschlag", title_page="Titelseite", copyright="Impressum",
        chapter="Kapitel {number}", start="Textbeginn", guide="Orientierung",
        cover_alt="Umschlag: {title}, von {author}", back_to_reference="Zurück zur Verweisstelle {n}",
        notes_to_page="Anmerkungen zu Seite {page}", notes_to_pages="Anmerkungen zu den Seiten {first}–{last}",
        page="S.", pages="S.", all_rights_reserved="Alle Rechte vorbehalten.",
        first_published="Erstveröffentlichung: {date}", set_in="Gesetzt aus der {font}.",
        colophon="Gesetzt aus der {font} von {designers}.",
        licence="Die Schrift wird unter der {licence} verwendet.", licence_title=_SAME, page_list="Seiten",
        long_date="{day}. {month} {year}", month_year="{month} {year}",
        months=_GERMAN_MONTHS, months_alone=_GERMAN_MONTHS,
    ),
    "es": Labels(
        contents="Índice", notes="Notas", cover="Cubierta", title_page="Portada", copyright="Créditos",
        chapter="Capítulo {number}", start="Inicio del texto", guide="Puntos de referencia",
        cover_alt="Cubierta: {title}, de {author}", back_to_reference="Volver a la llamada {n}",
        notes_to_page="Notas a la página {page}", notes_to_pages="Notas a las páginas {first}–{last}",
        page="p.", pages="pp.", all_rights_reserved="Todos los derechos reservados.",
        first_published="Primera publicación: {date}", set_in="Compuesto en {font}.",
        colophon="Compuesto en {font}, tipografía diseñada por {designers}.",
        licence="La tipografía se usa bajo la {licence}.", licence_title=_SAME, page_list="Páginas",
        long_date="{day} de {month} de {year}", month_year="{month} de {year}",
        months=_SPANISH_MONTHS, months_alone=_SPANISH_MONTHS,
    ),
    "it": Labels(
        contents="Indice", notes="Note", cover="Copertina", title_page="Frontespizio", copyright="Copyright",
        chapter="Capitolo {number}", start="Inizio del testo", guide="Punti di riferimento",
        cover_alt="Copertina: {title}, di {author}", back_to_reference="Torna al richiamo {n}",
        notes_to_page="Note a pagina {page}", notes_to_pages="Note alle pagine {first}–{last}",
        page="p.", pages="pp.", all_rights_reserved="Tutti i diritti riservati.",
        first_published="Prima pubblicazione: {date}", set_in="Composto in {font}.",
        colophon="Composto in {font}, carattere disegnato da {designers}.",
        licence="Il carattere è usato secondo la {licence}.", licence_title=_SAME, page_list="Pagine",
        long_date="{day} {month} {year}", month_year="{month} {year}",
        months=_ITALIAN_MONTHS, months_alone=_ITALIAN_MONTHS, first_day="1º",
    ),
    "pt": Labels(
        contents="Índice", notes="Notas", cover="Capa", title_page="Folha de rosto", copyright="Ficha técnica",
        chapter="Capítulo {number}", start="Início do texto", guide="Pontos de referência",
        cover_alt="Capa: {title}, de {author}", back_to_reference="Voltar à chamada {n}",
        notes_to_page="Notas da página {page}", notes_to_pages="Notas das páginas {first}–{last}",
        page="p.", pages="pp.", all_rights_reserved="Todos os direitos reservados.",
        first_published="Primeira publicação: {date}", set_in="Composto em {font}.",
        colophon="Composto em {font}, tipo de letra desenhado por {designers}.",
        licence="O tipo de letra é usado ao abrigo da {licence}.", licence_title=_SAME, page_list="Páginas",
        long_date="{day} de {month} de {year}", month_year="{month} de {year}",
        months=_PORTUGUESE_MONTHS, months_alone=_PORTUGUESE_MONTHS,
    ),
    "nl": Labels(
        contents="Inhoud", notes="Noten", cover="Omslag", title_page="Titelpagina", copyright="Colofon",
        chapter="Hoofdstuk {number}", start="Begin van de tekst", guide="Oriëntatiepunten",
        cover_alt="Omslag: {title}, door {author}", back_to_reference="Terug naar verwijzing {n}",
        notes_to_page="Noten bij pagina {page}", notes_to_pages="Noten bij pagina’s {first}–{last}",
        page="p.", pages="pp.", all_rights_reserved="Alle rechten voorbehouden.",
        first_published="Eerste publicatie: {date}", set_in="Gezet in de {font}.",
        colophon="Gezet in de {font}, ontworpen door {designers}.",
        licence="De letter wordt gebruikt onder de {licence}.", licence_title=_SAME, page_list="Pagina’s",
        long_date="{day} {month} {year}", month_year="{month} {year}",
        months=_DUTCH_MONTHS, months_alone=_DUTCH_MONTHS,
    ),
    "pl": Labels(
        contents="Spis treści", notes="Przypisy", cover="Okładka", title_page="Strona tytułowa",
        copyright="Strona redakcyjna", chapter="Rozdział {number}", start="Początek tekstu",
        guide="Punkty orientacyjne", cover_alt="Okładka: {author}, {title}",
        back_to_reference="Powrót do odsyłacza {n}",
        notes_to_page="Przypisy do strony {page}", notes_to_pages="Przypisy do stron {first}–{last}",
        page="s.", pages="s.", all_rights_reserved="Wszelkie prawa zastrzeżone.",
        first_published="Pierwsze wydanie: {date}", set_in="Złożono krojem {font}.",
        colophon="Złożono krojem {font} autorstwa {designers}.",
        licence="Krój pisma jest używany na licencji {licence}.", licence_title=_SAME, page_list="Strony",
        long_date="{day} {month} {year}", month_year="{month} {year}",
        months=_months("stycznia lutego marca kwietnia maja czerwca lipca sierpnia września października "
                       "listopada grudnia"),
        months_alone=_months("styczeń luty marzec kwiecień maj czerwiec lipiec sierpień wrzesień październik "
                             "listopad grudzień"),
    ),
    "ru": Labels(
        contents="Содержание", notes="Примечания", cover="Обложка", title_page="Титульный лист",
        copyright="Выходные сведения", chapter="Глава {number}", start="Начало текста", guide="Ориентиры",
        cover_alt="Обложка: {author}. {title}", back_to_reference="Назад к ссылке {n}",
        notes_to_page="Примечания к с. {page}", notes_to_pages="Примечания к с. {first}–{last}",
        page="с.", pages="с.", all_rights_reserved="Все права защищены.",
        first_published="Первая публикация: {date}", set_in="Набрано шрифтом {font}.",
        colophon="Набрано шрифтом {font} (авторы: {designers}).",
        licence="Шрифт используется по лицензии {licence}.", licence_title=_SAME, page_list="Страницы",
        long_date=f"{{day}} {{month}} {{year}}{NBSP}г.", month_year=f"{{month}} {{year}}{NBSP}г.",
        months=_months("января февраля марта апреля мая июня июля августа сентября октября ноября декабря"),
        months_alone=_months("январь февраль март апрель май июнь июль август сентябрь октябрь ноябрь декабрь"),
    ),
    "uk": Labels(
        contents="Зміст", notes="Примітки", cover="Обкладинка", title_page="Титульна сторінка",
        copyright="Вихідні відомості", chapter="Розділ {number}", start="Початок тексту", guide="Орієнтири",
        cover_alt="Обкладинка: {author}. {title}", back_to_reference="Назад до посилання {n}",
        notes_to_page="Примітки до с. {page}", notes_to_pages="Примітки до с. {first}–{last}",
        page="с.", pages="с.", all_rights_reserved="Усі права захищено.",
        first_published="Перша публікація: {date}", set_in="Набрано шрифтом {font}.",
        colophon="Набрано шрифтом {font} (автори: {designers}).",
        licence="Шрифт використовується за ліцензією {licence}.", licence_title=_SAME, page_list="Сторінки",
        long_date=f"{{day}} {{month}} {{year}}{NBSP}р.", month_year=f"{{month}} {{year}}{NBSP}р.",
        months=_months("січня лютого березня квітня травня червня липня серпня вересня жовтня листопада грудня"),
        months_alone=_months("січень лютий березень квітень травень червень липень серпень вересень жовтень "
                             "листопад грудень"),
    ),
})

LABEL_NAMES = tuple(field.name for field in fields(Labels))


def has_labels(language: str) -> bool:
    """Whether ``LABELS`` has the language of the tag (``en-GB`` → ``en``)."""
    return _primary(language) in LABELS


def labels_for(language: str, overrides: Mapping[str, str | tuple[str, ...]] | None = None) -> Labels:
    """The language's labels (English for a language the table lacks), with book.toml's
    ``[labels]`` in place of the table's; ``config`` has checked the overrides."""
    labels = LABELS.get(_primary(language), ENGLISH)
    if not overrides:
        return labels
    merged: dict[str, object] = {**vars(labels), **overrides}
    return Labels(**merged)  # type: ignore[arg-type]


def format_date(date: str, labels: Labels) -> str:
    """``2026-11-27`` → ``27 November 2026`` (a year-month ``November 2026``, a year as it is) in
    the labels' language; an empty date stays empty."""
    parts = date.split("-")
    if not all(part.isdigit() for part in parts) or len(parts) not in (2, 3) or not 1 <= int(parts[1]) <= 12:
        return date
    month = int(parts[1]) - 1
    if len(parts) == 2:
        return labels.month_year.format(month=labels.months_alone[month], year=parts[0])
    day = labels.first_day if int(parts[2]) == 1 else str(int(parts[2]))
    return labels.long_date.format(day=day, month=labels.months[month], year=parts[0])


def _primary(language: str) -> str:
    return language.split("-")[0].lower()
