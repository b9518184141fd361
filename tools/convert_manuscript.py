#!/usr/bin/env python3
"""Rebuild the book's Markdown chapters from the damaged PDF text extraction.

Input:  ``shared/source/manuscript-extracted.txt`` (see ``shared/source/README.md``,
        which documents every kind of damage with line numbers).
Output: ``manuscript/NN-slug.md`` (35 chapters).

What the converter does, following the README section by section:

* classifies every line of the extraction: title lines, body lines (double
  spaced), footnote blocks (opened by a 49- or 143-space line), page numbers,
  page-start lines (one leading space, removed);
* re-attaches the seven "glued" superscript markers to the end of the previous
  line and rejoins hard-wrapped lines with the trailing-space convention
  (a line with a trailing space is joined with one space, a line without one is
  concatenated as it stands);
* finds the 231 footnote markers in book order and writes them as ``[^N]``;
  removes the per-article references ``[1]``..``[9]`` of essays 6 and 27;
* recovers paragraph breaks from the geometry of the justified layout with
  Times-Roman advance widths (embedded below, identical to the Adobe core-14
  Times-Roman / URW Nimbus Roman metrics; markers are superscript at 0.6 size),
  plus the four wording-inferred breaks and the essay-20 list items;
* rebuilds the footnote definitions: numbered notes, 143-space continuations,
  unnumbered tails (``TK `` + words), cut-short notes (words + `` TK``) and lost
  notes (a fixed TK sentence); resolves U+FFFD and the two README §6 changes.

Everything else is kept verbatim. Run with ``--check`` to print diagnostics only.

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

# --------------------------------------------------------------------------
# Book structure (README §3): first line of each essay and its note range.
# --------------------------------------------------------------------------
ESSAYS = [  # (first line, first note, last note)
    (1, 1, 10), (247, 11, 16), (403, 17, 20), (570, 21, 26), (746, 27, 33),
    (935, 34, 40), (1109, 41, 45), (1287, 46, 52), (1463, 53, 59), (1640, 60, 65),
    (1809, 66, 71), (1947, 72, 76), (2108, 77, 83), (2266, 84, 89), (2405, 90, 96),
    (2557, 97, 102), (2694, 103, 110), (2872, 111, 117), (3048, 118, 122),
    (3226, 123, 128), (3391, 129, 134), (3537, 135, 140), (3703, 141, 147),
    (3929, 148, 155), (4095, 156, 162), (4248, 163, 169), (4417, 170, 178),
    (4586, 179, 185), (4750, 186, 191), (4898, 192, 197), (5054, 198, 204),
    (5214, 205, 211), (5386, 212, 218), (5548, 219, 225), (5717, 226, 231),
]


def _ranges(*items):
    out = set()
    for it in items:
        if isinstance(it, tuple):
            out.update(range(it[0], it[1] + 1))
        else:
            out.add(it)
    return out


# README §6
LOST = _ranges(61, 74, (76, 78), 80, 82, 87, 89, 91, (94, 96), (99, 108), 129,
               (132, 134), 137, 164, (176, 178), (183, 199))
CUT = {58, 60, 62, 68, 70, 72, 73, 75, 79, 81, 84, 86, 88, 90, 98, 125, 128, 130,
       135, 160, 162, 163, 167, 175, 181, 182}
# Unnumbered tails: line of the tail -> note (page rule, with the content overrides).
TAILS = {1637: 59, 1946: 71, 2265: 83, 2507: 93, 3495: 131, 3590: 136, 4414: 168}
TAIL_OVERRIDES = {3590: 136, 2507: 93}  # by content (README §6)
LOST_TEXT = "TK: the text of this note is lost in the source."

GLUED_LINES = {259, 733, 1029, 1937, 2857, 3036, 3961}
# Wording-inferred paragraph breaks (README §4): break after these lines.
WORDING_BREAKS = {795, 1544, 3063, 3147}
# Essay 20: the list items each start a paragraph (README §8).
LIST_ESSAY = 20

# Times-Roman advance widths (1/1000 em) for ASCII 32..126, plus a few others.
_ASCII = ''.join(chr(c) for c in range(32, 127))
_W = [250, 333, 408, 500, 500, 833, 778, 180, 333, 333, 500, 564, 250, 333, 250, 278,
      500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 278, 278, 564, 564, 564, 444,
      921, 722, 667, 667, 722, 611, 556, 722, 722, 333, 389, 722, 611, 889, 722, 722,
      556, 722, 667, 556, 611, 722, 722, 944, 722, 722, 611, 333, 278, 333, 469, 500,
      333, 444, 500, 444, 500, 444, 333, 500, 500, 278, 278, 500, 278, 778, 500, 500,
      500, 500, 333, 389, 278, 500, 500, 722, 500, 500, 444, 480, 200, 480, 541]
WIDTH = dict(zip(_ASCII, _W))
WIDTH.update({"\u2013": 500, "\u00f3": 500, "\u00e1": 444, "\ufffd": 667})
SUPERSCRIPT = 0.6

# Layout thresholds (README §4), in 1/1000 em.
FULL_MIN = 30270      # full lines that carry on score at least this much
INDENT_LOW = 27500    # an indented first line is short: INDENT_LOW..INDENT_HIGH
INDENT_HIGH = 30250


def text_width(s: str) -> int:
    return sum(WIDTH.get(ch, 500) for ch in s)


# --------------------------------------------------------------------------
# 1. Line classification
# --------------------------------------------------------------------------
class Source:
    def __init__(self, text: str):
        self.lines = [None] + text.split("\n")  # 1-based
        self.n = len(self.lines) - 1
        self.kind = {}
        self._classify()

    def _classify(self):
        L, n = self.lines, self.n
        firsts = {e[0] for e in ESSAYS}
        mode = "body"
        for i in range(1, n + 1):
            s = L[i]
            if i in firsts:
                mode = "title"
            if mode == "title":
                self.kind[i] = "TE" if s == " " else ("E" if s == "" else "T")
                if s == " ":
                    mode = "body"
                continue
            if re.fullmatch(r" {49}", s):
                self.kind[i] = "FS"
                mode = "fn"
                continue
            if re.fullmatch(r" {143}", s):
                self.kind[i] = "FC"  # continuation of the previous page's last note
                mode = "fn"
                continue
            if s.strip() in ("32", "33") and len(s) <= 4:
                self.kind[i] = "PN"
                mode = "body"
                continue
            if mode == "fn":
                nxt = L[i + 1] if i + 1 <= n else ""
                page_start = (re.match(r" \S", s) is not None and nxt == "")
                if s == "":
                    self.kind[i] = "E"
                    continue
                if not page_start:
                    self.kind[i] = "F"
                    continue
                mode = "body"
            if s == "":
                self.kind[i] = "E"
            elif s.strip() == "":
                self.kind[i] = "X"  # l.3913: stray empty paragraph; l.n: last lone space
            else:
                self.kind[i] = "B"
        # sanity checks against the README
        ks = list(self.kind.values())
        assert ks.count("FS") == 90 and ks.count("FC") == 3, "footnote separators"
        assert sum(1 for i in range(1, n + 1) if L[i] == "") == 2613
        assert ks.count("TE") == 35 and ks.count("PN") == 2


# --------------------------------------------------------------------------
# 2. Body lines, glued markers
# --------------------------------------------------------------------------
class Line:
    __slots__ = ("no", "orig", "text", "space", "glued_after", "markers", "start")

    def __init__(self, no, text, space):
        self.no = no          # line number in the extraction
        self.orig = text      # printed text (without page-start space / trailing spaces)
        self.text = text
        self.space = space    # joined to the next line with a space?
        self.glued_after = False  # the next line was a glued marker line
        self.markers = []     # (start, end, label) in self.text
        self.start = 0


def essay_of_line(no):
    k = 0
    for idx, e in enumerate(ESSAYS):
        if e[0] <= no:
            k = idx
    return k


def collect(src: Source):
    L = src.lines
    titles = [[] for _ in ESSAYS]
    bodies = [[] for _ in ESSAYS]
    glued_seen = set()
    for i in range(1, src.n + 1):
        k = src.kind[i]
        e = essay_of_line(i)
        if k == "T":
            titles[e].append(L[i].strip())
        elif k == "B":
            s = L[i]
            if s.startswith(" "):
                s = s[1:]  # page-start artifact
            space = s.endswith(" ")
            s = s.rstrip(" ")
            prev_kind = src.kind.get(i - 1)
            if prev_kind == "B" and not L[i].startswith(" "):
                # a glued line: the marker belongs at the end of the previous line
                glued_seen.add(i)
                m = re.match(r"(\d+)( ?)(.*)$", s)
                assert m, (i, s)
                prev = bodies[e][-1]
                # only the superscript digits sat on the previous line
                prev.orig = prev.text = prev.orig + m.group(1)
                prev.glued_after = True
                s = m.group(3)
                prev.space = s[:1].isalpha()
            bodies[e].append(Line(i, s, space))
    assert glued_seen == GLUED_LINES, sorted(glued_seen ^ GLUED_LINES)
    titles = [re.sub(r"\s+", " ", " ".join(t)).strip() for t in titles]
    return titles, bodies


# --------------------------------------------------------------------------
# 3. Stray per-article references (essays 6 and 27)
# --------------------------------------------------------------------------
STRAY_REF = re.compile(r" ?\[\d(?:, p\. 86)?\]|(?<= )3\] ")
STRAY_ESSAYS = {6, 27}


def stray_refs(bodies):
    count = 0
    for e in STRAY_ESSAYS:
        for ln in bodies[e - 1]:
            new, k = STRAY_REF.subn(lambda m: "" if m.group(0) != "3] " else "", ln.text)
            count += k
            ln.text = new
    assert count == 16, count  # [1]..[7] in essay 6, [1, p. 86], [2], 3], [4]..[9] in 27
    return count


# --------------------------------------------------------------------------
# 4. Markers
# --------------------------------------------------------------------------
def joined(lines):
    parts = []
    pos = 0
    for ln in lines:
        ln.start = pos
        parts.append(ln.text)
        pos += len(ln.text)
        if ln.space:
            parts.append(" ")
            pos += 1
    return "".join(parts)


def marker_candidates(text, n):
    s = str(n)
    out = []
    for m in re.finditer(re.escape(s), text):
        a, b = m.start(), m.end()
        before = text[a - 1] if a > 0 else " "
        after = text[b] if b < len(text) else " "
        if after.isdigit() and not ((n, text[b:b + 3]) in ((127, "128"), (156, "157"))):
            continue
        if before.isdigit():
            # only the documented glued cases: year+marker, marker+marker
            ok = ((n in (166, 211) and text[a - 4:a] in ("2020", "2021"))
                  or (n == 128 and text[a - 3:a] == "127")
                  or (n == 157 and text[a - 3:a] == "156"))
            if not ok:
                continue
        if after == "%" or re.match(r"[.,]\d", text[b:b + 2]) or (
                re.search(r"[$\d][.,]$", text[max(0, a - 2):a])
                and not re.search(r"(19|20)\d\d\.$", text[max(0, a - 5):a])):
            continue
        if before.isalpha() or before in "\".)%,'\u2019]" or before.isdigit():
            out.append((a, b))
        elif before == " ":
            bb = text[a - 2] if a > 1 else " "
            if (after in ".,:;" or after.isalpha() or bb == '"'):
                out.append((a, b))
    return out


def find_markers(bodies):
    problems = []
    for e, (first, lo, hi) in enumerate(ESSAYS):
        text = joined(bodies[e])
        pos = 0
        found = []
        for n in range(lo, hi + 1):
            cands = [c for c in marker_candidates(text, n) if c[0] >= pos]
            if not cands:
                problems.append(f"marker {n} not found in essay {e + 1}")
                continue
            a, b = cands[0]
            found.append((a, b, n))
            pos = b
        # uniqueness check: no other occurrence of n between its neighbours
        for idx, (a, b, n) in enumerate(found):
            lo_pos = found[idx - 1][1] if idx > 0 else 0
            hi_pos = found[idx + 1][0] if idx + 1 < len(found) else len(text)
            others = [c for c in marker_candidates(text, n) if lo_pos <= c[0] < hi_pos and c[0] != a]
            if others:
                problems.append(f"marker {n}: ambiguous at {others}")
        # map to lines
        for a, b, n in found:
            for ln in bodies[e]:
                if ln.start <= a < ln.start + len(ln.text):
                    assert b <= ln.start + len(ln.text)
                    ln.markers.append((a - ln.start, b - ln.start, n))
                    break
            else:
                raise AssertionError(n)
    return problems


# --------------------------------------------------------------------------
# 5. Paragraph breaks from the layout
# --------------------------------------------------------------------------
def line_width(ln: Line) -> float:
    """Width of the printed line: the original text, markers at superscript size."""
    w = 0.0
    # markers are located in ln.text; ln.orig differs only by removed stray refs,
    # which were printed: measure them at full size.
    txt = ln.text
    marks = set()
    for a, b, _ in ln.markers:
        marks.update(range(a, b))
    for idx, ch in enumerate(txt):
        cw = WIDTH.get(ch, 500)
        w += cw * SUPERSCRIPT if idx in marks else cw
    removed = len(ln.orig) - len(ln.text)
    if removed:
        extra = text_width(ln.orig) - text_width(ln.text)
        w += extra
    return w


SENT_END = re.compile(r"""[.!?:;]["')]*$|["')]$""")


def ends_sentence(ln: Line) -> bool:
    t = ln.text
    if ln.markers and ln.markers[-1][1] >= len(t.rstrip(".\"' ")):
        return True  # ends with a marker (possibly followed by punctuation)
    if re.search(r"(?:\bSt|\b[A-Z])\.$", t):
        return False
    return re.search(r"[.!?;:]['\")]*$", t) is not None


def first_word(ln: Line) -> str:
    return ln.text.split(" ", 1)[0]


def paragraph_breaks(lines, essay_no):
    """Return {i: reason} for every paragraph that ends after lines[i].

    score(i) = natural width of line i + a space + the first word of line i+1,
    i.e. the width line i would have needed to take the next word as well.
    """
    n = len(lines)
    space = WIDTH[" "]
    score = [line_width(lines[i]) + space + text_width(first_word(lines[i + 1]))
             if i + 1 < n else None for i in range(n)]

    def possible(i):
        """Could a paragraph end after line i at all?"""
        if i >= n - 1:
            return False
        cur, nxt = lines[i], lines[i + 1]
        if cur.glued_after or not cur.space:  # glued marker / word continues
            return False
        if not nxt.text[:1].isupper():
            return False
        # a sentence (or a marker) ends the line; or the line is short even
        # for an indented first line (essay 28, "..., energy")
        return ends_sentence(cur) or score[i] < INDENT_LOW

    breaks = {}
    for i in range(n - 1):
        if lines[i].no in WORDING_BREAKS:
            breaks[i] = "wording"
            continue
        if essay_no == LIST_ESSAY and re.match(r"\(?\d\) ", lines[i + 1].text):
            breaks[i] = "list"
            continue
        if not possible(i):
            continue
        # a short last line: the next word would still have fitted
        limit = INDENT_LOW if (i - 1) in breaks else FULL_MIN  # line i indented?
        if score[i] < limit:
            breaks[i] = "short"
        # an indented first line: line i+1 is short but its paragraph goes on
        elif (i + 2 < n and INDENT_LOW <= score[i + 1] < FULL_MIN
              and not possible(i + 1)):
            breaks[i] = "indent"
    return breaks


# --------------------------------------------------------------------------
# 6. Markdown for a body line
# --------------------------------------------------------------------------
def render_line(ln: Line) -> str:
    t = ln.text
    out = []
    pos = 0
    for a, b, n in sorted(ln.markers):
        seg = t[pos:a]
        seg = seg.rstrip(" ")  # a marker attaches to the preceding text
        out.append(seg)
        out.append(f"[^{n}]")
        pos = b
        rest = t[pos:]
        if rest.startswith(" .") or rest.startswith(" ,"):
            pos += 1  # "2 . As" -> "[^2]. As"
        elif rest[:1].isalpha():
            out.append(" ")  # "11were" -> "[^11] were"
    out.append(t[pos:])
    return "".join(out)


def fix_body_text(s: str) -> str:
    s = s.replace("buses .[^107]..\"", "buses...[^107]\"")
    s = re.sub(r"(\[\^\d+\]) ([.,])", r"\1\2", s)  # services"202 / . At
    s = s.replace("Vyso\ufffdina", "Vyso\u010dina")
    s = re.sub(r" {2,}", " ", s)
    return s


MD_START = re.compile(r"(\d+)([.)])(\s)")


def escape_paragraph(p: str) -> str:
    m = MD_START.match(p)
    if m:
        p = m.group(1) + "\\" + m.group(2) + p[m.end(2):]
    elif re.match(r"[#>*+-](\s|$)", p):
        p = "\\" + p
    return p


# --------------------------------------------------------------------------
# 7. Footnotes
# --------------------------------------------------------------------------
def join_note_lines(lines):
    out = ""
    for s in lines:
        if out and not out.endswith(" ") and out and prev_space is False:
            out += s.rstrip(" ")
        else:
            out += ("" if not out else "") + s.rstrip(" ")
        prev_space = s.endswith(" ")
        if prev_space:
            out += " "
    return out.rstrip(" ")


def collect_notes(src: Source):
    """Return {label: [line texts]} and {label: kind} (numbered / tail)."""
    L = src.lines
    notes = {}
    order = []
    last = 0
    current = None
    page_notes = []         # labels started on the current page
    pending_tails = []
    i = 1
    while i <= src.n:
        k = src.kind[i]
        if k in ("FS", "FC"):
            if k == "FS":
                page_notes = []
            # FC: continuation of the previous page's last note (current stays)
            i += 1
            continue
        if k == "F":
            s = L[i]
            if s.strip() == "":
                i += 1
                continue
            m = re.match(r" ?(\d{1,3}) +(.*)$", s)
            if m and last < int(m.group(1)) <= 231 and not (
                    m.group(2).startswith("[") or int(m.group(1)) > last + 60):
                n = int(m.group(1))
                current = n
                last = n
                notes[n] = [m.group(2) + ("" if m.group(2).endswith(" ") else "")]
                notes[n][0] = s[m.start(2):]
                order.append(n)
                page_notes.append(n)
            elif s.startswith(" "):
                # an unnumbered tail after lost lines
                n = TAILS[i]
                notes[n] = [s[1:]]
                current = n
                pending_tails.append((i, n))
            else:
                notes[current].append(s)
        i += 1
    return notes, order, pending_tails


def note_text(lines):
    out = ""
    prev_space = True
    for idx, s in enumerate(lines):
        if idx == 0:
            out = s.rstrip(" ")
        else:
            out += (" " if prev_space else "") + s.rstrip(" ")
        prev_space = s.endswith(" ")
    return out


def fix_note_text(n, t):
    t = re.sub(r" {2,}", " ", t.strip())
    if n == 111:
        assert t.startswith(". Matijevski"), t
        t = t[2:]
    t = t.replace("\u2013 \ufffd. ", "\u2013 P. ")
    t = t.replace("prablematyk\ufffd", "prablematyki")
    if n in (110, 145, 218):
        assert "\u2013 C. " in t, (n, t)
        t = t.replace("\u2013 C. ", "\u2013 P. ")
    assert "\ufffd" not in t, (n, t)
    return t


def build_notes(src: Source):
    raw, order, tails = collect_notes(src)
    numbered = set(order)
    expected_numbered = set(range(1, 232)) - LOST - set(TAILS.values())
    assert numbered == expected_numbered, sorted(numbered ^ expected_numbered)
    assert CUT <= numbered
    # the page rule for tails, with the content overrides
    defs = {}
    for n in range(1, 232):
        if n in LOST:
            defs[n] = LOST_TEXT
            continue
        t = fix_note_text(n, note_text(raw[n]))
        if n in set(TAILS.values()):
            defs[n] = "TK " + t
        elif n in CUT:
            defs[n] = t + " TK"
        else:
            defs[n] = t
    return defs


# --------------------------------------------------------------------------
# 8. Assemble
# --------------------------------------------------------------------------
def slugify(title, idx):
    head = title.split(":", 1)[0] if ":" in title else " ".join(title.split()[:4])
    s = re.sub(r"[^a-z0-9]+", "-", head.lower()).strip("-")
    return f"{idx:02d}-{s}.md"


def convert(source: Path, diag=False):
    src = Source(source.read_text(encoding="utf-8"))
    titles, bodies = collect(src)
    stray_refs(bodies)
    problems = find_markers(bodies)
    defs = build_notes(src)
    chapters = []
    stats = {"paragraphs": 0, "breaks": 0, "kinds": {}}
    for e, (first, lo, hi) in enumerate(ESSAYS):
        lines = bodies[e]
        brk = paragraph_breaks(lines, e + 1)
        paras = []
        cur = ""
        for i, ln in enumerate(lines):
            cur += render_line(ln)
            if i in brk or i == len(lines) - 1:
                paras.append(cur.strip())
                cur = ""
            else:
                cur += " " if ln.space else ""
        paras = [escape_paragraph(fix_body_text(p)) for p in paras if p.strip()]
        stats["paragraphs"] += len(paras)
        stats["breaks"] += len(paras) - 1
        for v in brk.values():
            stats["kinds"][v] = stats["kinds"].get(v, 0) + 1
        title = re.sub(r" {2,}", " ", titles[e])
        notes = [f"[^{n}]: {defs[n]}" for n in range(lo, hi + 1)]
        md = "# " + title + "\n\n" + "\n\n".join(paras) + "\n\n" + "\n\n".join(notes) + "\n"
        chapters.append((slugify(title, e + 1), md, brk, lines))
    return chapters, problems, stats


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--check", action="store_true", help="diagnostics only, write nothing")
    args = ap.parse_args(argv)
    chapters, problems, stats = convert(args.source)
    for p in problems:
        print("PROBLEM:", p, file=sys.stderr)
    print(f"paragraphs: {stats['paragraphs']}, breaks inside essays: {stats['breaks']}, "
          f"by kind: {stats['kinds']}")
    if args.check:
        return 1 if problems else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, md, *_ in chapters:
        (args.out / name).write_text(md, encoding="utf-8", newline="\n")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
