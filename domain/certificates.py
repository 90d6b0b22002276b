"""The rules a single 特种作业操作证 is judged by: its flags and its status.

`intrinsic_flags(cert, as_of)` derives every flag one certificate earns on its own (see
contract.md's flag table); the cross-document flags (conflicting_holder, name_mismatch)
need other documents and belong to the projections. `status` folds flags and the review
state into the exported status.

Rules change with time: 应急管理部令第19号 replaces the 3-yearly review (复审) by renewal
every 6 years from 2026-06-01. A review falling due before that date was owed under the
old rules (and its miss made the card invalid, Art. 26 of 原安监总局令第30号), so it still
counts when judged later; reviews falling due on or after it are no longer owed.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from domain import catalogue, ids, issuers
from domain.dates import add_years, to_date

FLAGS = (
    "expired", "not_yet_valid", "review_overdue", "id_checksum_invalid", "cert_no_mismatch",
    "unknown_item", "conflicting_holder", "underage_at_issue", "date_inconsistent",
    "other_certificate_kind", "sex_mismatch", "out_of_province", "out_of_city", "name_mismatch",
)
BLOCKING_FLAGS = frozenset({
    "expired", "not_yet_valid", "review_overdue", "id_checksum_invalid", "cert_no_mismatch",
    "unknown_item", "conflicting_holder", "underage_at_issue", "date_inconsistent",
    "other_certificate_kind", "name_mismatch",
})
STATUSES = ("valid", "invalid", "attention", "needs_review")


@dataclass(frozen=True)
class Rules:
    """The numbers the flags rest on, so a later order changes data, not code."""
    validity_years: int = 6
    validity_tolerance_days: int = 1
    review_every_years: int = 3
    review_window_days: int = 90  # a review this long before the due date counts
    minimum_age: int = 18
    review_owed_before: date = date(2026, 6, 1)  # 应急管理部令第19号 in force


RULES = Rules()


def rules_for(as_of: date) -> Rules:
    """The rules in force on `as_of`. One set today: the change of 2026-06-01 is expressed
    by `Rules.review_owed_before`, which is judged against each review's due date."""
    return RULES


def normalise_cert_no(text: str | None) -> str:
    """The ID number inside a certificate number: NFKC, no spaces, uppercase, one leading
    T (and a "证号:" label) removed. "T370902198503150011" -> "370902198503150011"."""
    number = ids.normalise(text)
    for label in ("证号:", "证号", "NO.", "NO:"):
        if number.startswith(label):
            number = number[len(label):]
    return number[1:] if number.startswith("T") else number


def review_due(valid_from, valid_until=None, printed_review_due=None, rules: Rules = RULES) -> date | None:
    """When the mid-term review falls due: the printed 应复审日期, else valid_from + 3 years
    (else valid_until − 3 years).
    None when there is none: the printed date is the end date (review stretched to once per
    6 years; a day's slack as for the end date) or nothing is known."""
    start, end, printed = to_date(valid_from), to_date(valid_until), to_date(printed_review_due)
    if printed:
        due = printed
    elif start:
        due = add_years(start, rules.review_every_years)
    elif end:  # no start read: sample cards print the due date as end − 3 years
        due = add_years(end, -rules.review_every_years)
    else:
        due = None
    if due is None:
        return None
    if end is not None and abs((due - end).days) <= rules.validity_tolerance_days:
        return None
    return due


def _dates(values) -> list[date]:
    if values is None:
        return []
    if isinstance(values, (str, date)):
        values = [values]
    return [d for d in (to_date(v) for v in values) if d is not None]


def _sex(value) -> str | None:
    text = str(value or "").strip().upper()
    if text in ("男", "M", "MALE", "男性"):
        return "男"
    if text in ("女", "F", "FEMALE", "女性"):
        return "女"
    return None


def _value(cert: Mapping, name: str):
    """A field's value, whether the record holds plain values or {"value": ...} fields."""
    value = cert.get(name)
    if isinstance(value, Mapping):
        value = value.get("value")
    return None if value == "" else value


def intrinsic_flags(cert: Mapping, as_of: date, rules: Rules | None = None) -> list[str]:
    """Flags one certificate earns by itself on `as_of`, in contract order.

    `cert` holds the contract's certificate fields (dates as `date` or ISO strings, plain
    values or {"value": ...} fields) and optionally `certificate_kind`. Missing fields
    raise no flag: they are the review queue's business.
    """
    rules = rules or rules_for(as_of)
    as_of = to_date(as_of)
    start, end = to_date(_value(cert, "valid_from")), to_date(_value(cert, "valid_until"))
    first = to_date(_value(cert, "first_issued"))
    kind = _value(cert, "certificate_kind") or "special_operation"
    # Only a 特种作业操作证 is numbered by its holder's ID number (鲁A012008000001 is not).
    cert_no = normalise_cert_no(_value(cert, "cert_no")) if kind == "special_operation" else ""
    id_number = ids.normalise(_value(cert, "id_number")) or cert_no
    id_check = ids.validate(id_number) if id_number else None
    born = id_check.birth_date if id_check and id_check.ok else None
    flags: set[str] = set()
    special = kind == "special_operation"

    if end and end < as_of:
        flags.add("expired")
    if start and start > as_of:
        flags.add("not_yet_valid")
    due = review_due(start, end, _value(cert, "review_due"), rules)
    # The 3-yearly review, the 6-year span and the issuer's region are rules of the
    # 特种作业操作证; a 住建 or 特种设备 card is flagged as another kind and judged no further.
    if special and due and due < rules.review_owed_before and as_of > due:
        counted_from = due - timedelta(days=rules.review_window_days)
        if not any(r >= counted_from for r in _dates(_value(cert, "reviews"))):
            flags.add("review_overdue")
    if id_check and not id_check.ok:
        flags.add("id_checksum_invalid")
    if cert_no and id_number and cert_no != id_number:
        flags.add("cert_no_mismatch")
    if not special:
        flags.add("other_certificate_kind")
    else:
        category, item = _value(cert, "category"), _value(cert, "item")
        if (category or item) and not _known(category, item):
            flags.add("unknown_item")
    # A card valid before the 18th birthday was first issued before it too.
    issued = first or start
    if born and issued and issued < add_years(born, rules.minimum_age):
        flags.add("underage_at_issue")
    if special and _dates_inconsistent(start, end, first, born, rules):
        flags.add("date_inconsistent")
    sex = _sex(_value(cert, "sex"))
    if sex and id_check and id_check.ok and id_check.sex != sex:
        flags.add("sex_mismatch")
    issuer_class = issuers.classify_issuer(_value(cert, "issuer")) if special and _value(cert, "issuer") else None
    if issuer_class in ("out_of_province", "out_of_city"):
        flags.add(issuer_class)
    return [f for f in FLAGS if f in flags]


def _known(category, item) -> bool:
    """An item is known when it is in the catalogue (in the category, when one is given);
    a category alone is known when it is a catalogue category."""
    if item:
        return catalogue.is_known(category, item)
    return catalogue.key(category) in {catalogue.key(c) for c in catalogue.CATEGORIES}


def _dates_inconsistent(start, end, first, born, rules: Rules) -> bool:
    if start and end:
        if end <= start:
            return True
        expected = add_years(start, rules.validity_years)
        if abs((end - expected).days) > rules.validity_tolerance_days:
            return True
    if first and start and first > start:
        return True  # the first issue of an item cannot follow this card's validity start
    if born and first and first < born:
        return True
    return False


def status(flags: Iterable[str], needs_review: bool = False) -> str:
    """needs_review while a field awaits review; else invalid with any blocking flag;
    else attention with any other flag; else valid."""
    flags = set(flags)
    if needs_review:
        return "needs_review"
    if flags & BLOCKING_FLAGS:
        return "invalid"
    if flags:
        return "attention"
    return "valid"


__all__ = ["FLAGS", "BLOCKING_FLAGS", "STATUSES", "Rules", "RULES", "rules_for", "normalise_cert_no",
           "review_due", "intrinsic_flags", "status"]
