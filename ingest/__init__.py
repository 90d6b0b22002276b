"""Files in, events out: watching intake folders, claiming documents, OCR, extraction.

A clerk's file is claimed by its SHA-256 through the event store, kept in the
content-addressed document store, read by `ocr`, understood (certificate, self-check
report, roster) and recorded as events. Nothing else imports this package.
"""
