"""Typography by language: typed ASCII in, exactly what each language's printers set out.

A table of inputs and expected outputs per language for plain strings (``typeset_text``: titles,
authors, running heads), then the same rules through the rendered tree (``render_chapter``):
quotes read across elements, code and URLs untouched, notes, headings, the proof's markers.
Fast: no edition is built.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from publish.render import ChapterSource, render_chapter
from publish.typography import RULES, choose_rules, typeset_text

pytestmark = pytest.mark.fast

NB = "\u00a0"
NNB = "\u202f"

# (language, typed, set). Each line is one convention, or one defect of issue 13 (marked).
CASES = [
    # English (US): issue 13 defect 2, a quotation opening with an ellipsis opened with a closing mark.
    ("en", '"...and then," he said.', "“…and then,” he said."),
    ("en", "\"'Quoted' words in a larger quote.\"", "“‘Quoted’ words in a larger quote.”"),
    ("en", "\"He said 'no' to me,\" she said.", "“He said ‘no’ to me,” she said."),
    # Defect 2: primes after digits, not quotation marks.
    ("en", 'He is 5\'10" tall; the board is 6\' long.', "He is 5′10″ tall; the board is 6′ long."),
    # Defect 2: an apostrophe where a word begins with one.
    ("en", "'Twas the night; give 'em rock 'n' roll in the '90s.",
     "’Twas the night; give ’em rock ’n’ roll in the ’90s."),
    ("en", "Don't take the dogs' bowls, or Belarus' trade, or the 1990's.",
     "Don’t take the dogs’ bowls, or Belarus’ trade, or the 1990’s."),
    # Defect 3: a title's apostrophe.
    ("en", "Keeper's Log", "Keeper’s Log"),
    # Dashes: a spaced hyphen, --, --- (defect 2: -- was left as typed at line ends, next to
    # punctuation, after a quote), bound to the word before; closed up between words.
    ("en", "word - next, word -- next, word --- next", f"word{NB}— next, word{NB}— next, word{NB}— next"),
    ("en", "the end --\nof the line, and the end -", f"the end{NB}— of the line, and the end{NB}—"),
    ("en", '"Wait--" she said; so--, then; "--and"', "“Wait—” she said; so—, then; “—and”"),
    ("en", "-- Hello, Paris--London, Paris---London", "— Hello, Paris–London, Paris—London"),
    ("en", "well-known, pre- and post-war, -5, a - b", f"well-known, pre- and post-war, -5, a{NB}— b"),
    ("en", "Wait... what? Four.... dots", "Wait… what? Four.... dots"),
    ("en", "See https://example.org/a--b's-1990-1995 - \"x\"", f"See https://example.org/a--b's-1990-1995{NB}— “x”"),
    ("en-US", "\"It's 'fine',\" he said - then left.", f"“It’s ‘fine’,” he said{NB}— then left."),
    ("en-GB", "\"It's 'fine',\" he said - then left.", f"‘It’s “fine”,’ he said{NB}– then left."),
    # French (defect 2: L ›arrivée, m ›a).
    ("fr", "L'arrivée m'a surpris, aujourd'hui.", "L’arrivée m’a surpris, aujourd’hui."),
    ("fr", 'Il a dit : "Bonjour !"', f"Il a dit{NB}: «{NB}Bonjour{NNB}!{NB}»"),
    ("fr", "\"Quoi?\" - \"Rien; c'est 'ça'.\"", f"«{NB}Quoi{NNB}?{NB}»{NB}— «{NB}Rien{NNB}; c’est “ça”.{NB}»"),
    ("fr", "« mot » et «mot» ; 10:30 ?!", f"«{NB}mot{NB}» et «{NB}mot{NB}»{NNB}; 10:30{NNB}?!"),
    ("fr-CA", 'Quoi? Note: "oui"', f"Quoi? Note{NB}: «{NB}oui{NB}»"),
    # German (defect 2: wie‘s).
    ("de", "Wie's geht, \"sagte er 'nein'\" - so war's, 'n Abend.",
     f"Wie’s geht, „sagte er ‚nein‘“{NB}– so war’s, ’n Abend."),
    ("de-AT", "\"Er sagte 'nein'\"", "„Er sagte ‚nein‘“"),
    ("de-CH", "\"Er sagte 'nein'\"", "«Er sagte ‹nein›»"),
    # Italian (defect 2: dell”isola).
    ("it", "Dell'isola, un po' di \"pane 'fresco'\" - disse.", f"Dell’isola, un po’ di «pane “fresco”»{NB}– disse."),
    # Spanish: the raya attached to the phrase it sets off; a third level of quotation marks.
    ("es", "Dijo \"hola 'amigo'\" - sin duda - y se fue; mira - dijo -.",
     "Dijo «hola “amigo”» —sin duda— y se fue; mira —dijo—."),
    ("es", "-- Hola -- dijo él.", "—Hola —dijo él."),
    ("es", "\"a 'b \"c\" b' a\"", "«a “b ‘c’ b” a»"),
    ("pt", "\"olá 'amigo'\" - e foi.", f"«olá “amigo”»{NB}— e foi."),
    ("pt-BR", "\"olá 'amigo'\" - e foi.", f"“olá ‘amigo’”{NB}— e foi."),
    ("nl", "\"Hij zei 'nee'\" - in 's-Hertogenbosch, 't is zo.",
     f"„Hij zei ‚nee’”{NB}– in ’s-Hertogenbosch, ’t is zo."),
    ("pl", "\"Powiedział 'tak'\" - i poszedł.", f"„Powiedział «tak»”{NB}– i poszedł."),
    ("ru", "Он сказал: \"Это 'цитата'\" - и ушёл.", f"Он сказал: «Это „цитата“»{NB}— и ушёл."),
    ("uk", "Він сказав: \"Так 'справді'\" - і пішов.", f"Він сказав: «Так „справді“»{NB}— і пішов."),
]


# Number ranges take an en dash (Chicago Manual of Style, New Hart's Rules, Duden's "Bis-Strich");
# identifiers keep their hyphens: ISBNs, dates and phone numbers (two hyphens or more), codes next
# to letters or points, a number with a leading zero, a year and month (the second is not greater).
RANGES = [
    ("en", "1990-1995, pp 12-18, 1914-18, 7-9 May, 1990--1995", "1990–1995, pp 12–18, 1914–18, 7–9 May, 1990–1995"),
    ("en", "ISBN 978-3-16-148410-0, 2026-11-27, 2026-11, 555-123-4567, COVID-19, A4-5, v1.2-3, 05-10, 1995-1990",
     "ISBN 978-3-16-148410-0, 2026-11-27, 2026-11, 555-123-4567, COVID-19, A4-5, v1.2-3, 05-10, 1995-1990"),
    ("de", "1914-1918 und 1939-45", "1914–1918 und 1939–45"),
    ("fr", "1789-1799 ; https://example.org/1990-1995", f"1789–1799{NNB}; https://example.org/1990-1995"),
]

# A no-break space joins an abbreviation to the number it takes, so that no line ends with "p.".
ABBREVIATIONS = [
    ("en", "p. 86, P. 30, No. 5, Vol. 2, vol. 3, ch. 4, fig. 2, Vol. II, art. 5, § 3, Mr. Smith, p. a, pp. 12-18",
     f"p.{NB}86, P.{NB}30, No.{NB}5, Vol.{NB}2, vol.{NB}3, ch.{NB}4, fig.{NB}2, Vol.{NB}II, art.{NB}5, §{NB}3, "
     f"Mr. Smith, p. a, pp.{NB}12–18"),
    ("en", "the map on p.\n12 and in no. 1990", f"the map on p.{NB}12 and in no.{NB}1990"),
    ("fr", "p. 5, t. 2, n° 4 ; vol. 3 !", f"p.{NB}5, t.{NB}2, n°{NB}4{NNB}; vol.{NB}3{NNB}!"),
    ("de", "S. 12, Nr. 5, Abb. 3, Bd. IV", f"S.{NB}12, Nr.{NB}5, Abb.{NB}3, Bd.{NB}IV"),
    ("es", "pág. 5, n.º 3, cap. 2", f"pág.{NB}5, n.º{NB}3, cap.{NB}2"),
    ("it", "p. 5, n. 3, cap. 2", f"p.{NB}5, n.{NB}3, cap.{NB}2"),
    ("pt", "pág. 5, n.º 3", f"pág.{NB}5, n.º{NB}3"),
    ("nl", "blz. 4, nr. 5", f"blz.{NB}4, nr.{NB}5"),
    ("pl", "s. 12, nr 5, t. 2", f"s.{NB}12, nr{NB}5, t.{NB}2"),
    ("ru", "С. 12, с. 4, № 5, т. 2", f"С.{NB}12, с.{NB}4, №{NB}5, т.{NB}2"),
    ("uk", "с. 5, № 3", f"с.{NB}5, №{NB}3"),
]


@pytest.mark.parametrize(("language", "typed", "expected"), CASES + RANGES + ABBREVIATIONS)
def test_plain_text_is_set_as_the_language_sets_it(language: str, typed: str, expected: str) -> None:
    assert typeset_text(typed, language) == expected


@pytest.mark.parametrize(("language", "typed", "expected"), CASES + RANGES + ABBREVIATIONS)
def test_setting_text_twice_changes_nothing(language: str, typed: str, expected: str) -> None:
    """A title may pass through more than one stage: set text is left as it is."""
    assert typeset_text(expected, language) == expected


@pytest.mark.parametrize(("tag", "chosen"), [
    ("en", "en"), ("en-US", "en"), ("EN-gb", "en-GB"), ("en_GB", "en-GB"), ("en-Latn-GB", "en-GB"),
    ("fr-FR", "fr"), ("fr-CA", "fr-CA"), ("de-AT", "de"), ("de-CH", "de-CH"), ("pt-PT", "pt"),
    ("pt-BR", "pt-BR"), ("es-419", "es"), ("nl-BE", "nl"), ("pl", "pl"), ("ru", "ru"), ("uk", "uk"),
])
def test_a_region_subtag_picks_the_variant(tag: str, chosen: str) -> None:
    rules, problem = choose_rules(tag)
    assert (rules.tag, problem) == (chosen, None)


def test_an_unknown_language_is_set_as_english_and_says_so() -> None:
    rules, problem = choose_rules("tlh")
    assert rules is RULES["en"]
    assert problem is not None and "'tlh'" in problem
    assert typeset_text("\"It's 5'10\" - p. 4\"", "tlh") == typeset_text("\"It's 5'10\" - p. 4\"", "en")


def test_every_language_has_an_apostrophe_distinct_from_its_opening_marks() -> None:
    """Defect 2's cause: the apostrophe was the language's closing single quote (› ‘ ”)."""
    for rules in RULES.values():
        assert rules.apostrophe == "’"
        assert all(marks.opening != "’" for marks in rules.quotes)


def render(text: str, language: str = "en") -> tuple[str, list[str], str]:
    """The chapter's body, notes and title as rendered, for ``# T`` plus ``text``."""
    source = ChapterSource(1, Path("01-a.md"), "01-a.md", text if text.startswith("#") else f"# T\n\n{text}\n")
    chapter, _ = render_chapter(source, language=language, first_note=1, chapter_numbers={})
    return chapter.html, [note.html for note in chapter.notes], chapter.title


@pytest.mark.parametrize(("language", "typed", "expected"), [
    # Defect 2 through the whole rendering: Python-Markdown's smarty set these.
    ("fr", "L'arrivée m'a surpris.", "<p>L’arrivée m’a surpris.</p>"),
    ("de", "Wie's geht?", "<p>Wie’s geht?</p>"),
    ("it", "Dell'isola.", "<p>Dell’isola.</p>"),
    ("en", '"...and then," he said.', "<p>“…and then,” he said.</p>"),
    ("en", "He is 5'10\" and 'Twas so.", "<p>He is 5′10″ and ’Twas so.</p>"),
    # The author's spacing is kept: a dash typed closed up stays closed up.
    ("en", "Wait --\nthen, Wait--\nthen, so--, and \"Stop--\"", f"<p>Wait{NB}— then, Wait— then, so—, and “Stop—”</p>"),
    # Quotes read across elements: before <em>, after </em>, around links and strong.
    ("en", '"*word*" and *"word"* and "a *b*," c', "<p>“<em>word</em>” and <em>“word”</em> and “a <em>b</em>,” c</p>"),
    ("en", "\"**Bold**\" *Keeper*'s '*Twas*", "<p>“<strong>Bold</strong>” <em>Keeper</em>’s ’<em>Twas</em></p>"),
    ("en", '"[a link](https://example.org/)"',
     '<p>“<a href="https://example.org/">a link</a>”</p>'),
    ("fr", '"*Bonjour*" !', f"<p>«{NB}<em>Bonjour</em>{NB}»{NNB}!</p>"),
    # A quote around code is set; the code is not.
    ("en", "\"`x`\" and `\"a\" -- 'b' ... 1990-1995`",
     "<p>“<code>x</code>” and <code>\"a\" -- 'b' ... 1990-1995</code></p>"),
    ("en", "Code:\n\n    \"a\" -- 'b' ...", "<p>Code:</p>\n<pre><code>\"a\" -- 'b' ...\n</code></pre>"),
    # A note reference between a quote and what follows it changes nothing.
    ("en", '"Quoted."[^a] - and\n\n[^a]: N.', None),
])
def test_quotes_and_dashes_are_read_across_the_tree(language: str, typed: str, expected: str | None) -> None:
    body, _, _ = render(typed, language)
    if expected is None:
        assert body.startswith("<p>“Quoted.”<sup") and body.endswith(f"</sup>{NB}— and</p>\n")
    else:
        assert body == expected


def test_ranges_in_notes_and_code() -> None:
    body, notes, _ = render("In 2014-2020 and `2014-2020`.[^a]\n\n[^a]: Ibid. - P 18-19.")
    assert body.startswith("<p>In 2014–2020 and <code>2014-2020</code>.<sup")
    assert notes == [f"<p>Ibid.{NB}– P 18–19.</p>"]


def test_abbreviations_in_notes_and_code() -> None:
    body, notes, _ = render("See `p. 5` and p. 5.[^a]\n\n[^a]: Ibid. - P. 18-19; No. 4.")
    assert body.startswith(f"<p>See <code>p. 5</code> and p.{NB}5.<sup")
    assert notes == [f"<p>Ibid.{NB}– P.{NB}18–19; No.{NB}4.</p>"]


def test_urls_are_never_touched() -> None:
    body, notes, _ = render("See https://example.org/a--b's-1990-1995... and <https://example.org/x--y>.[^a]\n\n"
                            "[^a]: At https://edu.gov.by/news/belarus--serbiya/ - 2019.")
    assert 'href="https://example.org/a--b\'s-1990-1995"' in body
    assert "-<wbr/>-b's<wbr/>-1990<wbr/>-1995</a>…" in body
    assert 'href="https://example.org/x--y"' in body
    assert notes == ['<p>At <a class="url" href="https://edu.gov.by/news/belarus--serbiya/">https://<wbr/>edu<wbr/>.gov'
                     '<wbr/>.by/<wbr/>news/<wbr/>belarus<wbr/>-<wbr/>-serbiya/</a>\u00a0– 2019.</p>']


def test_notes_take_the_bibliographic_dash_and_the_language() -> None:
    _, notes, _ = render("A.[^a] B.[^b]\n\n[^a]: Ibid. - – 2019. -- Roma.\n"
                         "[^b]: \"L'isola\" - Milano.", "it")
    assert notes == [f"<p>Ibid.{NB}– 2019.{NB}– Roma.</p>", f"<p>«L’isola»{NB}– Milano.</p>"]


def test_a_quotation_left_open_does_not_run_into_the_next_paragraph() -> None:
    body, _, _ = render("He said 'open\n\nIt is 5' long.")
    assert body == "<p>He said ‘open</p>\n<p>It is 5′ long.</p>"


def test_a_chapter_title_is_set() -> None:
    _, _, title = render("# \"Keeper's\" Log - the '90s\n\nText.\n")
    assert title == f"“Keeper’s” Log{NB}— the ’90s"


def test_the_proofs_markers_change_no_typography() -> None:
    """The proof marks flagged words with private-use sentinels before rendering (proof.insert_flags):
    the text around them is set exactly as the book's."""
    plain = "He is 5'10\" tall, \"quoted\" here - and -- more 'Twas.[^a]\n\n[^a]: Ibid. - p. 4."
    marked = ("He is 5'10\ue0000\ue001\" tall, \"quoted\ue0001\ue001\" here - and\ue0002\ue001 -- more "
              "\ue0003\ue001'Twas.[^a]\n\n[^a]: Ibid.\ue0004\ue001 - p. 4.")
    body, notes, _ = render(plain)
    flagged, flagged_notes, _ = render(marked)
    strip = str.maketrans("", "", "\ue000\ue0010123456789")
    assert flagged.translate(strip) == body.translate(strip)
    assert [n.translate(strip) for n in flagged_notes] == [n.translate(strip) for n in notes]
