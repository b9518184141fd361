"""Assembly helpers shared by the editions: Jinja2 templates and hrefs.

Takes rendered chapters; gives a Jinja2 environment over ``styles/templates`` (autoescaped, strict
about undefined names) and the one rule that differs between editions: which file an id lives in.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

import jinja2

from publish.paths import styles_dir

_HREF = re.compile(r'href="#([^"]+)"')


@functools.cache
def template_environment() -> jinja2.Environment:
    # One environment per process (cached): compiling the templates again for every chapter cost
    # a fifth of a second a book; Jinja still reloads a template whose file changed (--watch).
    # Autoescape: an "&" in a title must not break the EPUB's XML. StrictUndefined: a misspelt
    # variable is a bug to see, not an empty string in a printed book.
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(styles_dir() / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def point_hrefs(html: str, id_files: Mapping[str, str], current_file: str) -> str:
    """Fragment links (``#id``) made to work across files: ``file.xhtml#id`` when ``id`` lives elsewhere.

    ``id_files`` maps every book-wide id to the file that holds it; a single-file edition (print)
    simply leaves the HTML as it is.
    """
    def point(match: re.Match[str]) -> str:
        target = match.group(1)
        where = id_files.get(target, current_file)
        return f'href="#{target}"' if where == current_file else f'href="{where}#{target}"'

    return _HREF.sub(point, html)


def collect_ids(html: str) -> list[str]:
    return re.findall(r'\bid="([^"]+)"', html)


