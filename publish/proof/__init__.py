"""The proof of one chapter: editorial flags, the chapter as the book sets it (a PDF or one web
page), and watch mode."""
