"""Pixels and PDFs in, text lines with boxes and confidences out.

Page rendering and clean-up (orientation, deskew, contrast), PDF text layers that can be
trusted, and the OCR engines (Tesseract, RapidOCR) behind one interface. Knows nothing of
certificates or events.
"""
