"""Editorial flags: what a copy-editor would query in one chapter.

Takes a rendered ``Chapter`` (its Markdown source and notes); returns ``note`` diagnostics with
file, line and column: open ``TK`` queries, paragraphs whose quotation marks do not balance,
sentences repeated within the chapter, doubled words or phrases, and references to empty notes.
The scan runs on the source with markup blanked out rather than removed, so every offset found is
an offset in the file the author edits.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterator

from publish.diagnostics import Diagnostic, locate, note
from publish.model import Chapter
from publish.render import mask_code

_MARKUP = re.compile(
    r"\[\^[^\]\s]+\]:?"            # note references and definition labels
    r"|(?:https?|ftp)://\S+"       # URLs: their slugs repeat words by design
    r"|!?\[|\]\([^)]*\)"           # link and image brackets with their targets
    r"|<[^>\n]+>"                  # raw HTML tags
    r"|^#{1,6}[ \t]|[*_`\\]",      # heading marks, emphasis, escapes
    re.MULTILINE,
)
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”»)]*\s+(?=[\"“«(]?[A-Z0-9А-ЯЁ])")
_TK = re.compile(r"\bTK\b")
_DEFINITION_BLOCK = re.compile(r"^ {0,3}\[\^[^\]\s]+\]:.*(?:\n(?:[ \t]+.*|[ \t]*)(?=\n|$))*", re.MULTILINE)
_ABBREVIATION = re.compile(r"(?:\b[A-Z]|\bSt|\bMr|\bMrs|\bDr|\bNo|\bp|\bvol|\bet al)\.$")
MIN_SENTENCE_WORDS = 8
# Share of words two sentences must have in common, in order, to count as one sentence repeated.
SIMILAR = 0.6
MAX_PHRASE_WORDS = 8


def flag_chapter(chapter: Chapter, shown: str) -> list[Diagnostic]:
    """Every editorial flag in the chapter, in source order."""
    text = chapter.source
    plain = blank_markup(mask_code(text))
    flags = [
        *_flag_tk(text, plain, shown),
        *_flag_quotes(text, plain, shown),
        *_flag_repeated_sentences(text, blank_markup(_blank_definitions(mask_code(text))), shown),
        *_flag_identical_notes(chapter, shown),
        *_flag_doubled(text, plain, shown),
        *_flag_empty_notes(chapter, text, shown),
    ]
    return sorted(flags, key=lambda d: (d.line, d.col, d.code))


def blank_markup(text: str) -> str:
    """Markdown markup replaced by spaces of the same length, so offsets stay true."""
    return _MARKUP.sub(lambda m: " " * len(m.group()), text)


def paragraphs(text: str) -> Iterator[tuple[int, str]]:
    """(offset, text) of each blank-line-separated block."""
    for match in re.finditer(r"(?:[^\n]*\S[^\n]*(?:\n|$))+", text):
        yield match.start(), match.group()


def _flag_tk(text: str, plain: str, shown: str) -> Iterator[Diagnostic]:
    for match in _TK.finditer(plain):
        line, col = locate(text, match.start())
        yield note(shown, line, col, "tk", "TK: text still to come")


def _flag_quotes(text: str, plain: str, shown: str) -> Iterator[Diagnostic]:
    for offset, block in paragraphs(plain):
        straight = block.count('"')
        opened = block.count("“") + block.count("«")
        closed = block.count("”") + block.count("»")
        if straight % 2 or opened != closed:
            first = offset + len(block) - len(block.lstrip())
            line, col = locate(text, first)
            yield note(shown, line, col, "quotes-unbalanced",
                       f"quotation marks do not balance in this paragraph ({straight} \" marks)")


def _flag_repeated_sentences(text: str, plain: str, shown: str) -> Iterator[Diagnostic]:
    """Sentences that occur twice, exactly or nearly (machine translation repeats with small changes)."""
    earlier: list[tuple[int, list[str]]] = []
    for offset, block in paragraphs(plain):
        for start, sentence in _sentences(block):
            words = [w.lower() for w in _WORD.findall(sentence)]
            if len(words) < MIN_SENTENCE_WORDS:
                continue
            where = offset + start
            match = next((first for first, seen in earlier if _similar(seen, words)), None)
            if match is not None:
                line, col = locate(text, where)
                yield note(shown, line, col, "sentence-repeated",
                           f"sentence repeated from line {locate(text, match)[0]}: \"{_preview(words)}\"")
            earlier.append((where, words))


def _blank_definitions(plain: str) -> str:
    """Running text only: headings restate the text, and notes cite the same sources by design."""
    blanked = _DEFINITION_BLOCK.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), plain)
    return re.sub(r"^#{1,6}[ \t].*$", lambda m: " " * len(m.group()), blanked, flags=re.MULTILINE)


def _flag_identical_notes(chapter: Chapter, shown: str) -> Iterator[Diagnostic]:
    first_of: dict[str, int] = {}
    for item in chapter.notes:
        key = " ".join(item.text.lower().split())
        if not key or "TK" in item.text:
            continue
        if key in first_of:
            yield note(shown, item.line, 1, "note-repeated",
                       f"note {item.number} repeats the text of note {first_of[key]}")
        else:
            first_of[key] = item.number


def _similar(first: list[str], second: list[str]) -> bool:
    """Most words of the shorter sentence recur, in order, in the other one.

    Measured against the shorter sentence because a repeat often runs on into new words
    ("... Orban to Belarus, where he announced ...").
    """
    shorter = min(len(first), len(second))
    if shorter < MIN_SENTENCE_WORDS or (Counter(first) & Counter(second)).total() < SIMILAR * shorter:
        return False
    matcher = difflib.SequenceMatcher(None, first, second, autojunk=False)
    common = sum(block.size for block in matcher.get_matching_blocks())
    return common >= SIMILAR * shorter


def _sentences(block: str) -> Iterator[tuple[int, str]]:
    start = 0
    for match in _SENTENCE_END.finditer(block):
        if _ABBREVIATION.search(block[start:match.start()]):
            continue
        yield start, block[start:match.start()]
        start = match.end()
    yield start, block[start:]


def _flag_doubled(text: str, plain: str, shown: str) -> Iterator[Diagnostic]:
    for offset, block in paragraphs(plain):
        words = [(m.start(), m.end(), m.group().lower()) for m in _WORD.finditer(block)]
        tokens = [w for _, _, w in words]
        index = 0
        while index < len(tokens):
            size = _doubled_at(tokens, index)
            if size == 1 and not _same_separator(block, words[index], words[index + 1]):
                size = 0
            if size:
                line, col = locate(text, offset + words[index + size][0])
                phrase = " ".join(tokens[index:index + size])
                kind = "word" if size == 1 else "phrase"
                yield note(shown, line, col, f"doubled-{kind}", f"doubled {kind}: \"{phrase} {phrase}\"")
                index += 2 * size
            else:
                index += 1


def _same_separator(block: str, first: tuple[int, int, str], second: tuple[int, int, str]) -> bool:
    """A word repeated across punctuation counts only when the punctuation repeats too.

    "the the" and "Masherov. Masherov." are slips; "oil, oil products" and "exports. Exports are"
    are prose.
    """
    between = block[first[1]:second[0]]
    if not between.strip():
        return True
    after = block[second[1]:second[1] + len(between)]
    return between.strip() == after.strip()


def _doubled_at(tokens: list[str], index: int) -> int:
    """Length of a phrase starting at ``index`` that is immediately repeated, else 0."""
    for size in range(MAX_PHRASE_WORDS, 0, -1):
        first = tokens[index:index + size]
        if len(first) < size or tokens[index + size:index + 2 * size] != first:
            continue
        if all(word.isdigit() for word in first) or (size == 1 and len(first[0]) < 2):
            continue
        return size
    return 0


def _flag_empty_notes(chapter: Chapter, text: str, shown: str) -> Iterator[Diagnostic]:
    for item in chapter.notes:
        if item.text.strip():
            continue
        match = re.search(rf"\[\^{re.escape(item.label)}\](?!:)", text)
        line, col = locate(text, match.start()) if match else (item.line, 1)
        yield note(shown, line, col, "note-empty", f"note {item.number} ([^{item.label}]) has no text")


def _preview(words: list[str], size: int = 8) -> str:
    return " ".join(words[:size]) + ("…" if len(words) > size else "")
