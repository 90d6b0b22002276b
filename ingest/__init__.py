"""Files in, events out: watching intake folders, claiming documents, OCR, extraction.

A clerk's file is claimed by its SHA-256 through the event store, kept in the
content-addressed document store, read by `ocr`, understood (certificate, self-check
report, roster) and recorded as events. Nothing else imports this package.

    folder      the intake folder: what to take, when it is ready, where it goes after
    docstore    originals by SHA-256, written atomically
    ledger      a document's life in the event store: claim once, finish once
    processing  one document's bytes to events (runs in a worker process)
    workers     isolated, time-limited reader processes
    intake      the order of steps that makes a crash harmless
    watching    `ingest` once, or `watch` continuously
    reasons     why a file was refused, in words a clerk can act on
    extract/    pages to understood records (another engineer's)
"""
