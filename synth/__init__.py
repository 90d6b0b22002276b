"""Deterministic synthetic documents with ground truth: certificate cards, self-check
reports, rosters, degraded like real captures. For tests, the demo and benchmarks;
never real personal data.

people (names, IDs) → certificates / reports / rosters (truth + render) → degrade
(captures, encoders) and pdfs (text-layer and cid-garbage PDFs) → corpus (whole intakes
with truth.jsonl), demo (the `make demo` intake), badfiles (inputs intake must refuse).
"""
