"""Typography: quotes, apostrophes, dashes, ellipses, spaces and breakable URLs that suit the book's language.

Takes text and the book's language tag; returns the text as that language's printers set it. A
chapter comes as ``Piece`` values, its text nodes in document order with what they sit among
(code and URLs, read but never changed; note references, neither read nor changed; block
boundaries), so that a quote before ``<em>`` or after ``</em>`` is read with the characters
around it (``typeset_pieces``); a plain string, such as a title, an author or a running head, is
set with ``typeset_text``. The manuscript keeps ASCII conventions (``"``, ``'``, `` - ``, ``--``,
``...``); everything is set here, at build time, in one pass linear in the text's length, so the
manuscript stays easy to edit. URLs are cut out first (``split_urls``) and never changed; where a
line may break inside one is ``url_break_points``'s answer.

The conventions of each language are one frozen ``LanguageRules`` in ``RULES``, with the source
of each; ``choose_rules`` picks the entry for a language tag (a region subtag picks a variant,
``en-GB``, ``pt-BR``) and says when it fell back to English.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import Literal

NBSP = "\u00a0"
"""No-break space: before a dash, inside French guillemets, after "p." before its number."""
NNBSP = "\u202f"
"""Narrow no-break space (espace fine insécable): before French ; ! ?."""
PRIME = "\u2032"
DOUBLE_PRIME = "\u2033"

DashStyle = Literal["spaced", "paired"]


@dataclass(frozen=True)
class QuoteMarks:
    """One level of quotation marks; ``inner_space`` is set inside them (French « »)."""

    opening: str
    closing: str
    inner_space: str = ""


@dataclass(frozen=True)
class LanguageRules:
    """How one language sets quotations, apostrophes, dashes and the spaces around punctuation."""

    tag: str
    quotes: tuple[QuoteMarks, ...]
    """Marks by level: the primary ones (a quotation, typed ``"``), the secondary ones (a quotation
    inside it, typed ``'``), then, for languages that have them, the next; past the last level the
    first come again. The typed mark gives the level, not the depth of nesting, so that a quote
    left unclosed by mistake changes no other mark (``"`` inside ``"`` stays primary, as typed)."""
    dash: str
    """The dash that sets off a phrase, typed `` - `` or ``--`` (``---`` is always an em dash)."""
    dash_style: DashStyle = "spaced"
    """``spaced``: a space on each side, a no-break one before so the dash never starts a line.
    ``paired``: Spanish raya, attached to the phrase it sets off (``texto —inciso— texto``)."""
    apostrophe: str = "\u2019"
    space_before: tuple[tuple[str, str], ...] = ()
    """Punctuation that takes a no-break space before it, and which space (French ; : ! ?)."""
    abbreviations: tuple[str, ...] = ()
    """Abbreviations that take a number ("p. 86"): a no-break space joins them to it."""
    elisions: tuple[str, ...] = ()
    """Words that begin with an apostrophe where a quotation might open (English 'Twas, Dutch 't)."""
    abbreviation_pattern: re.Pattern[str] | None = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        if self.abbreviations:
            # One pattern per language, made once: an abbreviation (not inside a word), the
            # spaces typed after it, and a number, Arabic or Roman (Vol. II), after them.
            names = "|".join(re.escape(a) for a in sorted(self.abbreviations, key=len, reverse=True))
            pattern = re.compile(f"(?<!\\w)({names})[ \\t\\n]+(?=\\d|[IVXLCDM]+\\b)")
            object.__setattr__(self, "abbreviation_pattern", pattern)


def _quotes(*pairs: str, inner: str = "") -> tuple[QuoteMarks, ...]:
    """``"«»", "“”"`` → the levels; ``inner`` is set inside the guillemets only."""
    return tuple(QuoteMarks(p[0], p[1], inner if p[0] in "«»" else "") for p in pairs)


_FRENCH_SPACES = ((";", NNBSP), ("!", NNBSP), ("?", NNBSP), (":", NBSP))
# Chicago Manual of Style and New Hart's Rules, on abbreviations: the common ones before a page,
# note, volume, chapter, figure, line or section number (P. as bibliographies capitalise it).
_ENGLISH_ABBREVIATIONS = (
    "p.", "P.", "pp.", "No.", "Nos.", "no.", "nos.", "Vol.", "Vols.", "vol.", "vols.", "Ch.", "ch.", "Chap.", "chap.",
    "Fig.", "fig.", "figs.", "Art.", "art.", "Sec.", "sec.", "para.", "n.", "nn.", "l.", "ll.", "col.", "§", "§§",
)
_FRENCH_ABBREVIATIONS = ("p.", "pp.", "t.", "vol.", "chap.", "fig.", "art.", "n°", "§")
_GERMAN_ABBREVIATIONS = ("S.", "Nr.", "Bd.", "Bde.", "Kap.", "Abb.", "Art.", "Abs.", "Tab.", "Anm.", "§", "§§")
_PORTUGUESE_ABBREVIATIONS = ("p.", "pp.", "pág.", "n.º", "vol.", "cap.", "fig.", "art.", "§")
_ENGLISH_ELISIONS = ("tis", "twas", "twere", "twill", "em", "n", "cause", "til", "bout")

RULES: Mapping[str, LanguageRules] = MappingProxyType({
    # Chicago Manual of Style (17th ed.), on quotation marks and the apostrophe: double marks,
    # single ones inside them; the apostrophe is the right single mark, also where a word begins
    # with one ('tis, 'em, rock 'n' roll, the '90s); primes, not quotation marks, for feet and
    # inches (5′10″). The dash is this book's house style from its first edition: a spaced em
    # dash bound to the word before it, where Chicago closes the em dash up.
    "en": LanguageRules("en", _quotes("“”", "‘’"), "—", elisions=_ENGLISH_ELISIONS,
                        abbreviations=_ENGLISH_ABBREVIATIONS),
    # New Hart's Rules (Oxford), on quotation marks and on dashes: single quotation marks, double
    # ones inside them; the spaced en rule as the parenthetical dash.
    "en-gb": LanguageRules("en-GB", _quotes("‘’", "“”"), "–", elisions=_ENGLISH_ELISIONS,
                           abbreviations=_ENGLISH_ABBREVIATIONS),
    # Lexique des règles typographiques en usage à l'Imprimerie nationale: guillemets français
    # « » with no-break spaces inside, guillemets anglais “ ” for a quotation inside a quotation;
    # an espace fine insécable before ; ! ? and a (word-width) espace insécable before the
    # colon; the tiret d'incise is the em dash (tiret cadratin) between spaces; the apostrophe ’.
    "fr": LanguageRules("fr", _quotes("«»", "“”", inner=NBSP), "—", space_before=_FRENCH_SPACES,
                        abbreviations=_FRENCH_ABBREVIATIONS),
    # Office québécois de la langue française, Banque de dépannage linguistique, on spacing
    # around punctuation: in Quebec no space before ; ! ?, an espace insécable before the colon
    # and inside « ».
    "fr-ca": LanguageRules("fr-CA", _quotes("«»", "“”", inner=NBSP), "—", space_before=((":", NBSP),),
                           abbreviations=_FRENCH_ABBREVIATIONS),
    # Duden, Die deutsche Rechtschreibung, rules on Anführungszeichen, Apostroph and
    # Gedankenstrich: „ “ with ‚ ‘ inside; the apostrophe ’ (never ‘); the Gedankenstrich is the
    # en dash with a space on each side; S. 12, Nr. 5 kept together (DIN 5008).
    "de": LanguageRules("de", _quotes("„“", "‚‘"), "–", elisions=("s", "n"), abbreviations=_GERMAN_ABBREVIATIONS),
    # Duden, same rules, on Swiss usage: « » with ‹ › inside, without spaces.
    "de-ch": LanguageRules("de-CH", _quotes("«»", "‹›"), "–", elisions=("s", "n"),
                           abbreviations=_GERMAN_ABBREVIATIONS),
    # Real Academia Española, Ortografía de la lengua española (2010), on comillas and the raya:
    # comillas angulares « », then “ ”, then ‘ ’; the raya is attached to the phrase it sets off
    # ("texto —inciso— texto"), and a line of dialogue opens with one.
    "es": LanguageRules("es", _quotes("«»", "“”", "‘’"), "—", dash_style="paired",
                        abbreviations=("p.", "pp.", "pág.", "págs.", "núm.", "n.º", "vol.", "vols.", "cap.", "fig.",
                                       "art.", "§")),
    # R. Lesina, Il nuovo manuale di stile (Zanichelli), on virgolette: basse « », alte “ ”
    # inside. The lineetta between spaces, set by most Italian publishers as the en dash.
    "it": LanguageRules("it", _quotes("«»", "“”"), "–",
                        abbreviations=("p.", "pp.", "pag.", "n.", "nn.", "vol.", "voll.", "cap.", "fig.", "art.", "§")),
    # Ciberdúvidas da Língua Portuguesa, on aspas and the travessão: in Portugal aspas angulares
    # « », “ ” inside; the travessão (em dash) between spaces.
    "pt": LanguageRules("pt", _quotes("«»", "“”"), "—", abbreviations=_PORTUGUESE_ABBREVIATIONS),
    # Folha de S.Paulo, Manual da Redação, on aspas: in Brazil aspas duplas “ ”, simples ‘ ’
    # inside; the travessão.
    "pt-br": LanguageRules("pt-BR", _quotes("“”", "‘’"), "—", abbreviations=_PORTUGUESE_ABBREVIATIONS),
    # Taalunie, Taaladvies.net, on aanhalingstekens: double marks for quotations, single ones
    # inside them; of the two shapes it allows, the low-high „ ” of Dutch book typography (and
    # ‚ ’ inside); the gedachtestreepje is the spaced en dash; 't, 's, 'n take the apostrophe.
    "nl": LanguageRules("nl", _quotes("„”", "‚’"), "–", elisions=("t", "s", "n"),
                        abbreviations=("p.", "pp.", "blz.", "nr.", "vol.", "hfdst.", "fig.", "art.", "§")),
    # Wielki słownik ortograficzny PWN, Zasady pisowni i interpunkcji, on cudzysłów: „ ” with
    # « » inside; the półpauza (en dash) between spaces as the dash; "nr" (no point: it ends with
    # the word's last letter) and "s." before numbers.
    "pl": LanguageRules("pl", _quotes("„”", "«»"), "–",
                        abbreviations=("s.", "nr", "t.", "rozdz.", "rys.", "art.", "ust.", "poz.", "§")),
    # А. Э. Мильчин, Л. К. Чельцова, Справочник издателя и автора: «ёлочки» with „лапки“ inside;
    # the em dash, spaced, bound by a no-break space to the word before it; № and с. bound to
    # their numbers.
    "ru": LanguageRules("ru", _quotes("«»", "„“"), "—",
                        abbreviations=("с.", "С.", "стр.", "т.", "Т.", "гл.", "рис.", "ч.", "ст.", "п.", "№", "§")),
    # Український правопис (2019), on лапки and the тире: « » with „ “ inside; the spaced em dash;
    # the abbreviations of ДСТУ 3582 (bibliographic description) before numbers.
    "uk": LanguageRules("uk", _quotes("«»", "„“"), "—",
                        abbreviations=("с.", "С.", "т.", "Т.", "розд.", "рис.", "ч.", "ст.", "п.", "№", "§")),
    # Правілы беларускай арфаграфіі і пунктуацыі (2008), as Russian printers set them: « » with
    # „ “ inside; the spaced em dash.
    "be": LanguageRules("be", _quotes("«»", "„“"), "—", abbreviations=("с.", "С.", "т.", "№", "§")),
    # Pravidla českého pravopisu and ČSN 01 6910: „ “ with ‚ ‘ inside; the spaced en dash.
    "cs": LanguageRules("cs", _quotes("„“", "‚‘"), "–", abbreviations=("s.", "č.", "str.", "kap.", "obr.", "§")),
})


def choose_rules(language: str) -> tuple[LanguageRules, str | None]:
    """The rules for a BCP 47 tag, most specific first (``pt-BR``, then ``pt``), and a message when
    there are none and English rules stand in (the caller makes it a diagnostic, once)."""
    subtags = language.strip().lower().replace("_", "-").split("-")
    # A region is two letters or three digits after the language (and any script) subtag.
    region = next((s for s in subtags[1:] if len(s) == 2 or (len(s) == 3 and s.isdigit())), None)
    for key in ("-".join(subtags), f"{subtags[0]}-{region}" if region else "", subtags[0]):
        if key in RULES:
            return RULES[key], None
    return RULES["en"], (f"no typography rules for language '{language}': quotes, dashes and spaces "
                         "are set as in English")


class Kind(Enum):
    """What a piece of a chapter's text is to the typesetter."""

    TEXT = "text"
    """Set by the rules."""
    KEEP = "keep"
    """Read as the characters around the text (code, a URL), never changed."""
    HIDDEN = "hidden"
    """Neither read nor changed (a note reference's number, a marker another stage put in)."""
    BREAK = "break"
    """A block's start or end: quotations and paired dashes do not run across it."""


@dataclass(frozen=True)
class Piece:
    text: str
    kind: Kind = Kind.TEXT


URL = re.compile(r"(?:https?|ftp)://[^\s<>\"]+")
# A URL ends before the punctuation that closes the sentence or reference around it.
_URL_TRAILER = re.compile(r"[.,;:!?)\]»”’]+$")
# Sensible break points: after "/" (but not inside "//"), before . - ? & = # _ ~ %.
_BREAK_AFTER = re.compile(r"(?<!/)/(?!/)|//")
_BREAK_BEFORE = re.compile(r"(?=[.\-?&=#_~%])")
# A marker another stage puts in the text to find a place after rendering (the proof's flags,
# proof.insert_flags): invisible to typesetting, so the proof is set exactly as the book.
_MARKER = re.compile("\ue000\\d+\ue001")

_SPECIAL = re.compile("[\"'\\-–.;:!?«»]")
_BOUNDARY = "\x00"
"""Stands in the characters around the text for a block's start or end."""
_OPENING = "([{<¡¿“‘«„‚‹"
_DASHES = "-‐‒–—―"
_CLOSING = ".,;:!?…)]}>»”’›\"'"
_DIGITS_BEFORE_RANGE = ".,/:_-‐–"
_DIGITS_AFTER_RANGE = "/_-‐–"


def typeset_text(text: str, language: str) -> str:
    """A plain string (a title, an author, a running head, metadata) set by the language's rules;
    URLs in it are left as they are."""
    rules, _ = choose_rules(language)
    pieces = [Piece(part, Kind.KEEP if is_url else Kind.TEXT) for part, is_url in split_urls(text)]
    return "".join(typeset_pieces(pieces, rules))


def typeset_pieces(pieces: Sequence[Piece], rules: LanguageRules, *, in_note: bool = False) -> list[str]:
    """Each piece's text once set: ``TEXT`` pieces by the rules, read with everything around them
    in order; the others as they are. In a note (``in_note``) a spaced dash is the bibliographic
    en dash, and the ``- –`` pair some citation styles write is one dash."""
    parts: list[tuple[int, list[Piece]]] = []
    for index, piece in enumerate(pieces):
        if piece.kind is Kind.TEXT and "\ue000" in piece.text:
            parts.append((index, _split_markers(piece.text)))
        else:
            parts.append((index, [piece]))
    context: list[str] = []
    starts: list[int] = []
    length = 0
    for _, split in parts:
        for piece in split:
            starts.append(length)
            shown = "" if piece.kind is Kind.HIDDEN else _BOUNDARY if piece.kind is Kind.BREAK else piece.text
            context.append(shown)
            length += len(shown)
    setter = _Setter(rules, in_note, "".join(context))
    results = [piece.text for piece in pieces]
    flat = 0
    for index, split in parts:
        texts = []
        for piece in split:
            if piece.kind is Kind.BREAK:
                setter.end_block()
            texts.append(setter.set_text(piece.text, starts[flat]) if piece.kind is Kind.TEXT else piece.text)
            flat += 1
        results[index] = "".join(texts)
    return results


def _split_markers(text: str) -> list[Piece]:
    pieces, last = [], 0
    for match in _MARKER.finditer(text):
        pieces += [Piece(text[last:match.start()]), Piece(match.group(), Kind.HIDDEN)]
        last = match.end()
    return [*pieces, Piece(text[last:])]


class _Setter:
    """One pass over a text's pieces in order: the quotations open at each point, and the context."""

    def __init__(self, rules: LanguageRules, in_note: bool, context: str) -> None:
        self.rules = rules
        self.in_note = in_note
        self.context = context
        self.spaces = dict(rules.space_before)
        self.guillemet_space = next((q.inner_space for q in rules.quotes if q.opening == "«"), "")
        self.stack: list[tuple[str, int]] = []
        """The straight quote that opened each quotation still open and its level, innermost last."""
        self.open_count = {'"': 0, "'": 0}
        self.last_quote = (-1, False)
        """Where the last straight quote stood and whether it opened a quotation."""
        self.prime_end = -1
        """Just after the last prime, so that 5′10" sets its inches mark."""
        self.raya_open = False

    def end_block(self) -> None:
        self.stack.clear()
        self.open_count = {'"': 0, "'": 0}
        self.raya_open = False

    def before(self, at: int) -> str:
        return self.context[at - 1] if at > 0 else _BOUNDARY

    def after(self, at: int) -> str:
        return self.context[at] if at < len(self.context) else _BOUNDARY

    def set_text(self, text: str, start: int) -> str:
        out: list[str] = []
        pos = 0
        while True:
            found = _SPECIAL.search(text, pos)
            if found is None:
                break
            j = found.start()
            out.append(text[pos:j])
            char = text[j]
            if char in "\"'":
                pos = self.set_quote(text, j, start, out)
            elif char in "-–":
                pos = self.set_dash(text, j, start, out)
            elif char == ".":
                pos = self.set_dots(text, j, start, out)
            elif char in "«»":
                pos = self.set_guillemet(text, j, start, out)
            else:
                pos = self.set_punctuation(text, j, start, out)
        out.append(text[pos:])
        result = "".join(out)
        if self.rules.abbreviation_pattern is not None:
            result = self.rules.abbreviation_pattern.sub(lambda m: m.group(1) + NBSP, result)
        return result

    # Quotation marks, apostrophes and primes.

    def kind_before(self, at: int) -> str:
        """What stands before ``at``: space, open (an opening bracket or mark), dash, digit, letter
        or other (closing punctuation, a closing mark, a symbol)."""
        char = self.before(at)
        if at > 0 and at - 1 == self.last_quote[0]:
            return "open" if self.last_quote[1] else "other"
        if char == _BOUNDARY or char.isspace():
            return "space"
        if char in _OPENING:
            return "open"
        if char in _DASHES:
            return "dash"
        if char.isdigit():
            return "digit"
        return "letter" if char.isalpha() else "other"

    def set_quote(self, text: str, j: int, start: int, out: list[str]) -> int:
        at = start + j
        quote = text[j]
        before = self.kind_before(at)
        following = self.after(at + 1)
        space_after = following == _BOUNDARY or following.isspace()
        closing_after = space_after or following in _CLOSING
        is_open = self.open_count[quote] > 0
        if quote == '"':
            if before == "digit":
                decision = "prime" if self.digits_follow_prime(at) or not is_open else "close"
            elif before == "space":
                decision = "close" if space_after and is_open else "open"
            elif before == "open":
                decision = "open"
            elif before == "dash":
                decision = "close" if closing_after else "open"
            else:
                decision = "open" if following.isalnum() and not is_open else "close"
        elif before in ("letter", "digit") and following.isalnum():
            decision = "prime" if before == "digit" and following.isdigit() else "apostrophe"
        elif before == "digit":
            decision = "close" if is_open else "prime"
        elif before in ("space", "open", "dash"):
            if self.is_elision(at + 1):
                decision = "apostrophe"
            elif space_after or (before == "dash" and closing_after):
                decision = "close" if is_open else "apostrophe"
            else:
                decision = "open"
        else:
            decision = "close" if is_open else "apostrophe"
        pos = j + 1
        if decision == "open":
            level = self.open_level(quote)
            marks = self.rules.quotes[level % len(self.rules.quotes)]
            self.stack.append((quote, level))
            self.open_count[quote] += 1
            out.append(marks.opening + marks.inner_space)
            if marks.inner_space:
                pos = _skip_spaces(text, pos)
        elif decision == "close":
            marks = self.rules.quotes[self.close_level(quote) % len(self.rules.quotes)]
            out.append(self.space_before_mark(out, at, marks.inner_space) + marks.closing)
        elif decision == "apostrophe":
            out.append(self.rules.apostrophe)
        else:
            out.append(PRIME if quote == "'" else DOUBLE_PRIME)
            self.prime_end = at + 1
        self.last_quote = (at, decision == "open")
        return pos

    def open_level(self, quote: str) -> int:
        """The level a quotation opened by ``quote`` takes: 0 for ``"`` and 1 for ``'`` at the
        outside; inside another quotation, the same level for the same mark, the next for the other
        (``"a 'b "c" b' a"``: primary, secondary, then a third level where a language has one)."""
        if not self.stack:
            return 0 if quote == '"' else 1
        top, level = self.stack[-1]
        return level if top == quote else level + 1

    def close_level(self, quote: str) -> int:
        """The level of the quotation ``quote`` closes, closing any opened inside it and left open
        (each opening is closed once: linear); with none open, the level it would have opened."""
        if self.open_count[quote] == 0:
            return self.open_level(quote)
        while True:
            top, level = self.stack.pop()
            self.open_count[top] -= 1
            if top == quote:
                return level

    def digits_follow_prime(self, at: int) -> bool:
        """Whether the digits before ``at`` follow a prime (5′10″: the inches of feet and inches)."""
        first = at
        while first > 0 and self.context[first - 1].isdigit():
            first -= 1
        return first == self.prime_end

    def is_elision(self, at: int) -> bool:
        """Whether an apostrophe, not an opening quote, stands before ``at``: 'Twas, 'em, 'n', '90s."""
        ahead = self.context[at:at + 3]
        if len(ahead) >= 2 and ahead[:2].isdigit():
            third = ahead[2:3] or _BOUNDARY
            return third == "s" or not (third.isalnum() or third == "'")
        for word in self.rules.elisions:
            if self.context[at:at + len(word)].lower() == word and not self.after(at + len(word)).isalpha():
                return True
        return False

    # Dashes and number ranges.

    def set_dash(self, text: str, j: int, start: int, out: list[str]) -> int:
        at = start + j
        if text[j] == "–":
            # A typed en dash is the author's; in notes a spaced one is bound to the word before
            # it, and one of a "- –" pair is one separator.
            if self.in_note and self.before(at).isspace() and self.after(at + 1) in (" ", "\t", "\n", _BOUNDARY):
                return self.put_dash("–", text, j, 1, start, out, pair="-")
            out.append("–")
            return j + 1
        length = 1
        while j + length < len(text) and text[j + length] == "-":
            length += 1
        if length > 3:
            out.append(text[j:j + length])
            return j + length
        before, after = self.before(at), self.after(at + length)
        if before.isalnum() and after.isalnum():
            # Closed up between words or numbers: 1990--1995, Paris---London (the LaTeX
            # convention for typed dashes); one hyphen is a range only between two numbers.
            if length == 1:
                out.append("–" if self.is_range(at) else "-")
            else:
                out.append("–" if length == 2 else "—")
            return j + length
        spaced_before = before == _BOUNDARY or before.isspace()
        if length == 1 and not (spaced_before and (after == _BOUNDARY or after.isspace() or after in _CLOSING)):
            # A hyphen: "pre- and post-war", "-5", "well-known".
            out.append("-")
            return j + 1
        dash = "—" if length == 3 else "–" if self.in_note else self.rules.dash
        return self.put_dash(dash, text, j, length, start, out, pair="–" if self.in_note else "")

    def put_dash(self, dash: str, text: str, j: int, length: int, start: int, out: list[str], pair: str) -> int:
        """Set a dash in place of ``length`` characters at ``j``, with the spaces the style gives it.

        The author's spacing is kept (a dash typed closed up stays closed up), but the space before
        becomes a no-break space, so that the dash never starts a line."""
        at = start + j
        pos = j + length
        following = _skip_spaces(text, pos)
        if pair and text.startswith(pair, following) and following > pos:
            after_pair = _skip_spaces(text, following + 1)
            if after_pair > following + 1 or after_pair == len(text):
                pos, following = following + 1, after_pair
        spaced_after = following > pos
        ends_block = following == len(text) and self.after(start + following) == _BOUNDARY
        stripped = _strip_end(out)
        opens_block = self.first_before(at) == _BOUNDARY
        if self.rules.dash_style == "paired" and not self.in_note:
            if opens_block:
                out.append(dash)  # a line of dialogue: —Hola.
            elif not self.raya_open:
                out.append((" " if stripped else "") + dash)
                self.raya_open = True
            else:
                out.append(dash + (" " if spaced_after and not ends_block else ""))
                self.raya_open = False
            return following
        lead = NBSP if stripped and not opens_block else ""
        out.append(lead + dash + (" " if spaced_after and not ends_block else ""))
        return following

    def first_before(self, at: int) -> str:
        """The first character before ``at`` that is not a space (linear: each run of spaces is
        read once, by the mark that follows it)."""
        while at > 0 and self.context[at - 1] != _BOUNDARY and self.context[at - 1].isspace():
            at -= 1
        return self.before(at)

    def is_range(self, at: int) -> bool:
        """Whether the hyphen at ``at`` joins a range of numbers (1990-1995, pp. 12-18, 1914-18)
        rather than parts of an identifier: an ISBN or a date (two hyphens or more), a code next
        to letters, a year and month (2026-11: the second number is not the greater)."""
        first = at
        while first > 0 and self.context[first - 1].isdigit():
            first -= 1
        last = at + 1
        while last < len(self.context) and self.context[last].isdigit():
            last += 1
        before, after = self.before(first), self.after(last)
        if before.isalnum() or before in _DIGITS_BEFORE_RANGE:
            return False
        if after.isalnum() or after in _DIGITS_AFTER_RANGE or (after in ".,:" and self.after(last + 1).isdigit()):
            return False
        low, high = self.context[first:at], self.context[at + 1:last]
        if len(low) > 1 and low[0] == "0":
            return False
        if len(high) > len(low):
            return high[0] != "0"
        # 1914-18 means 1914-1918: compare as equal-length strings (no int(): any length is fine).
        high = low[:len(low) - len(high)] + high
        return high > low

    # Ellipses, guillemets and the spaces before punctuation.

    def set_dots(self, text: str, j: int, start: int, out: list[str]) -> int:
        at = start + j
        if text.startswith("...", j) and self.before(at) != "." and self.after(at + 3) != ".":
            out.append("…")
            return j + 3
        out.append(".")
        return j + 1

    def set_guillemet(self, text: str, j: int, start: int, out: list[str]) -> int:
        """A typed « or » gets the spaces inside it that the language sets (French)."""
        space = self.guillemet_space
        if not space:
            out.append(text[j])
            return j + 1
        if text[j] == "«":
            out.append("«" + space)
            return _skip_spaces(text, j + 1)
        out.append(self.space_before_mark(out, start + j, space) + "»")
        return j + 1

    def set_punctuation(self, text: str, j: int, start: int, out: list[str]) -> int:
        """; : ! ? with the space some languages set before them (French: a narrow no-break space
        before ; ! ?, a no-break space before :), only after a word and before a space or the end,
        so that 10:30, "?!" and URLs are left alone."""
        char = text[j]
        space = self.spaces.get(char)
        at = start + j
        following = self.after(at + 1)
        if space is None or not (following == _BOUNDARY or following.isspace() or following in _CLOSING):
            out.append(char)
            return j + 1
        previous = self.first_before(at)
        if previous == _BOUNDARY or previous in ";:!?" or previous in _OPENING:
            out.append(char)
            return j + 1
        out.append(self.space_before_mark(out, at, space) + char)
        return j + 1

    def space_before_mark(self, out: list[str], at: int, space: str) -> str:
        """The space to set before a mark at ``at`` in place of the spaces typed there: ``space``,
        unless the mark opens a block or the typed space is in the piece before (after ``</em>``),
        where it is left as typed."""
        if not space:
            return ""
        stripped = _strip_end(out)
        if self.first_before(at) == _BOUNDARY or (self.before(at).isspace() and not stripped):
            return ""
        return space


def _skip_spaces(text: str, pos: int) -> int:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos


def _strip_end(out: list[str]) -> bool:
    """Drop the spaces at the end of the text set so far; whether there were any."""
    stripped = False
    while out:
        kept = out[-1].rstrip()
        stripped = stripped or len(kept) < len(out[-1])
        if kept:
            out[-1] = kept
            return stripped
        out.pop()
    return stripped


def split_urls(text: str) -> list[tuple[str, bool]]:
    """Text cut into (piece, is_url) pairs, a URL's closing punctuation left outside it."""
    pieces: list[tuple[str, bool]] = []
    pos = 0
    for match in URL.finditer(text):
        url = match.group()
        trailer = _URL_TRAILER.search(url)
        if trailer:
            url = url[: trailer.start()]
        if match.start() > pos:
            pieces.append((text[pos : match.start()], False))
        pieces.append((url, True))
        pos = match.start() + len(url)
    if pos < len(text):
        pieces.append((text[pos:], False))
    return pieces


def url_break_points(url: str) -> list[str]:
    """The URL cut at the places a line may break, so the pieces can be joined with ``<wbr/>``."""
    cuts = {m.end() for m in _BREAK_AFTER.finditer(url)}
    cuts |= {m.start() for m in _BREAK_BEFORE.finditer(url)}
    # Never break inside the scheme ("https://") or right at the start.
    scheme_end = url.find("//") + 2
    points = sorted(c for c in cuts if scheme_end <= c < len(url) and c > 0)
    parts, last = [], 0
    for cut in points:
        if cut > last:
            parts.append(url[last:cut])
            last = cut
    parts.append(url[last:])
    return parts
