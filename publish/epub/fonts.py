"""The EPUB's fonts: the faces its pages are set in, each cut down to the characters set in it.

Takes the finished XHTML pages (the navigation document too) and the bundled faces; returns which
faces to embed, the stylesheet with ``@font-face`` rules for exactly those, and each face's subset
(``publish.subset.subset_text``, the subsetter the PDF uses), from the build cache when the face
and its characters are unchanged. The one design decision: the face a character is drawn in is
read from the elements it sits in (``em``/``i`` → italic, ``strong``/``b`` → bold, both → bold
italic, and the few elements epub.css itself sets in italic or bold, ``FACE_RULES``), never
guessed from the stylesheet's font rules alone; a face no character is set in is not embedded.

Each face also keeps what a reading system draws on its own: both cases of every letter (a reader
may set small capitals or change case), the hyphen its hyphenation adds, spaces, and list figures
and bullets in the roman. The subset keeps the layout features epub.css asks for (old-style,
lining and tabular figures, small capitals), so the text looks as it did with the whole face.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from lxml import etree

from publish.cache import Cache
from publish.epub.media import Resource
from publish.paths import styles_dir
from publish.subset import subset_text

XHTML = "http://www.w3.org/1999/xhtml"
FONT_DIR = "fonts"


@dataclass(frozen=True)
class Face:
    italic: bool
    bold: bool


REGULAR = Face(False, False)
FACE_FILES: Mapping[Face, str] = {
    REGULAR: "EBGaramond-Regular.ttf",
    Face(True, False): "EBGaramond-Italic.ttf",
    Face(False, True): "EBGaramond-Bold.ttf",
    Face(True, True): "EBGaramond-BoldItalic.ttf",
}
"""The bundled faces; styles/epub.css names each in an ``@font-face`` rule."""


@dataclass(frozen=True)
class FaceRules:
    """Which elements set their text in italic or bold: HTML's own defaults and epub.css's rules."""

    italic_tags: frozenset[str]
    italic_classes: frozenset[str]
    bold_tags: frozenset[str]
    bold_classes: frozenset[str]


FACE_RULES = FaceRules(
    # HTML's defaults, and epub.css: h3-h6, figcaption, .image-alt, the title page's .subtitle.
    italic_tags=frozenset({"em", "i", "cite", "var", "dfn", "address", "h3", "h4", "h5", "h6", "figcaption"}),
    italic_classes=frozenset({"image-alt", "subtitle"}),
    # HTML's defaults (epub.css sets the headings' weight to normal), and epub.css's th.
    bold_tags=frozenset({"strong", "b", "th"}),
    bold_classes=frozenset(),
)
FEATURES = ("onum", "lnum", "pnum", "tnum", "smcp", "c2sc")
"""Layout features epub.css turns on beyond those every shaper applies (``font-variant-numeric``,
``font-variant: small-caps``)."""
EVERY_FACE = " \u00a0-\u2010\u2011\u00ad…"
"""What a reading system may add to any face's text: spaces, the hyphen of its hyphenation."""
ROMAN_EXTRAS = "0123456789.•◦▪"
"""What it draws beside the text in the roman: the figures of numbered lists and the bullets."""
KIND = "epub-font"


@dataclass(frozen=True)
class Fonts:
    faces: tuple[Face, ...]
    """The faces the pages use, the roman first."""

    def resources(self, subsets: Mapping[Face, bytes]) -> tuple[Resource, ...]:
        return tuple(Resource(f"{FONT_DIR}/{FACE_FILES[face]}", "font/ttf", subsets.get(face, b""))
                     for face in self.faces)

    def stylesheet(self, css: str) -> str:
        """epub.css with the ``@font-face`` rules of faces not embedded taken out: a rule for a
        file the package does not hold is an error to EPUBCheck."""
        kept = {FACE_FILES[face] for face in self.faces}

        def keep(match: re.Match[str]) -> str:
            found = re.search(r'url\("\.\./fonts/([^"]+)"\)', match.group())
            return match.group() if found is None or found.group(1) in kept else ""

        return re.sub(r"@font-face\s*\{[^}]*\}\n*", keep, css)


def faces_used(roots: Iterable[etree._Element]) -> Fonts:
    """The faces the pages set text in; the roman always (the navigation and the reader's own
    words use it)."""
    used = {face for root in roots for face, text in _runs(root) if text.strip()}
    return Fonts(tuple(face for face in FACE_FILES if face in used or face == REGULAR))


def characters_by_face(roots: Iterable[etree._Element], faces: Iterable[Face]) -> dict[Face, set[str]]:
    """Every character each face must draw (see the module docstring)."""
    texts: dict[Face, list[str]] = {face: [EVERY_FACE] for face in faces}
    texts.setdefault(REGULAR, [EVERY_FACE]).append(ROMAN_EXTRAS)
    for root in roots:
        for face, text in _runs(root):
            texts.setdefault(face, [EVERY_FACE]).append(text)
    found: dict[Face, set[str]] = {}
    for face, pieces in texts.items():
        used = set("".join(pieces))
        # A case may be more than one character ("ß".upper() is "SS"): each of them is kept.
        found[face] = used | {one for ch in used for case in (ch.upper(), ch.lower()) for one in case}
    return found


def subset_faces(characters: Mapping[Face, set[str]], cache: Cache | None = None) -> dict[Face, bytes]:
    """Each face cut down to its characters, from the build cache when it has been cut before."""
    subsets = {}
    for face, chars in characters.items():
        data = (styles_dir() / "fonts" / FACE_FILES[face]).read_bytes()
        text = "".join(sorted(chars))
        key = cache.key(KIND, hashlib.sha256(data).digest(), text, ",".join(FEATURES)) if cache else ""
        found = cache.get_bytes(KIND, key) if cache else None
        if found is None:
            found = subset_text(data, chars, FEATURES)
            if cache:
                cache.put_bytes(KIND, key, found)
        subsets[face] = found
    return subsets


def face_of(element: etree._Element, inherited: Face, rules: FaceRules = FACE_RULES) -> Face:
    """The face an element's own text is set in, given the face of its parent's."""
    tag = etree.QName(element).localname
    classes = set((element.get("class") or "").split())
    italic = inherited.italic or tag in rules.italic_tags or bool(classes & rules.italic_classes)
    bold = inherited.bold or tag in rules.bold_tags or bool(classes & rules.bold_classes)
    return Face(italic, bold)


def _runs(root: etree._Element) -> Iterable[tuple[Face, str]]:
    """(face, text) for every piece of text in a page, and for the text alternatives a reader
    shows in place of an image it cannot show."""
    stack: list[tuple[etree._Element, Face]] = [(root, REGULAR)]
    while stack:
        element, parent_face = stack.pop()
        if not isinstance(element.tag, str):
            if element.tail:
                yield parent_face, element.tail
            continue
        face = face_of(element, parent_face)
        if etree.QName(element).localname in ("head", "title", "style", "script"):
            pass
        else:
            if element.text:
                yield face, element.text
            if element.get("alt"):
                yield face, element.get("alt", "")
            stack.extend((child, face) for child in reversed(element))
        if element.tail and element is not root:
            yield parent_face, element.tail
