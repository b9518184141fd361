"""publish: turn a folder of Markdown chapters into a typeset PDF and an EPUB 3 edition."""

__version__ = "0.1.0"
