"""Roster spreadsheets (.xlsx, .csv): who works where, with which certificate."""
from __future__ import annotations

import csv
import io
import re

from ingest.extract import facts
from ingest.extract.model import Field, Record, Understanding

# Header wording → column; clerks' spreadsheets vary, so keep this table the one place.
ROSTER_HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "人员姓名", "持证人"),
    "id_number": ("身份证号码", "身份证号", "公民身份号码", "身份证件号码", "证件号码"),
    "cert_no": ("操作证号", "证书编号", "证书号码", "证号", "特种作业操作证号"),
    "job": ("工种", "作业类别", "岗位", "准操项目", "操作项目", "作业项目"),
    "employer": ("单位名称", "用人单位", "所在单位", "工作单位", "单位"),
}
TITLE_EMPLOYER = re.compile(r"(?:单位名称|用人单位|单位)\s*[:：]\s*(.+)")


# A unit's roster has tens or hundreds of rows. Far more is a mistake or an attack (a 3.8 MB
# XLSX that unpacks to 1.1 GB, a 200,000-row CSV): refused before it costs memory or time.
MAX_ROWS = 10_000
MAX_COLUMNS = 64
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
# More problems than this in one column become one review item for the column.
PER_CELL_REVIEWS = 10


class RosterUnreadable(ValueError):
    """The spreadsheet cannot be read (corrupt, wrong encoding, no header row)."""

    code = "bad_roster"


class RosterTooLarge(RosterUnreadable):
    """More rows, columns or unpacked bytes than a roster can have."""

    code = "roster_too_large"


def _check_unpacked(data: bytes) -> None:
    """The sizes an XLSX (a ZIP) declares; zipfile never inflates a member past its size."""
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            unpacked = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise RosterUnreadable(f"not a readable .xlsx: {exc.__class__.__name__}") from exc
    if unpacked > MAX_UNPACKED_BYTES:
        raise RosterTooLarge(f"unpacks to {unpacked} bytes, limit {MAX_UNPACKED_BYTES}")


def _limited(rows, width: int = MAX_COLUMNS) -> list[list[str]]:
    out = []
    for row in rows:
        if len(out) >= MAX_ROWS:
            raise RosterTooLarge(f"more than {MAX_ROWS} rows")
        out.append(["" if c is None else str(c).strip() for c in row[:width]])
    return out


def read_rows(data: bytes, filename: str) -> list[list[str]]:
    name = filename.lower()
    if name.endswith(".xlsx"):
        import openpyxl
        _check_unpacked(data)
        try:
            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            ws = wb.worksheets[0]
            return _limited(ws.iter_rows(values_only=True, max_col=MAX_COLUMNS))
        except RosterUnreadable:
            raise
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise RosterUnreadable(f"not a readable .xlsx: {exc.__class__.__name__}") from exc
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise RosterUnreadable("unknown text encoding")
    try:
        return _limited(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise RosterUnreadable(f"not a readable .csv: {exc}") from exc


def _column_of(header: str) -> str | None:
    h = re.sub(r"\s", "", header)
    for key, variants in ROSTER_HEADERS.items():
        if any(h == v for v in variants):
            return key
    for key, variants in ROSTER_HEADERS.items():
        if any(v in h for v in variants if len(v) >= 2):
            return key
    return None


def read_roster(data: bytes, filename: str, county: str | None) -> Understanding:
    rows = read_rows(data, filename)
    employer: str | None = None
    header_at, columns = None, {}
    for i, row in enumerate(rows[:15]):
        joined = "".join(row)
        m = TITLE_EMPLOYER.search(joined)
        mapped = {j: _column_of(c) for j, c in enumerate(row) if c}
        mapped = {j: k for j, k in mapped.items() if k}
        if len(set(mapped.values()) & {"name", "id_number", "cert_no"}) >= 2:
            header_at, columns = i, mapped
            break
        if m and employer is None:
            employer = re.split(r"\s{2,}|[，,]", m.group(1).strip())[0].strip() or None
    if header_at is None:
        return Understanding("unknown", 0.4, [])
    out_rows, row_fields = [], {}
    employers = set()
    for i, row in enumerate(rows[header_at + 1:], start=header_at + 2):
        cells = {key: (row[j] if j < len(row) else "") for j, key in columns.items()}
        if not any(cells.get(k) for k in ("name", "id_number", "cert_no")):
            continue
        n = len(out_rows) + 1
        id_number = re.sub(r"\s", "", cells.get("id_number", "")).upper() or None
        cert_no = re.sub(r"\s", "", cells.get("cert_no", "")).upper() or None
        job = cells.get("job") or None
        item = facts.match_item(job).value if job else None
        entry = {"row": n, "name": cells.get("name") or None, "id_number": id_number,
                 "cert_no": cert_no, "job": job, "item": item, "sheet_row": i}
        if cells.get("employer"):
            entry["employer"] = cells["employer"]
            employers.add(cells["employer"])
        out_rows.append(entry)
        if id_number and not facts.id_valid(id_number):
            row_fields[f"rows.{n}.id_number"] = Field(id_number, 0.5, None, None, "id_checksum_invalid")
        if not entry["name"]:
            row_fields[f"rows.{n}.name"] = Field(None, 0.0, None, None, "not_found")
    row_fields = _per_column(row_fields)
    if employer is None and len(employers) == 1:
        employer = employers.pop()
    employer_field = Field(employer, 1.0, None, None, None) if employer else _employer_from_filename(filename)
    fields = {
        "employer": employer_field,
        "county": Field(county, 1.0 if county else 0.0, None, None, None if county else "no_county"),
    }
    return Understanding("roster", 1.0, [Record("roster", "roster", fields, {"rows": out_rows, "row_fields": row_fields})])


def _per_column(row_fields: dict[str, Field]) -> dict[str, Field]:
    """A few problems stay one review item per cell; many in one column (a sheet exported
    wrongly) become one item for the column, naming the rows, so a clerk fixes the sheet."""
    by_column: dict[tuple[str, str | None], list[str]] = {}
    for name, f in row_fields.items():
        _, n, column = name.split(".", 2)
        by_column.setdefault((column, f.reason), []).append(n)
    out = dict(row_fields)
    for (column, why), rows in by_column.items():
        if len(rows) <= PER_CELL_REVIEWS:
            continue
        for n in rows:
            del out[f"rows.{n}.{column}"]
        listed = ", ".join(rows[:20]) + (f" … ({len(rows)} rows)" if len(rows) > 20 else "")
        out[f"columns.{column}"] = Field(f"{len(rows)} rows: {listed}", 0.0, None, None, why)
    return out


FILENAME_NOISE = re.compile(r"(特种作业人员|特种作业|持证人员|人员)?(花名册|名册|名单|台账|统计表)|[_\-\s]*\d*$")


def _employer_from_filename(filename: str) -> Field:
    """A CSV has no title row; clerks name the file after the unit ("X公司特种作业人员花名册.csv")."""
    from domain.entities import unit_kind_from_text

    stem = re.split(r"[\\/]", filename)[-1].rsplit(".", 1)[0]
    name = FILENAME_NOISE.sub("", stem).strip(" _-")
    if name and unit_kind_from_text(name):
        return Field(name, 0.9, None, None, None)
    return Field(None, 0.0, None, None, "employer_missing")
