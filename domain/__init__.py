"""The campaign's facts as code: ID numbers, the catalogue of operation items, dates,
counties, issuers, certificate rules, and the event vocabulary.

Pure functions and constants, no I/O: both ingest (to repair and validate what OCR read)
and projections (to flag certificates) depend on it; it depends on nothing in zhili.
The facts come from ../shared/spec/domain.md.

    ids           GB 11643 ID numbers: validate, repair one OCR confusion, make, mask
    dates         Chinese and numeric date forms, validity periods, year arithmetic
    catalogue     the 特种作业目录 (10 categories, 54 items), fuzzy matching, other card kinds
    issuers       local / out_of_city / out_of_province by the issuing authority
    counties      Tai'an's six divisions and functional zones, folder names, report order
    certificates  a certificate's own flags, its review due date and status
    entities      unit name keys, entity ids, unit kinds
    text          one spelling for OCR'd Chinese text
    vocabulary    the event types and their data shapes (shared by ingest and projections)
"""
