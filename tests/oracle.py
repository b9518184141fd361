"""The word-fidelity oracle: what Python-Markdown says a chapter holds, against what each edition prints.

The reference is Python-Markdown's own rendering of one chapter on its own (its footnotes
extension, tables, attribute lists and sane lists: the extensions the book uses, without the
typography). Words are compared as tokens between spaces, so a lost space ("Caesar,The") is as
much a failure as a lost word. What the book is allowed to change, and so what is undone on both
sides before comparing (``comparable``):

- typography: curly quotes, apostrophes, primes (5′10″), dashes, ellipses, no-break spaces, the
  spaces French sets inside « » and before ; : ! ?, break opportunities in URLs (zero-width
  spaces, word joiners);
- note numbers: a reference is the token ``REF`` wherever it stands; notes are compared in the
  book's numbering order (depth first, as a reader who follows each reference meets them; a note
  nothing cites comes last);
- in the PDF: hyphenation at line ends, running heads and folios (outside the text block), the
  "Chapter N" label, the Notes' heads, each note's number and its "p. N".
"""

from __future__ import annotations

import re
import subprocess
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import markdown
from lxml import etree, html

from publish import sanitize

REF = "\u2020"
"""A note reference, wherever it stands (its number is the book's, not Python-Markdown's)."""
NOTE_START = "\u2021"
"""Where a note begins in the PDF: its number, and its "p. N" in the Notes."""
CHAPTER_START = "\u00a7"
"""Where a chapter opens in the PDF: its label ("Chapter 3", in the book's language)."""
HEADING = "\u00b6"
"""A heading line the PDF's Notes add (the Notes' title, a chapter's group)."""
REFERENCE_EXTENSIONS = ["footnotes", "tables", "attr_list", "sane_lists"]
BLOCKS = frozenset({
    "p", "div", "li", "ol", "ul", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table",
    "thead", "tbody", "tfoot", "tr", "td", "th", "figure", "figcaption", "hr", "br", "section", "dl",
    "dt", "dd", "caption", "aside", "header", "footer", "nav",
})
_OPENERS = "«‹"
_CLOSERS = "»›"
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‟": '"', "«": '"', "»": '"', "‘": "'", "’": "'",
                         "‚": "'", "‛": "'", "‹": "'", "›": "'", "′": "'", "″": '"', "…": "...", "\u00a0": " ",
                         "\u202f": " ", "\u2009": " ", "\u200b": "", "\u2060": "", "\u00ad": "", "—": "-", "–": "-",
                         "‒": "-", "―": "-", "‐": "-", "‑": "-"})


@dataclass
class Chapter:
    """One chapter's words: the body (title first) and each note, in the book's order."""

    body: list[str]
    notes: list[list[str]] = field(default_factory=list)


def comparable(text: str) -> list[str]:
    """Tokens of ``text`` with the book's typography undone (see the module docstring)."""
    text = re.sub(f"([{_OPENERS}])\\s+", r"\1", text)
    text = re.sub(f"\\s+([{_CLOSERS};:!?])", r"\1", text)
    text = text.translate(_QUOTES)
    text = re.sub(r"-{2,}", "-", text)
    tokens = text.split()
    merged: list[str] = []
    for token in tokens:
        # A spaced pair of dashes ("- –") is one dash in the book's notes.
        if token == "-" and merged and merged[-1] == "-":
            continue
        merged.append(token)
    return merged


def words_of(element: etree._Element, *, ref: str = "sup", drop: frozenset[str] = frozenset()) -> list[str]:
    """The tokens of an element: blocks end words, references are ``REF``, ``drop`` classes vanish."""
    pieces: list[str] = []

    def visit(el: etree._Element) -> None:
        if not isinstance(el.tag, str):
            pieces.append(el.tail or "")
            return
        tag = etree.QName(el).localname
        classes = set((el.get("class") or "").split())
        if classes & drop:
            pieces.append(el.tail or "")
            return
        is_ref = (tag == ref and bool(classes & {"noteref", "footnote-ref"})) or (
            tag == "sup" and el.find("a[@class='footnote-ref']") is not None)
        if is_ref:
            pieces.append(REF)
            pieces.append(el.tail or "")
            return
        block = tag in BLOCKS
        if block:
            pieces.append(" ")
        if tag != "img":
            pieces.append(el.text or "")
            for child in el:
                visit(child)
        if block:
            pieces.append(" ")
        pieces.append(el.tail or "")

    visit(element)
    # The element's own tail is not its content.
    if pieces and element.tail:
        pieces.pop()
    return comparable("".join(pieces))


def reference(text: str) -> Chapter:
    """Python-Markdown's meaning of one chapter, on its own."""
    md = markdown.Markdown(extensions=REFERENCE_EXTENSIONS, extension_configs={"footnotes": {"SEPARATOR": "-"}},
                           output_format="xhtml")
    root = html.fragment_fromstring(md.convert(text), create_parent="div")
    sanitize.clean_tree(root)
    items: dict[str, etree._Element] = {}
    div = root.find(".//div[@class='footnote']")
    if div is not None:
        for li in div.iter("li"):
            if (li.get("id") or "").startswith("fn-"):
                items[li.get("id")[3:]] = li
        div.getparent().remove(div)
    order: list[str] = []

    def follow(el: etree._Element) -> None:
        stack = [iter(list(el.iter("a")))]
        while stack:
            link = next(stack[-1], None)
            if link is None:
                stack.pop()
                continue
            label = (link.get("href") or "")[4:] if link.get("class") == "footnote-ref" else None
            if label is not None and label in items and label not in order:
                order.append(label)
                stack.append(iter(list(items[label].iter("a"))))

    follow(root)
    for label in items:
        if label not in order:
            order.append(label)
            follow(items[label])
    return Chapter(body=words_of(root), notes=[words_of(items[label], drop=frozenset({"footnote-backref"}))
                                              for label in order])


def epub_words(path: Path) -> list[Chapter]:
    """The words of a built EPUB, chapter by chapter, each with its notes in the order printed."""
    ns = {"x": "http://www.w3.org/1999/xhtml"}
    with zipfile.ZipFile(path) as archive:
        pages = {name.rsplit("/", 1)[-1]: etree.fromstring(archive.read(name))
                 for name in archive.namelist() if name.endswith(".xhtml")}
    notes: dict[int, list[list[str]]] = {}
    for root in pages.values():
        for section in root.iterfind(".//x:section[@aria-labelledby]", ns):
            match = re.fullmatch(r"notes-ch(\d+)", section.get("aria-labelledby") or "")
            if match:
                notes[int(match.group(1))] = [words_of(li, drop=frozenset({"note-number", "backlink"}))
                                              for li in section.iterfind(".//x:li[@class='note']", ns)]
    chapters = []
    for number in range(1, 100_000):
        root = pages.get(f"ch{number:02d}.xhtml")
        if root is None:
            break
        section = root.find(".//x:section[@class='chapter']", ns)
        own = section.find("x:section[@class='chapter-notes']", ns)
        if own is not None:
            section.remove(own)
        chapters.append(Chapter(body=words_of(section), notes=notes.get(number, [])))
    return chapters


def pdf_lines(path: Path, first_page: int = 1) -> list[list[tuple[str, float]]]:
    """Each page's lines inside the text block (running heads and folios left out), as (text,
    height), from page ``first_page`` (1-based) on.

    Lines are made from pdftotext's words by where they stand, top to bottom and left to right:
    its own reading order puts a note's number column before or after the note's first line,
    and a raised note reference on a line of its own.
    """
    done = subprocess.run(["pdftotext", "-bbox", "-f", str(first_page), str(path), "-"],
                          capture_output=True, check=True)
    root = etree.fromstring(done.stdout, etree.XMLParser(recover=True, huge_tree=True))
    ns = {"x": "http://www.w3.org/1999/xhtml"}
    pages = []
    for page in root.iterfind(".//x:page", ns):
        height = float(page.get("height"))
        words = []
        for word in page.iterfind("x:word", ns):
            top, bottom = float(word.get("yMin")), float(word.get("yMax"))
            # Heads sit in the top margin and folios in the bottom one: at least a tenth of an
            # inch of every trim's margins (pdf_html.choose_scale) lies outside the text.
            if top < height * 0.07 or bottom > height * 0.925:
                continue
            words.append((word.text or "", float(word.get("xMin")), top, bottom))
        pages.append(_lines_of(words))
    return pages


def _lines_of(words: list[tuple[str, float, float, float]]) -> list[tuple[str, float]]:
    """Words grouped into lines by their foot (a raised figure's is a little higher), each line
    read left to right; a line's height is its tallest word's."""
    lines: list[list[tuple[str, float, float, float]]] = []
    for word in sorted(words, key=lambda w: w[3]):
        size = word[3] - word[2]
        if lines and word[3] - max(w[3] for w in lines[-1]) < max(size, 1.0) * 0.45:
            lines[-1].append(word)
        else:
            lines.append([word])
    return [(" ".join(w[0] for w in sorted(line, key=lambda w: w[1])), max(w[3] - w[2] for w in line))
            for line in lines]


def pdf_text(lines: list[tuple[str, float]]) -> str:
    """Lines as the matcher reads them: typography undone, a hyphen the layout added at a line's
    end (U+2010) turned into a join mark."""
    out = []
    for text, _height in lines:
        joined = text.endswith("\u2010")
        tokens = comparable(text[:-1] if joined else text)
        out.append(" ".join(tokens) + ("\x01" if joined else ""))
    return "\n".join(out) + "\n"


def split_footnotes(pages: list[list[tuple[str, float]]], size_pt: float) -> tuple[list[tuple[str, float]],
                                                                               list[tuple[str, float]]]:
    """The text's lines and the footnotes' lines of pages set with notes at the foot of the page.

    A page's footnotes begin with the line that starts with the next note's number and is set
    smaller than the text (``size_pt``: pdftotext's line is about 1.3 times the type size, and
    notes are set at 0.82 of it); footnotes come in their numbers' order, each whole on a page.
    """
    body: list[tuple[str, float]] = []
    notes: list[tuple[str, float]] = []
    following = 1
    for page in pages:
        start = len(page)
        for index, (text, height) in enumerate(page):
            if text.startswith(f"{following}. ") and height < size_pt * 1.2:
                start = index
                break
        body += page[:start]
        for text, height in page[start:]:
            notes.append((text, height))
            if text.startswith(f"{following}. "):
                following += 1
    return body, notes


def expected_stream(chapters: list[Chapter], mode: str, part: str = "all") -> str:
    """What the PDF must read, in order, for notes ``mode`` (``book``, ``chapter``; for ``page``,
    ``part`` is ``body`` or ``notes``, the two streams a page interleaves)."""
    tokens: list[str] = []
    number = 1
    for chapter in chapters:
        if part != "notes":
            tokens += [CHAPTER_START, *chapter.body]
        if mode == "chapter" and chapter.notes:
            tokens.append(HEADING)
        if mode in ("chapter", "page") and part != "body":
            for note in chapter.notes:
                tokens += [f"{NOTE_START}{number}", *note]
                number += 1
        elif mode != "page":
            number += len(chapter.notes)
    if mode == "book":
        number = 1
        for chapter in chapters:
            if chapter.notes:
                tokens.append(HEADING)
            for note in chapter.notes:
                tokens += [f"{NOTE_START}{number}", *note]
                number += 1
    return " ".join(tokens)


def match(expected: str, printed: str) -> str | None:
    """None when ``printed`` reads ``expected`` exactly (the rules above); else where it fails."""
    i = j = 0
    while i < len(expected):
        c = expected[i]
        if c == REF:
            # Its number right here, or (a raised figure pdftotext read as a line of its own)
            # somewhere near, where it is skipped as a figure standing alone.
            found = re.compile(r"[ \n]?,?\d+").match(printed, j)
            if found:
                after_e = expected[i + 1 : i + 2]
                end = found.end()
                if printed[end : end + 1] == " " and after_e not in ("", " ") and printed[end + 1 : end + 2] == after_e:
                    end += 1  # pdftotext may read a space between a raised figure and a period
                after_p = printed[end : end + 1]
                fits = after_e == after_p or (after_e in ("", " ", NOTE_START, CHAPTER_START, HEADING)
                                              and after_p in ("", " ", "\n")) or (after_e == REF and after_p == ",")
                j = end if fits else j
            i += 1
            continue
        if c in (CHAPTER_START, NOTE_START, HEADING):
            token = expected[i:].split(" ", 1)[0]
            if c == CHAPTER_START:
                pattern = r"[^\n]*\n"
            elif c == NOTE_START:
                pattern = re.escape(token[1:]) + r"\.(?: pp?\. \d+(?:, ?\d+)*)?"
            else:
                following = re.search(f"{NOTE_START}(\\d+)", expected[i:])
                stop = re.escape(following.group(1)) + r"\." if following else r"$"
                pattern = r"(?:[^\n]*\n)+?(?=" + stop + ")"
            found = re.compile(pattern).match(printed, j)
            figure = _FIGURE.match(printed, j) if not found and (j == 0 or printed[j - 1] in " \n") else None
            if figure:
                j = figure.end()  # a note's number read out of its line
                continue
            if not found:
                return _failure(expected, i, printed, j, {CHAPTER_START: "a chapter's label",
                                                          NOTE_START: f"note {token[1:]}",
                                                          HEADING: "a heading"}[c])
            i, j = i + len(token), found.end()
            if c != NOTE_START and i < len(expected) and expected[i] == " ":
                i += 1  # the heading's own line end was its space
            continue
        if j >= len(printed):
            return _failure(expected, i, printed, j, "more text")
        p = printed[j]
        at_start = j == 0 or printed[j - 1] in " \n"
        marker = _LIST_MARKER.match(printed, j) if j == 0 or printed[j - 1] == "\n" else None
        if marker and not printed.startswith(expected[i:i + len(marker.group())], j):
            j = marker.end()  # a list item's bullet or number: the list's, not the text's
            continue
        figure = _FIGURE.match(printed, j) if at_start and c != p else None
        if figure:
            j = figure.end()  # a note's number read out of its line
            continue
        if (c == " " and p in " \n") or c == p:
            i, j = i + 1, j + 1
        elif p == "\x01" and printed[j + 1 : j + 2] == "\n":
            j += 2  # a word the layout hyphenated
        elif p == "\n" and c != " ":
            j += 1  # a word broken over a line at a break it allows (a URL, a hyphen)
        else:
            return _failure(expected, i, printed, j, repr(c))
    rest = printed[j:].strip()
    return None if not rest else _failure(expected, i, printed, j, "the end")


_FIGURE = re.compile(r"[\d,]+[ \n]")
_LIST_MARKER = re.compile(r"(?:[•◦▪‣–-]|\d+\.|[a-z]\.|[ivx]+\.) ")


def _failure(expected: str, i: int, printed: str, j: int, wanted: str) -> str:
    return (f"expected {wanted} at …{expected[max(0, i - 60):i]}⟦{expected[i:i + 40]}⟧…\n"
            f"printed …{printed[max(0, j - 60):j]}⟦{printed[j:j + 40]}⟧…")
