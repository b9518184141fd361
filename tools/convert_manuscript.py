#!/usr/bin/env python3
"""Rebuild the book's Markdown chapters from the damaged PDF text extraction.

Input:  ``../shared/source/manuscript-extracted.txt``; ``../shared/source/README.md`` documents
        every kind of damage, with line numbers, and how each is to be repaired.
Output: ``manuscript/NN-slug.md``, one file per essay (35).

What the converter does, following the README section by section:

* classifies every line of the extraction: titles, body lines (double spaced), footnote blocks
  (opened by a line of 49 spaces, or of 143 spaces for a note continued from the previous page),
  printed page numbers, and page-start lines (their one leading space is removed);
* moves the seven "glued" superscript markers back to the end of the previous line, and rejoins the
  hard-wrapped lines with the trailing-space convention (a line with a trailing space is joined with
  one space, a line without one is concatenated as it stands: compounds and split URLs);
* finds the 231 footnote markers in book order and writes them as ``[^N]``; removes the per-article
  references ``[1]``..``[9]`` of essays 6 and 27;
* recovers the paragraph breaks from the geometry of the justified, first-line-indented layout,
  measured with Times-Roman advance widths (embedded below; they are the Adobe core-14 Times-Roman
  metrics, identical to URW Nimbus Roman's; marker digits count as superscript at 0.6 size), plus
  the four wording-inferred breaks and the essay-20 list items;
* rebuilds the footnote definitions: numbered notes, 143-space continuations, unnumbered tails
  (``TK `` + words), cut-short notes (words + `` TK``) and lost notes (a fixed TK sentence); resolves
  U+FFFD and makes the two README §6 changes.

Everything else is kept verbatim. Only the standard library is needed.

Usage: python tools/convert_manuscript.py [--source PATH] [--out DIR] [--check]
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = ROOT.parent / "shared" / "source" / "manuscript-extracted.txt"
DEFAULT_OUT = ROOT / "manuscript"

# README §3: first line of each essay in the extraction, first and last note label.
ESSAYS = [
    (1, 1, 10), (247, 11, 16), (403, 17, 20), (570, 21, 26), (746, 27, 33),
    (935, 34, 40), (1109, 41, 45), (1287, 46, 52), (1463, 53, 59), (1640, 60, 65),
    (1809, 66, 71), (1947, 72, 76), (2108, 77, 83), (2266, 84, 89), (2405, 90, 96),
    (2557, 97, 102), (2694, 103, 110), (2872, 111, 117), (3048, 118, 122), (3226, 123, 128),
    (3391, 129, 134), (3537, 135, 140), (3703, 141, 147), (3929, 148, 155), (4095, 156, 162),
    (4248, 163, 169), (4417, 170, 178), (4586, 179, 185), (4750, 186, 191), (4898, 192, 197),
    (5054, 198, 204), (5214, 205, 211), (5386, 212, 218), (5548, 219, 225), (5717, 226, 231),
]


def _labels(*items: int | tuple[int, int]) -> set[int]:
    out: set[int] = set()
    for item in items:
        out.update(range(item[0], item[1] + 1) if isinstance(item, tuple) else (item,))
    return out


# README §6: the state of the footnote definitions.
LOST = _labels(61, 74, (76, 78), 80, 82, 87, 89, 91, (94, 96), (99, 108), 129, (132, 134), 137, 164,
               (176, 178), (183, 199))
CUT = _labels(58, 60, 62, 68, 70, 72, 73, 75, 79, 81, 84, 86, 88, 90, 98, 125, 128, 130, 135, 160, 162,
              163, 167, 175, 181, 182)
# Unnumbered tails (line -> label). The page rule gives all but two; those are set by content.
TAILS = {1637: 59, 1946: 71, 2265: 83, 2507: 93, 3495: 131, 3590: 136, 4414: 168}
TAIL_OVERRIDES = {3590: 136, 2507: 93}
LOST_TEXT = "TK: the text of this note is lost in the source."

# README §2: the seven lines that start with a marker belonging to the previous line.
GLUED_LINES = {259, 733, 1029, 1937, 2857, 3036, 3961}
# README §4: paragraph breaks inferred from wording (a break after these lines).
WORDING_BREAKS = {795, 1544, 3063, 3147}
# README §8: in essay 20 every list item "(1)", "2)", ... starts a paragraph.
LIST_ESSAY = 20

# Times-Roman advance widths (1/1000 em) for ASCII 32..126, and the few other characters of the body.
_W = [250, 333, 408, 500, 500, 833, 778, 180, 333, 333, 500, 564, 250, 333, 250, 278,
      500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 278, 278, 564, 564, 564, 444,
      921, 722, 667, 667, 722, 611, 556, 722, 722, 333, 389, 722, 611, 889, 722, 722,
      556, 722, 667, 556, 611, 722, 722, 944, 722, 722, 611, 333, 278, 333, 469, 500,
      333, 444, 500, 444, 500, 444, 333, 500, 500, 278, 278, 500, 278, 778, 500, 500,
      500, 500, 333, 389, 278, 500, 500, 722, 500, 500, 444, 480, 200, 480, 541]
WIDTH = {chr(32 + k): w for k, w in enumerate(_W)}
WIDTH.update({"\u2013": 500, "\u00f3": 500, "\u00e1": 444, "\ufffd": 667})
SUPERSCRIPT = 0.6

# README §4, in 1/1000 em. score(line) = its natural width + a space + the next line's first word.
FULL_MIN = 30270    # full lines that carry on score at least this much
INDENT_LOW = 27500  # an indented first line scores INDENT_LOW .. FULL_MIN


def text_width(s: str) -> float:
    return sum(WIDTH.get(ch, 500) for ch in s)


# ---------------------------------------------------------------------------------------------
# 1. Line classification (README §2)
# ---------------------------------------------------------------------------------------------
class Source:
    """The extraction's lines (1-based), each with a kind and a page number.

    Kinds: T title, TE title end (one space), E empty, B body, F footnote, FS footnote block
    separator (49 spaces), FC continued-note separator (143 spaces), PN printed page number,
    X a whitespace-only line (l.3913 and the file's last line).
    """

    def __init__(self, text: str):
        self.lines: list[str] = ["", *text.split("\n")]
        self.n = len(self.lines) - 1
        self.kind: dict[int, str] = {}
        self.page: dict[int, int] = {}
        self._classify()

    def _classify(self) -> None:
        lines, n = self.lines, self.n
        firsts = {first for first, _, _ in ESSAYS}
        mode, page = "body", 0
        for i in range(1, n + 1):
            s = lines[i]
            if i in firsts:
                mode = "title"
                if self.kind.get(i - 2) != "PN":  # essay 10 starts below the page number " 33"
                    page += 1
            self.page[i] = page
            if mode == "title":
                self.kind[i] = "TE" if s == " " else ("E" if s == "" else "T")
                if s == " ":
                    mode = "body"
                continue
            if s in (" " * 49, " " * 143):
                self.kind[i] = "FS" if len(s) == 49 else "FC"
                mode = "fn"
                continue
            if s.strip() in ("32", "33") and len(s) <= 4:
                self.kind[i] = "PN"
                mode, page = "body", page + 1
                self.page[i] = page
                continue
            if mode == "fn":
                nxt = lines[i + 1] if i < n else None
                # a page starts with a line that begins with one space and is double spaced
                page_start = re.match(r" \S", s) is not None and nxt == ""
                if not page_start:
                    self.kind[i] = "F" if s else "E"
                    continue
                mode = "body"
            if s == "":
                self.kind[i] = "E"
            elif not s.strip():
                self.kind[i] = "X"
            else:
                self.kind[i] = "B"
                if s.startswith(" "):  # a page-start line
                    page += 1
                    self.page[i] = page
        kinds = list(self.kind.values())
        assert kinds.count("FS") == 90 and kinds.count("FC") == 3
        assert kinds.count("TE") == 35 and kinds.count("PN") == 2 and page == 110
        assert lines.count("") - 1 == 2613  # the empty lines (lines[0] is a placeholder)


# ---------------------------------------------------------------------------------------------
# 2. Body lines and glued markers
# ---------------------------------------------------------------------------------------------
class Line:
    """One printed body line."""

    __slots__ = ("glued_after", "markers", "no", "orig", "space", "start", "text")

    def __init__(self, no: int, text: str, space: bool):
        self.no = no            # line number in the extraction
        self.orig = text        # the printed text, as measured for the layout
        self.text = text        # the text once stray references are removed
        self.space = space      # joined to the next line with a space
        self.glued_after = False  # the next line began with this line's marker
        self.markers: list[tuple[int, int, int]] = []  # (start, end, label) in self.text
        self.start = 0          # offset in the essay's joined text


def essay_index(line_no: int) -> int:
    return max(k for k, (first, _, _) in enumerate(ESSAYS) if first <= line_no)


def collect(src: Source) -> tuple[list[str], list[list[Line]]]:
    """Titles (lines joined) and the body lines of every essay."""
    titles: list[list[str]] = [[] for _ in ESSAYS]
    bodies: list[list[Line]] = [[] for _ in ESSAYS]
    glued = set()
    for i in range(1, src.n + 1):
        kind, raw = src.kind[i], src.lines[i]
        e = essay_index(i)
        if kind == "T":
            titles[e].append(raw.strip())
            continue
        if kind != "B":
            continue
        s = raw[1:] if raw.startswith(" ") else raw  # the page-start space is an artifact
        space = s.endswith(" ")
        s = s.rstrip(" ")
        if src.kind.get(i - 1) == "B" and not raw.startswith(" "):
            # a glued line ("11were", "37[4]. This", "26."): the superscript digits sat at the
            # end of the previous line; whatever follows them is this line's text
            glued.add(i)
            m = re.match(r"(\d+) ?(.*)$", s)
            assert m, (i, s)
            prev = bodies[e][-1]
            prev.orig = prev.text = prev.orig + m.group(1)
            prev.glued_after = True
            s = m.group(2)
            prev.space = s[:1].isalpha()
        bodies[e].append(Line(i, s, space))
    assert glued == GLUED_LINES, sorted(glued ^ GLUED_LINES)
    return [" ".join(t) for t in titles], bodies


# ---------------------------------------------------------------------------------------------
# 3. Stray per-article references (README §5: essays 6 and 27)
# ---------------------------------------------------------------------------------------------
STRAY_REF = re.compile(r" ?\[\d(?:, p\. 86)?\]|(?<= )3\] ")


def remove_stray_refs(bodies: list[list[Line]]) -> None:
    count = 0
    for essay in (6, 27):
        for ln in bodies[essay - 1]:
            ln.text, k = STRAY_REF.subn("", ln.text)
            count += k
    assert count == 16, count  # [1]..[7]; [1, p. 86], [2], 3], [4]..[9]


# ---------------------------------------------------------------------------------------------
# 4. Markers (README §5)
# ---------------------------------------------------------------------------------------------
def join_lines(lines: list[Line]) -> str:
    parts, pos = [], 0
    for ln in lines:
        ln.start = pos
        parts.append(ln.text + (" " if ln.space else ""))
        pos += len(parts[-1])
    return "".join(parts)


def marker_candidates(text: str, n: int) -> list[tuple[int, int]]:
    """Marker-like occurrences of the number n in text: (start, end)."""
    out = []
    for m in re.finditer(str(n), text):
        a, b = m.span()
        before = text[a - 1] if a else " "
        after = text[b] if b < len(text) else " "
        if after.isdigit() and (n, text[b:b + 3]) not in ((127, "128"), (156, "157")):
            continue  # part of a longer number; "security127128", "cars156157" are two markers
        if before.isdigit() and not ((n in (166, 211) and text[a - 4:a] in ("2020", "2021"))
                                     or (n, text[a - 3:a]) in ((128, "127"), (157, "156"))):
            continue  # part of a longer number, except a marker glued to a year or a marker
        if after == "%" or re.match(r"[.,]\d", text[b:b + 2]):
            continue  # 11%, 1.5
        if re.search(r"[$\d][.,]$", text[max(0, a - 2):a]) and not re.search(r"(19|20)\d\d\.$",
                                                                            text[max(0, a - 5):a]):
            continue  # $10, 3.5 (but "March 2021.11were" is a marker)
        if before.isalpha() or before.isdigit() or before in "\".)%,']":
            out.append((a, b))  # glued after a word or punctuation
        elif before == " " and (after in ".,:;" or after.isalpha() or text[a - 2:a - 1] == '"'):
            out.append((a, b))  # "equipment 49.", "Serbia" 115", "drinks ". 59This"
    return out


def find_markers(bodies: list[list[Line]]) -> list[str]:
    """Attach markers lo..hi of every essay to its lines; return the problems found."""
    problems = []
    for e, (_, lo, hi) in enumerate(ESSAYS):
        text = join_lines(bodies[e])
        found, pos = [], 0
        for n in range(lo, hi + 1):
            cands = [c for c in marker_candidates(text, n) if c[0] >= pos]
            if not cands:
                problems.append(f"marker {n} not found in essay {e + 1}")
                continue
            found.append((*cands[0], n))
            pos = cands[0][1]
        # the chosen occurrence must be the only marker-like one between its neighbours
        for k, (a, _, n) in enumerate(found):
            left = found[k - 1][1] if k else 0
            right = found[k + 1][0] if k + 1 < len(found) else len(text)
            others = [c for c in marker_candidates(text, n) if left <= c[0] < right and c[0] != a]
            if others:
                problems.append(f"marker {n} is ambiguous: {others}")
        for a, b, n in found:
            ln = next(ln for ln in bodies[e] if ln.start <= a < ln.start + len(ln.text))
            assert b <= ln.start + len(ln.text)
            ln.markers.append((a - ln.start, b - ln.start, n))
    return problems


# ---------------------------------------------------------------------------------------------
# 5. Paragraph breaks from the layout (README §4)
# ---------------------------------------------------------------------------------------------
def line_width(ln: Line) -> float:
    """Natural width of the printed line; marker digits are superscript."""
    marks = {k for a, b, _ in ln.markers for k in range(a, b)}
    w = sum(WIDTH.get(ch, 500) * (SUPERSCRIPT if k in marks else 1) for k, ch in enumerate(ln.text))
    return w + text_width(ln.orig) - text_width(ln.text)  # removed stray references were printed


def ends_sentence(ln: Line) -> bool:
    t = ln.text
    if ln.markers and ln.markers[-1][1] >= len(t.rstrip(".\"' ")):
        return True  # ends with a marker, possibly followed by punctuation
    if re.search(r"(?:\bSt|\b[A-Z])\.$", t):
        return False  # "St." or an initial such as "V."
    return re.search(r"[.!?;:]['\")]*$", t) is not None


def first_word(ln: Line) -> str:
    return ln.text.split(" ", 1)[0]


def paragraph_breaks(lines: list[Line], essay_no: int) -> dict[int, str]:
    """{i: reason} for every paragraph that ends after lines[i]."""
    n = len(lines)
    score = [line_width(lines[i]) + WIDTH[" "] + text_width(first_word(lines[i + 1])) if i + 1 < n else 0.0
             for i in range(n)]

    def possible(i: int) -> bool:
        """Could a paragraph end after line i at all?"""
        if i >= n - 1:
            return False
        cur, nxt = lines[i], lines[i + 1]
        if cur.glued_after or not cur.space or not nxt.text[:1].isupper():
            return False
        # the line ends a sentence (or with a marker), or it is short even for an indented
        # first line (essay 28 breaks off at "..., energy")
        return ends_sentence(cur) or score[i] < INDENT_LOW

    breaks: dict[int, str] = {}
    for i in range(n - 1):
        if lines[i].no in WORDING_BREAKS:
            breaks[i] = "wording"
        elif essay_no == LIST_ESSAY and re.match(r"\(?\d\) ", lines[i + 1].text):
            breaks[i] = "list"
        elif not possible(i):
            continue
        elif score[i] < (INDENT_LOW if i - 1 in breaks else FULL_MIN):
            breaks[i] = "short"  # the next word would still have fitted on the line
        elif i + 2 < n and INDENT_LOW <= score[i + 1] < FULL_MIN and not possible(i + 1):
            breaks[i] = "indent"  # the next line is short, yet its paragraph goes on
    return breaks


# ---------------------------------------------------------------------------------------------
# 6. Markdown for the body
# ---------------------------------------------------------------------------------------------
def render_line(ln: Line) -> str:
    t, out, pos = ln.text, [], 0
    for a, b, n in sorted(ln.markers):
        out.append(t[pos:a].rstrip(" "))  # a reference attaches to the preceding text
        out.append(f"[^{n}]")
        pos = b
        if t[pos:pos + 2] in (" .", " ,"):
            pos += 1  # '"2 . As' -> '"[^2]. As'
        elif t[pos:pos + 1].isalpha():
            out.append(" ")  # "11were" -> "[^11] were"
    out.append(t[pos:])
    return "".join(out)


def finish_paragraph(p: str) -> str:
    p = p.replace('buses .[^107].."', 'buses...[^107]"')  # the marker inside an ellipsis
    p = re.sub(r"(\[\^\d+\]) ([.,])", r"\1\2", p)  # 'services"202' + '. At the meeting'
    p = p.replace("Vyso\ufffdina", "Vyso\u010dina")  # README §7
    p = re.sub(r" {2,}", " ", p).strip()
    # nothing may read as Markdown block syntax: "2) taking" -> "2\) taking"
    m = re.match(r"(\d+)([.)])\s", p)
    if m:
        p = m.group(1) + "\\" + p[m.end(1):]
    elif re.match(r"[#>*+-](\s|$)", p):
        p = "\\" + p
    return p


# ---------------------------------------------------------------------------------------------
# 7. Footnote definitions (README §2, §6, §7)
# ---------------------------------------------------------------------------------------------
NOTE_START = re.compile(r" ?(\d{1,3}) +(.*)$")


def collect_notes(src: Source, page_markers: dict[int, list[int]]):
    """({label: raw lines}, numbered labels in order, {tail line: label})."""
    flines = [i for i in range(1, src.n + 1) if src.kind[i] == "F" and src.lines[i].strip()]
    # numbered definitions increase, so continuation lines such as "2025 [Electronic" are not taken
    starts, last = {}, 0
    for i in flines:
        m = NOTE_START.match(src.lines[i])
        if m and last < int(m.group(1)) <= min(231, last + 60):
            starts[i] = last = int(m.group(1))
    numbered = set(starts.values())
    notes: dict[int, list[str]] = {}
    tails: dict[int, int] = {}
    current = 0
    for i in flines:
        s = src.lines[i]
        if i in starts:
            current = starts[i]
            notes[current] = [s[NOTE_START.match(s).start(2):]]
        elif s.startswith(" "):
            # an unnumbered tail after lost lines: the last marker of its page without a numbered
            # definition, unless the content says otherwise
            cands = [n for n in page_markers.get(src.page[i], []) if n not in numbered]
            current = TAIL_OVERRIDES.get(i, cands[-1] if cands else 0)
            assert current, i
            tails[i] = current
            notes[current] = [s[1:]]
        else:
            # a continuation line; after a 143-space line it continues the previous page's last note
            notes[current].append(s)
    return notes, list(starts.values()), tails


def join_note(lines: list[str]) -> str:
    return "".join(s.rstrip(" ") + (" " if s.endswith(" ") else "") for s in lines)


def fix_note(n: int, t: str) -> str:
    t = re.sub(r" {2,}", " ", t.strip())
    if n == 111:  # "111  . Matijevski": the stray ". " is dropped
        assert t.startswith(". Matijevski"), t
        t = t[2:]
    t = t.replace("\u2013 \ufffd. ", "\u2013 P. ").replace("prablematyk\ufffd", "prablematyki")
    if n in (110, 145, 218):  # Latin "C." for the page abbreviation
        assert "\u2013 C. " in t, (n, t)
        t = t.replace("\u2013 C. ", "\u2013 P. ")
    assert "\ufffd" not in t, (n, t)
    return t


def build_notes(src: Source, page_markers: dict[int, list[int]]) -> dict[int, str]:
    raw, numbered, tails = collect_notes(src, page_markers)
    assert tails == TAILS, tails
    assert set(numbered) == set(range(1, 232)) - LOST - set(TAILS.values())
    assert set(numbered) >= CUT
    defs = {}
    for n in range(1, 232):
        if n in LOST:
            defs[n] = LOST_TEXT
            continue
        t = fix_note(n, join_note(raw[n]))
        if n in tails.values():
            defs[n] = "TK " + t
        elif n in CUT:
            defs[n] = t + " TK"
        else:
            defs[n] = t
    return defs


# ---------------------------------------------------------------------------------------------
# 8. Assembly
# ---------------------------------------------------------------------------------------------
def file_name(k: int, title: str) -> str:
    head = title.split(":", 1)[0] if ":" in title else " ".join(title.split()[:4])
    return f"{k:02d}-{re.sub(r'[^a-z0-9]+', '-', head.lower()).strip('-')}.md"


def convert(source: Path) -> tuple[list[tuple[str, str]], list[str], dict]:
    src = Source(source.read_text(encoding="utf-8"))
    titles, bodies = collect(src)
    remove_stray_refs(bodies)
    problems = find_markers(bodies)
    page_markers: dict[int, list[int]] = {}
    for ln in (ln for lines in bodies for ln in lines):
        for _, _, n in ln.markers:
            page_markers.setdefault(src.page[ln.no], []).append(n)
    defs = build_notes(src, page_markers)
    chapters = []
    stats: dict = {"paragraphs": 0, "breaks": {}}
    for e, (_, lo, hi) in enumerate(ESSAYS):
        lines = bodies[e]
        breaks = paragraph_breaks(lines, e + 1)
        paragraphs, current = [], ""
        for i, ln in enumerate(lines):
            current += render_line(ln)
            if i in breaks or i == len(lines) - 1:
                paragraphs.append(finish_paragraph(current))
                current = ""
            elif ln.space:
                current += " "
        paragraphs = [p for p in paragraphs if p]
        stats["paragraphs"] += len(paragraphs)
        for reason in breaks.values():
            stats["breaks"][reason] = stats["breaks"].get(reason, 0) + 1
        title = re.sub(r"\s+", " ", titles[e]).strip()  # also collapses "between  regions"
        notes = [f"[^{n}]: {defs[n]}" for n in range(lo, hi + 1)]
        chapters.append((file_name(e + 1, title), "\n\n".join([f"# {title}", *paragraphs, *notes]) + "\n"))
    return chapters, problems, stats


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Rebuild manuscript/*.md from the damaged PDF extraction.")
    ap.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--check", action="store_true", help="report only, write nothing")
    args = ap.parse_args(argv)
    chapters, problems, stats = convert(args.source)
    for p in problems:
        print("problem:", p, file=sys.stderr)
    breaks = stats["breaks"]
    print(f"{len(chapters)} chapters, {stats['paragraphs']} paragraphs, "
          f"{sum(breaks.values())} breaks inside essays {breaks}")
    if problems:
        return 1
    if not args.check:
        args.out.mkdir(parents=True, exist_ok=True)
        for name, text in chapters:
            (args.out / name).write_text(text, encoding="utf-8", newline="\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
