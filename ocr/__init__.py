"""Pixels and PDFs in, text lines with boxes and confidences out.

Page rendering and clean-up (orientation, deskew, contrast), PDF text layers that can be
trusted, and the OCR engines (Tesseract, RapidOCR) behind one interface. Knows nothing of
certificates or events.

    read_document(data, filename, engine="auto", limits=Limits()) -> list[Page]
    check_complete(path) -> bool
    warm_up(engine="auto") -> None      # load models before the first document

Reading is bounded: bytes, pages and pixels are checked before anything is decoded or
rendered; each Tesseract call gets the smaller of the page timeout and what is left of the
document budget (its process is killed when it runs over). RapidOCR inference cannot be
interrupted inside a process: the budget is checked between pages, and a page that hangs
is the ingest worker's process isolation to end. Run one reader per process; engines use
one thread each (OMP_THREAD_LIMIT=1, onnxruntime intra_op_num_threads=1).
"""

from ocr.page import Limits, Line, Page, UnreadableDocument

__all__ = ["Limits", "Line", "Page", "UnreadableDocument", "read_document", "check_complete", "warm_up"]


def __getattr__(name):
    # The reader pulls in pdfplumber, OpenCV and the engines; import it only when used.
    if name in ("read_document", "check_complete", "warm_up"):
        from ocr import reader

        return getattr(reader, name)
    raise AttributeError(name)
