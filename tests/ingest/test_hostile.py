"""Hostile input: formulas in cells, paths as counties, zip bombs, huge sheets, empty files."""
from __future__ import annotations

import csv
import io
import json
import zipfile

from openpyxl import Workbook, load_workbook

from domain import vocabulary as v
from domain.ids import make_id
from ingest.extract import roster
from projections import sheets
from tests.ingest.helpers import events_of, write, zhili

WATCH_ONCE = ("watch", "--once", "--settle-seconds", "0.2", "--engine", "tesseract")
FORMULA = '=HYPERLINK("http://evil.example/x")'  # a roster title is cut at commas


def _ids(n: int, valid: bool = True) -> list[str]:
    from datetime import date

    out = []
    for i in range(n):
        good = make_id("370902", date(1980, 1, 1 + i % 28), i % 1000)
        out.append(good if valid else good[:-1] + ("0" if good[-1] != "0" else "1"))
    return out


def roster_csv(title: str, rows: int, valid: bool = True) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([title])
    w.writerow(["姓名", "身份证号码", "操作证号", "工种"])
    for i, number in enumerate(_ids(rows, valid)):
        w.writerow([f"工人{i}", number, "T" + number, "电工作业"])
    return buf.getvalue().encode("utf-8-sig")


def test_neutralise_cells_keeps_numbers_and_dates():
    assert [sheets.neutralise(x) for x in ["=1+1", "+1", "-x", "@SUM(A1)", "\tx", "\rx", "ok", "-3", "-0.5"]] == \
        ["'=1+1", "'+1", "'-x", "'@SUM(A1)", "'\tx", "'\rx", "ok", "-3", "-0.5"]
    from datetime import date

    wb = Workbook()
    sheets.append(wb.active, [FORMULA, -5, 0.25, date(2024, 6, 1), "-7"])
    buf = io.BytesIO()
    wb.save(buf)
    cells = [c.value for c in load_workbook(io.BytesIO(buf.getvalue())).active[1]]
    assert cells[0] == "'" + FORMULA and cells[1] == -5 and cells[2] == 0.25
    assert cells[3].date() == date(2024, 6, 1) and cells[4] == "-7"


def test_a_formula_in_a_roster_title_comes_out_as_text(tmp_path):
    db, intake = f"sqlite:///{tmp_path}/z.db", tmp_path / "in"
    write(intake / "=1+2" / "花名册.csv", roster_csv(f"单位名称：{FORMULA}", 3))
    assert zhili(db, *WATCH_ONCE, str(intake), docs=tmp_path / "docs").returncode == 0
    out = zhili(db, "export", "entities", "--format", "csv")
    assert out.returncode == 0, out.stderr
    cells = [c for row in csv.reader(io.StringIO(out.stdout)) for c in row]
    assert any(FORMULA in c for c in cells)
    assert not any(c.startswith(sheets.FORMULA_STARTS) and not sheets._PLAIN_NUMBER.fullmatch(c) for c in cells)
    xlsx = tmp_path / "s.xlsx"
    assert zhili(db, "report", "summary", "--format", "xlsx", "-o", str(xlsx)).returncode == 0
    ws = load_workbook(xlsx).active
    values = [c.value for row in ws.iter_rows() for c in row if c.value is not None]
    assert "'=1+2" in values  # the odd county folder, as text
    assert not any(isinstance(x, str) and x.startswith("=") for x in values)
    assert any(isinstance(x, int) for x in values)  # counts stay numbers


def test_a_county_that_is_a_path_is_refused(tmp_path):
    db, intake = f"sqlite:///{tmp_path}/z.db", tmp_path / "a" / "b" / "in"
    write(intake / "x.csv", roster_csv("单位名称：甲公司", 2))
    for bad in ("../../../X", "a/b", "..", ".hidden", "泰山区\n"):
        result = zhili(db, "ingest", "--county", bad, "--move", str(intake), docs=tmp_path / "docs")
        assert result.returncode == 2 and "plain folder name" in result.stderr, bad
    assert not (tmp_path / "X").exists() and (intake / "x.csv").exists()
    assert events_of(db) == []
    ok = zhili(db, "ingest", "--county", "泰山区", "--move", str(intake), docs=tmp_path / "docs")
    assert ok.returncode == 0, ok.stderr
    assert (intake / ".done" / "泰山区" / "x.csv").exists()


def test_an_empty_file_is_refused_at_once(tmp_path):
    """`--give-up-seconds 600`: were the empty file waited for, `--once` would not end
    before the subprocess timeout."""
    db, intake = f"sqlite:///{tmp_path}/z.db", tmp_path / "in"
    write(intake / "泰山区" / "empty.pdf", b"")
    result = zhili(db, *WATCH_ONCE, "--give-up-seconds", "600", str(intake), docs=tmp_path / "docs", timeout=60)
    assert result.returncode == 0, result.stderr
    reason = (intake / ".rejected" / "泰山区" / "empty.pdf.reason.txt").read_text("utf-8")
    assert "Reason code: empty" in reason
    [refused] = [e for e in events_of(db) if e.type == v.FILE_REFUSED]
    assert refused.data["reason_code"] == "empty"


def xlsx_bomb(unpacked: int) -> bytes:
    """A valid-looking XLSX whose sheet inflates to `unpacked` bytes (it compresses ~1000x)."""
    wb = Workbook()
    wb.active.append(["姓名", "身份证号码", "操作证号"])
    buf = io.BytesIO()
    wb.save(buf)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                pad = b"<!--" + b" " * unpacked + b"-->"
                data = data.replace(b"<sheetData>", pad + b"<sheetData>", 1)
            dst.writestr(info.filename, data)
    return out.getvalue()


def test_oversized_rosters_are_refused_with_a_reason(tmp_path):
    db, intake = f"sqlite:///{tmp_path}/z.db", tmp_path / "in"
    bomb = xlsx_bomb(roster.MAX_UNPACKED_BYTES + 1)
    assert len(bomb) < roster.MAX_UNPACKED_BYTES // 100
    write(intake / "泰山区" / "bomb.xlsx", bomb)
    write(intake / "泰山区" / "long.csv", roster_csv("单位名称：乙公司", roster.MAX_ROWS + 5))
    assert zhili(db, *WATCH_ONCE, str(intake), docs=tmp_path / "docs", timeout=180).returncode == 0
    rejected = intake / ".rejected" / "泰山区"
    for name, detail in (("bomb.xlsx", "unpacks to"), ("long.csv", f"more than {roster.MAX_ROWS} rows")):
        text = (rejected / f"{name}.reason.txt").read_text("utf-8")
        assert "Reason code: roster_too_large" in text and detail in text and "10000 行" in text, text
    assert not [e for e in events_of(db) if e.type == v.FIELD_NEEDS_REVIEW]


def test_a_sheet_of_bad_numbers_is_one_review_item_per_column(tmp_path):
    db, intake = f"sqlite:///{tmp_path}/z.db", tmp_path / "in"
    write(intake / "泰山区" / "bad.csv", roster_csv("单位名称：丙公司", 300, valid=False))
    write(intake / "泰山区" / "few.csv", roster_csv("单位名称：丁公司", 3, valid=False))
    assert zhili(db, *WATCH_ONCE, str(intake), docs=tmp_path / "docs", timeout=180).returncode == 0
    reviews = [e.data for e in events_of(db) if e.type == v.FIELD_NEEDS_REVIEW]
    fields = sorted(r["field"] for r in reviews)
    assert fields == ["columns.id_number", "rows.1.id_number", "rows.2.id_number", "rows.3.id_number"]
    [column] = [r for r in reviews if r["field"] == "columns.id_number"]
    assert column["reason"] == "id_checksum_invalid" and column["value"].startswith("300 rows: 1, 2, 3")
    out = json.loads(zhili(db, "export", "review").stdout)
    assert len(out) == 4
