"""Engines: each wraps one library (PDFium, pdfplumber, Tesseract, OpenCV) behind a small
class or function, and imports that library only when first used."""
