"""The Markdown chapters in ``manuscript/`` are a faithful conversion of the damaged extraction.

The source is ``shared/source/manuscript-extracted.txt`` (documented in ``shared/source/README.md``).
These tests read it independently of the converter and of the ``publish`` package (stdlib + pytest).

The central check (``test_body_text_matches_extraction``, ``test_notes_match_extraction``) walks the
extraction and the Markdown side by side as streams of non-space characters: they must be identical,
character for character, once the documented repairs are applied to the extraction and each
``[^N]`` reference is read back as the bare marker digits ``N`` it replaces. Word boundaries must
agree too: wherever the extraction has a space between two characters the Markdown must have one
and vice versa, except next to a marker (``growth 1.`` -> ``growth[^1].``, ``11were`` -> ``[^11] were``).
So the same words appear in the same order, with the markers at the same places.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[2] / "shared" / "source" / "manuscript-extracted.txt"
MANUSCRIPT = Path(__file__).resolve().parents[1] / "manuscript"

# README §3: (title, first line in the extraction, first note, last note).
ESSAYS = [
    ("Belarus: attracting foreign investment as a topical media issue", 1, 1, 10),
    ("Belarus: new residents, new projects", 247, 11, 16),
    ("Belarus: the goal is to create innovative cities and regions", 403, 17, 20),
    ("Vitebsk region: emphasis on innovation", 570, 21, 26),
    ("Belarusian Universal Commodity Exchange: the priority of interaction - Russian regions", 746, 27, 33),
    ("Belarus-Russia: export orientation", 935, 34, 40),
    ("Belarus - Tatarstan: from cooperative ties - to growth of trade turnover", 1109, 41, 45),
    ("Belarus-Kazakhstan: Priority of partnership - agriculture", 1287, 46, 52),
    ("Belarus - Tajikistan: In line with the positive dynamics of cooperation", 1463, 53, 59),
    ("Lisbon-Vladivostok Business Initiative: Toward a Common Economic Space", 1640, 60, 65),
    ("Belarus-European Union: Regional Component of Cooperation", 1809, 66, 71),
    ("Belarus-Czech Republic: industrial cooperation and cooperation between regions", 1947, 72, 76),
    ("Belarus-Poland: town twinning as a powerful factor in the development of international cooperation "
     "of regions", 2108, 77, 83),
    ("Belarus - Italy: reserve - scientific and technological cooperation", 2266, 84, 89),
    ("Belarus-Germany: potential for cooperation in the regions", 2405, 90, 96),
    ("Belarus-Hungary: partnership vector - agriculture", 2557, 97, 102),
    ("Belarus-Hungary: the partnership agenda is determined by the business community", 2694, 103, 110),
    ("Belarus-Serbia: priority - science and innovation", 2872, 111, 117),
    ("Belarus-Turkey: the aim is to intensify scientific and technical cooperation", 3048, 118, 122),
    ("Global Data Security Initiative as a response to challenges in cyberspace", 3226, 123, 128),
    ("Belarus-China: towards new technologies and investments", 3391, 129, 134),
    ("Minsk - Shanghai: the vector of twinning ties", 3537, 135, 140),
    ("Belarus-China: The Year of Regions as a Topical media topic", 3703, 141, 147),
    ("Belarus-Bangladesh: joint commission outlines prospects", 3929, 148, 155),
    ("Belarus-Mongolia: from general agreement to road map", 4095, 156, 162),
    ("Belarus-Iran: Priority - restoration of partner relations", 4248, 163, 169),
    ("Belarus-Pakistan: the key task is to realize the potential of cooperation", 4417, 170, 178),
    ("Belarus-Africa: new benchmarks for joint projects", 4586, 179, 185),
    ("Belarus-Kenya: promising points of growth are outlined", 4750, 186, 191),
    ("Belarus - Organization for Security and Cooperation in Europe: Project for Sustainable Development "
     "and Prosperity", 4898, 192, 197),
    ("Belarus - Shanghai Cooperation Organization: interaction with a focus on economic projects", 5054, 198, 204),
    ("Belarus - International Atomic Energy Agency: Interaction with a view to strengthening cooperation",
     5214, 205, 211),
    ("Belarus-World Bank: Interaction in the Epidemic", 5386, 212, 218),
    ("Belarus-United Nations Industrial Development Organization: New Program to Expand Cooperation",
     5548, 219, 225),
    ("Belarus-World Trade Organization: The goal of the campaign is to inform the population and business "
     "entities", 5717, 226, 231),
]

# README §3 per-essay body word counts (Markdown body text, references attached to words).
BODY_WORDS = [1162, 740, 775, 804, 908, 826, 770, 785, 743, 786, 590, 786, 763, 631, 755, 699, 882, 738,
              771, 709, 748, 747, 1031, 702, 643, 770, 732, 837, 773, 787, 708, 745, 687, 652, 822]


def _labels(*items: int | tuple[int, int]) -> set[int]:
    out: set[int] = set()
    for item in items:
        out.update(range(item[0], item[1] + 1) if isinstance(item, tuple) else (item,))
    return out


# README §6.
LOST = _labels(61, 74, (76, 78), 80, 82, 87, 89, 91, (94, 96), (99, 108), 129, (132, 134), 137, 164,
               (176, 178), (183, 199))
CUT = _labels(58, 60, 62, 68, 70, 72, 73, 75, 79, 81, 84, 86, 88, 90, 98, 125, 128, 130, 135, 160, 162,
              163, 167, 175, 181, 182)
TAILS = _labels(59, 71, 83, 93, 131, 136, 168)
LOST_TEXT = "TK: the text of this note is lost in the source."

REF = re.compile(r"\[\^(\d+)\]")
DEF = re.compile(r"^\[\^(\d+)\]: (.*)$")
URL = re.compile(r"(?:https?://|www\.)\S+")


# ---------------------------------------------------------------------------------------------
# Reading the Markdown
# ---------------------------------------------------------------------------------------------
class Chapter:
    def __init__(self, path: Path):
        self.path = path
        self.text = path.read_text(encoding="utf-8")
        blocks = self.text.rstrip("\n").split("\n\n")
        self.heading = blocks[0]
        self.paragraphs = [b for b in blocks[1:] if not DEF.match(b)]
        self.definitions = {}
        for block in blocks[1:]:
            m = DEF.match(block)
            if m:
                assert int(m.group(1)) not in self.definitions, f"{path.name}: note {m.group(1)} defined twice"
                self.definitions[int(m.group(1))] = m.group(2)
        self.body = " ".join(self.paragraphs)


@cache
def chapters() -> tuple[Chapter, ...]:
    paths = sorted(p for p in MANUSCRIPT.glob("*.md") if re.match(r"\d\d-", p.name))
    return tuple(Chapter(p) for p in paths)


# ---------------------------------------------------------------------------------------------
# Reading the extraction (independently of the converter)
# ---------------------------------------------------------------------------------------------
class Extraction:
    """The extraction split into titles, body lines and footnote lines (README §2)."""

    def __init__(self, text: str):
        lines = text.split("\n")
        self.lines = lines
        firsts = {first - 1: k for k, (_, first, _, _) in enumerate(ESSAYS)}  # 0-based
        self.titles = [[] for _ in ESSAYS]
        self.body = [[] for _ in ESSAYS]  # per essay: (line number, text)
        self.notes = []  # (line number, text) in file order
        essay, mode = -1, "body"
        for i, s in enumerate(lines):
            nxt = lines[i + 1] if i + 1 < len(lines) else None
            if i in firsts:
                essay, mode = firsts[i], "title"
            if mode == "title":
                if s == " ":
                    mode = "body"
                elif s:
                    self.titles[essay].append(s.strip())
                continue
            if s.strip() in ("32", "33") and len(s) <= 4:  # printed page numbers
                mode = "body"
                continue
            if s in (" " * 49, " " * 143):  # a footnote block (or a continued note) begins
                mode = "notes"
                self.notes.append((i + 1, " "))  # a page's notes never run on into the next page's
                continue
            page_start = re.match(r" \S", s) is not None and nxt == ""
            if mode == "notes" and not page_start:
                if s.strip():
                    self.notes.append((i + 1, s))
                continue
            mode = "body"
            if s.strip():
                self.body[essay].append((i + 1, s[1:] if s.startswith(" ") else s))

    @staticmethod
    def join(lines: list[str]) -> str:
        """Rejoin hard-wrapped lines: a trailing space means one space, none means concatenation."""
        return "".join(s.rstrip(" ") + (" " if s.endswith(" ") else "") for s in lines)


@cache
def extraction() -> Extraction:
    if not SOURCE.is_file():
        pytest.skip(f"the source extraction is not available at {SOURCE}")
    return Extraction(SOURCE.read_text(encoding="utf-8"))


def repaired_body(k: int) -> str:
    """Essay k's body text with the documented repairs (README §2, §5, §7) applied."""
    text = Extraction.join([s for _, s in extraction().body[k]])
    if k + 1 in (6, 27):  # stray per-article references [1]..[9], "3]" and "[1, p. 86]"
        text, count = re.subn(r" ?\[\d(?:, p\. 86)?\]|(?<= )3\] ", "", text)
        assert count == (7 if k + 1 == 6 else 9)
    text = text.replace('buses .107.."', 'buses...107"')  # marker inside an ellipsis
    return text.replace("Vyso\ufffdina", "Vyso\u010dina")


def repaired_notes() -> str:
    """All footnote text of the extraction in file order, with the documented changes (README §6, §7)."""
    text = Extraction.join([s for _, s in extraction().notes])
    text = text.replace("111  . Matijevski", "111 Matijevski")
    text = text.replace("\u2013 \ufffd. ", "\u2013 P. ").replace("prablematyk\ufffd", "prablematyki")
    return text


# ---------------------------------------------------------------------------------------------
# Stream comparison
# ---------------------------------------------------------------------------------------------
def stream(text: str, markers: bool) -> list[tuple[str, bool, bool]]:
    """Non-space characters as (char, preceded by whitespace, is a marker digit).

    With ``markers``, ``[^N]`` is read as the digits N flagged as a marker, and Markdown
    backslash escapes are dropped.
    """
    out: list[tuple[str, bool, bool]] = []
    space = False
    i = 0
    while i < len(text):
        ch = text[i]
        if markers:
            m = REF.match(text, i)
            if m:
                out.extend((d, space and j == 0, True) for j, d in enumerate(m.group(1)))
                space = False
                i = m.end()
                continue
            if ch == "\\" and i + 1 < len(text) and not text[i + 1].isspace():
                i += 1
                continue
        if ch.isspace():
            space = True
        else:
            out.append((ch, space, False))
            space = False
        i += 1
    return out


def compare(source: str, markdown: str, what: str) -> None:
    src = stream(source, markers=False)
    md = stream(markdown, markers=True)
    src_chars = "".join(c for c, _, _ in src)
    md_chars = "".join(c for c, _, _ in md)
    if src_chars != md_chars:
        at = next((i for i, (a, b) in enumerate(zip(src_chars, md_chars, strict=False)) if a != b),
                  min(len(src_chars), len(md_chars)))
        pytest.fail(f"{what}: text differs from the extraction at character {at}:\n"
                    f"  extraction: ...{src_chars[max(0, at - 60):at + 40]}\n"
                    f"  markdown:   ...{md_chars[max(0, at - 60):at + 40]}")
    for i, ((ch, s_space, _), (_, m_space, m_marker)) in enumerate(zip(src, md, strict=True)):
        if i == 0 or m_marker or md[i - 1][2]:
            continue  # spacing next to a marker is the conversion's business
        if s_space != m_space:
            pytest.fail(f"{what}: word boundary differs at character {i}: extraction "
                        f"{'has' if s_space else 'has no'} space before {ch!r} in "
                        f"...{src_chars[max(0, i - 50):i]}|{src_chars[i:i + 30]}")


# ---------------------------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------------------------
def test_chapter_files() -> None:
    found = [c.path.name for c in chapters()]
    assert len(found) == 35
    for k, (name, (title, *_)) in enumerate(zip(found, ESSAYS, strict=True), start=1):
        match = re.fullmatch(rf"{k:02d}-([a-z0-9]+(?:-[a-z0-9]+)*)\.md", name)
        assert match, name
        title_words = set(re.sub(r"[^a-z0-9]+", " ", title.lower()).split())
        assert set(match.group(1).split("-")) <= title_words, (name, title)


def test_markdown_layout() -> None:
    for c in chapters():
        raw = c.path.read_bytes()
        assert raw.endswith(b"\n") and not raw.endswith(b"\n\n"), c.path.name
        assert b"\r" not in raw and not raw.startswith(b"\xef\xbb\xbf"), c.path.name
        assert "\n\n\n" not in c.text, c.path.name
        for n, line in enumerate(c.text.split("\n"), start=1):
            assert line == line.rstrip(), f"{c.path.name}:{n}: trailing whitespace"
        blocks = c.text.rstrip("\n").split("\n\n")
        assert all("\n" not in b for b in blocks), f"{c.path.name}: a paragraph is hard-wrapped"
        # body paragraphs first, then every definition, in label order
        kinds = [bool(DEF.match(b)) for b in blocks[1:]]
        assert kinds == sorted(kinds), f"{c.path.name}: definitions must follow the body"
        assert list(c.definitions) == sorted(c.definitions), c.path.name
        for p in c.paragraphs:
            # nothing that Markdown would read as a heading, list, quote, code block or link
            assert not re.match(r"(#|>|[*+-]\s|\d+[.)]\s| {4}|\t)", p), f"{c.path.name}: {p[:40]!r}"
            assert not re.search(r"\]\(|\]\[(?!\^)|\]: ", p), f"{c.path.name}: link syntax in {p[:60]!r}"


def test_paragraphs() -> None:
    paragraphs = [p for c in chapters() for p in c.paragraphs]
    assert len(paragraphs) == 203  # README §4: 168 breaks inside the 35 essays
    for p in paragraphs:
        assert re.match(r'[A-Z"(]|\d\\\)', p), p[:40]


def test_titles() -> None:
    for c, (title, *_) in zip(chapters(), ESSAYS, strict=True):
        assert c.heading == f"# {title}"


def test_titles_match_extraction() -> None:
    for k, (title, *_) in enumerate(ESSAYS):
        assert re.sub(r"\s+", " ", " ".join(extraction().titles[k])) == title


def test_note_labels_per_chapter() -> None:
    refs_book: list[int] = []
    defs_book: list[int] = []
    for c, (_, _, lo, hi) in zip(chapters(), ESSAYS, strict=True):
        refs = [int(n) for n in REF.findall(c.body)]
        assert refs == list(range(lo, hi + 1)), f"{c.path.name}: references {refs}"
        assert sorted(c.definitions) == list(range(lo, hi + 1)), f"{c.path.name}: definitions"
        assert not any(REF.search(d) for d in c.definitions.values())
        refs_book += refs
        defs_book += list(c.definitions)
    assert sorted(refs_book) == list(range(1, 232))  # each label referenced exactly once
    assert sorted(defs_book) == list(range(1, 232))  # and defined exactly once


def test_body_word_counts() -> None:
    counts = [len(c.body.split()) for c in chapters()]
    assert counts == BODY_WORDS
    assert sum(counts) == 27007


@pytest.mark.parametrize("k", range(35), ids=[f"essay{k + 1:02d}" for k in range(35)])
def test_body_text_matches_extraction(k: int) -> None:
    compare(repaired_body(k), chapters()[k].body, chapters()[k].path.name)


def test_markers_are_in_extraction_order() -> None:
    # the references read back as digits are exactly the labels, in order, in every essay
    for k, c in enumerate(chapters()):
        digits = "".join(ch for ch, _, marker in stream(c.body, markers=True) if marker)
        assert digits == "".join(str(n) for n in range(ESSAYS[k][2], ESSAYS[k][3] + 1))


def markdown_notes_as_source() -> str:
    """The definitions of the whole book, in label order, as they read in the extraction.

    Numbered notes get their number back; tails ("TK " + words) have none; lost notes have no text;
    the " TK" of a cut note is dropped; "P." for Latin "C." (notes 110, 145, 218) is undone.
    """
    parts = []
    defs = {n: d for c in chapters() for n, d in c.definitions.items()}
    for n in range(1, 232):
        text = defs[n]
        if n in LOST:
            continue
        if n in TAILS:
            parts.append(text.removeprefix("TK "))
            continue
        text = text.removesuffix(" TK") if n in CUT else text
        if n in (110, 145, 218):
            text = text.replace("\u2013 P. ", "\u2013 C. ")
        parts.append(f"{n} {text}")
    return " ".join(parts)


def test_notes_match_extraction() -> None:
    compare(repaired_notes(), markdown_notes_as_source(), "footnote definitions")


def test_tk_queries() -> None:
    defs = {n: d for c in chapters() for n, d in c.definitions.items()}
    with_tk = {n for n, d in defs.items() if re.search(r"\bTK\b", d)}
    lost = {n for n, d in defs.items() if d == LOST_TEXT}
    cut = {n for n, d in defs.items() if d.endswith(" TK")}
    tails = {n for n, d in defs.items() if d.startswith("TK ")}
    assert len(with_tk) == 82
    assert lost == LOST and len(lost) == 49
    assert cut == CUT and len(cut) == 26
    assert tails == TAILS and len(tails) == 7
    assert with_tk == lost | cut | tails
    for n in cut | tails:
        assert len(defs[n].replace("TK", "").split()) >= 1  # surviving words are kept


def test_urls() -> None:
    text = "\n".join(c.text for c in chapters())
    urls = URL.findall(text)
    assert len(urls) == 144
    assert sum(1 for u in urls if re.match(r"https?://", u)) == 143  # plus www.unido.ru/overview/unido/
    for u in urls:
        assert re.fullmatch(r"[A-Za-z0-9._~:/?#@!$&'()*+,;=%-]+", u), u
        assert not re.search(r"\s", u)
    assert "<http" not in text and "<www" not in text  # bare URLs stay plain text
    # the URLs are those of the extraction, rejoined across lines (README §2)
    assert "http://president.gov.by/ru/search_ru/getExtendedResults/?query=&search_type=type_all_words" \
           "&group=0&from_day=10&from_month=6&from_year=2018&to_day=10&to_month=6&to_year=2018" \
           "&search_type_sort=desc&search_ok.x=31&search_ok.y=5&search_mode=&search_node=news" \
           "&search_node_id=374&search_title_name=events" in urls
    assert any(u.endswith("-mediko-farmatsevticheskogo-klastera-303786-2018/") for u in urls)
    assert any(u.endswith("/cKNonkJE02Bw/content/id/4335948") for u in urls)
    assert any(u.endswith("-shulgan-432843-2021/") for u in urls)


def test_no_replacement_character() -> None:
    for c in chapters():
        assert "\ufffd" not in c.text, c.path.name
    assert "Vyso\u010dina" in chapters()[11].body
    defs = {n: d for c in chapters() for n, d in c.definitions.items()}
    for n in (2, 6, 13, 20, 27, 42, 53, 66, 92, 118, 147, 169, 170, 205, 110, 145, 218):
        assert re.search(r"\u2013 P\. \d", defs[n]), n
    assert defs[111].startswith("Matijevski, M. ")
    assert "prablematyki" in defs[147]


def test_kept_verbatim() -> None:
    """Anomalies the README (§5, §8) says the conversion must not fix."""
    body = " ".join(c.body for c in chapters())
    for kept in ('were registered in March 2021.[^11] were registered in March 2021 as residents',
                 "named after P. Masherov. Masherov.", "THE MAIN EXPORT IS WOOD-WOOD-BOARDS.",
                 "agricultural sectors, energy", "Delcom40", 'buses...[^107]"', "For this[^126] reason",
                 "The[^230] yellow basket", "world[^204] the IT sphere", "[2021]", "[2019]", "[2018]",
                 "[2020]", "[Ghana]", "< >", "<...>", 'increased by 48%" .', "security[^127][^128].",
                 "cars[^156][^157].", "in 2020[^166].", "for 2021[^211].", 'as well"[^2]. As'):
        assert kept in body, kept
    assert "\u201c" not in body and "\u2014" not in body  # no typographic refinement in the source
