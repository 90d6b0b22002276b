"""The domain rules the projections apply, in the shape the read side needs them.

Everything here comes from `domain/`; this module only adapts signatures and adds the
masking of names for public exports.
"""
from __future__ import annotations

from typing import Iterable

from domain import certificates as _certs
from domain.counties import DIVISIONS, sorted_counties
from domain.entities import entity_id, normalise_name
from domain import privacy as _privacy

BLOCKING_FLAGS = _certs.BLOCKING_FLAGS
intrinsic_flags = _certs.intrinsic_flags
normalise_cert_no = _certs.normalise_cert_no
status = _certs.status

__all__ = ["BLOCKING_FLAGS", "county_order", "entity_id", "intrinsic_flags", "mask_id", "mask_name",
           "normalise_cert_no", "normalise_name", "review_due", "status"]


def review_due(cert: dict):
    """The review due date of a certificate record (None when it has no mid-term review)."""
    return _certs.review_due(cert.get("valid_from"), cert.get("valid_until"), cert.get("review_due"))


def county_order(names: Iterable[str]) -> list[str]:
    """Report rows: the six divisions always, then zones and unknown folders that appear."""
    divisions = [c.name for c in DIVISIONS]
    return divisions + [n for n in sorted_counties(names) if n not in divisions]


# Masking lives in domain.privacy (one module for exports, logs, topics and the API).
mask_name = _privacy.mask_name
mask_id = _privacy.mask_id
