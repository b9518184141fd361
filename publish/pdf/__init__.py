"""The PDF edition: a rendered ``Book`` → a typeset PDF (``edition.make_pdf``), laid out in parts by WeasyPrint."""
