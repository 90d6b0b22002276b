"""The campaign's facts as code: ID numbers, the catalogue of operation items, dates,
counties, issuers, certificate rules, and the event vocabulary.

Pure functions and constants, no I/O: both ingest (to repair and validate what OCR read)
and projections (to flag certificates) depend on it; it depends on nothing in zhili.
The facts come from ../shared/spec/domain.md.
"""
