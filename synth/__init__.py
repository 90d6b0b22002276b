"""Deterministic synthetic documents with ground truth: certificate cards, self-check
reports, rosters, degraded like real captures. For tests, the demo and benchmarks;
never real personal data.
"""
