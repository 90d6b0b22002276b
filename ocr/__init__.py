"""Pixels and PDFs in, text lines with boxes and confidences out.

Page rendering and clean-up (orientation, deskew, contrast), PDF text layers that can be
trusted, and the OCR engines (Tesseract, RapidOCR) behind one interface. Knows nothing of
certificates or events.
"""

from ocr.page import Limits, Line, Page, UnreadableDocument

__all__ = ["Limits", "Line", "Page", "UnreadableDocument", "read_document", "check_complete"]


def __getattr__(name):
    # The reader pulls in pdfplumber, OpenCV and the engines; import it only when used.
    if name in ("read_document", "check_complete"):
        from ocr import reader

        return getattr(reader, name)
    raise AttributeError(name)
