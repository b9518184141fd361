"""The EPUB edition: a rendered ``Book`` → an EPUB 3 package (``edition.make_epub``)."""
