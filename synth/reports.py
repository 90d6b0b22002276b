"""Synthetic self-check rectification reports (自查整改报告): truth and A4 page renders with the
问题清单 table, a handwritten-looking signature (or none) and a red unit seal (or none)."""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from PIL import Image, ImageDraw

from synth.certificates import draw_seal
from synth.dates import fmt, random_date
from synth.fonts import font
from synth.people import random_name
from synth.units import Unit, random_unit

PAGE = (1240, 1754)   # A4 at 150 DPI
MARGIN_X, TOP, BOTTOM = 90, 110, 1640
KIND_ZH = {"enterprise": "生产经营单位", "training_institution": "培训机构", "exam_site": "考试点"}
STATUS_DONE, STATUS_DOING, STATUS_OPEN = "已整改", "整改中", "未整改"
INK = (25, 25, 25)

PROBLEMS = {
    "enterprise": (
        ("外包施工队伍中{n}名电焊作业人员未持证上岗", "立即停止其作业，组织参加培训考试取证后再上岗"),
        ("{n}名电工特种作业操作证超期未复审", "督促相关人员到发证机关办理复审，复审前调离特种作业岗位"),
        ("特种作业人员台账不完善，未记录证件有效期和复审情况", "重新建立特种作业人员台账，逐人登记并定期更新"),
        ("临时用工人员持外省证件上岗，未经核验", "通过全国特种作业操作证查询平台逐一核验证件真伪"),
        ("发现{n}名人员人证不一致，现场作业人员与证件持有人不符", "清退相关人员，追究班组管理责任"),
        ("高处作业人员安全培训档案缺失", "补充完善培训档案，开展岗前安全培训"),
        ("制冷设备运行岗位人员持证类别与实际作业不符", "安排相关人员参加制冷与空调作业培训取证"),
    ),
    "training_institution": (
        ("{n}名授课教师未持有所授科目特种作业操作证", "调整授课安排，相关教师限期取得对应证件"),
        ("部分班次理论培训学时不足大纲要求", "严格按照培训大纲补足学时，完善考勤记录"),
        ("培训档案中签到记录不全", "完善培训签到和影像资料管理制度"),
        ("实操训练设备老化，部分不能正常使用", "更新实操训练设备，建立设备维护台账"),
        ("招生宣传材料存在\u201c包过\u201d等不当表述", "撤回相关宣传材料，加强招生管理"),
    ),
    "exam_site": (
        ("实操考试设备不满足考试标准要求", "按照考试标准配齐真实设备，报请验收"),
        ("{n}名考评员持证科目与所考科目不符", "调整考评员安排，确保持证考评"),
        ("考试档案资料不完整", "逐场整理考试档案，做到一人一档"),
        ("考场视频监控存储时间不足", "升级监控存储设备，保存期限不少于规定要求"),
        ("灭火器的选择和使用科目未使用真实器材", "配备真实灭火器材，规范实操考试"),
    ),
}


@dataclass(frozen=True)
class ProblemTruth:
    seq: int
    description: str
    measure: str
    deadline: date
    owner: str
    rectified: bool
    status: str          # 已整改 | 整改中 | 未整改, as printed


@dataclass(frozen=True)
class ReportTruth:
    unit_name: str
    unit_kind: str
    county: str
    credit_code: str
    report_date: date
    signed: bool
    sealed: bool
    problems: tuple[ProblemTruth, ...]

    def fields(self) -> dict:
        return {"unit_name": self.unit_name, "unit_kind": self.unit_kind, "county": self.county,
                "report_date": self.report_date.isoformat(), "signed": self.signed, "sealed": self.sealed,
                "credit_code": self.credit_code}

    def to_dict(self) -> dict:
        return {**self.fields(), "problems": [
            {"seq": p.seq, "description": p.description, "measure": p.measure,
             "deadline": p.deadline.isoformat(), "owner": p.owner, "rectified": p.rectified,
             "status": p.status} for p in self.problems]}


def random_report(rng: random.Random, *, unit: Unit | None = None, n_problems: int | None = None,
                  signed: bool | None = None, sealed: bool | None = None,
                  dated_between: tuple[date, date] = (date(2024, 5, 6), date(2024, 6, 28))) -> ReportTruth:
    """A report's truth; unsigned about one in six, unsealed about one in ten."""
    unit = unit or random_unit(rng)
    report_date = random_date(rng, *dated_between)
    n = n_problems if n_problems is not None else rng.choices((0, 1, 2, 3, 4, 5, 7, 12),
                                                              weights=(4, 10, 18, 22, 18, 12, 10, 6))[0]
    templates = PROBLEMS[unit.kind]
    order = rng.sample(range(len(templates)), len(templates))
    problems = []
    for seq in range(1, n + 1):
        description, measure = templates[order[(seq - 1) % len(templates)]]
        description = description.format(n=rng.randint(1, 6))
        if seq > len(templates):  # more problems than templates: say where it was found
            description = f"{rng.choice(('一车间', '二车间', '仓储区', '机修班', '外包项目部'))}{description}"
        deadline = report_date + timedelta(days=rng.choice((-20, -10, 0, 10, 15, 30, 45, 60)))
        rectified = rng.random() < 0.6
        status = STATUS_DONE if rectified else (STATUS_DOING if deadline >= report_date else STATUS_OPEN)
        problems.append(ProblemTruth(seq, description, measure, deadline,
                                     random_name(rng, rng.choice(("男", "男", "女"))), rectified, status))
    return ReportTruth(
        unit_name=unit.name, unit_kind=unit.kind, county=unit.county, credit_code=unit.credit_code,
        report_date=report_date,
        signed=signed if signed is not None else rng.random() > 0.16,
        sealed=sealed if sealed is not None else rng.random() > 0.10,
        problems=tuple(problems))


# --- rendering ---------------------------------------------------------------------------

def _wrap(text: str, f, width: int) -> list[str]:
    lines, line = [], ""
    for ch in text:
        if line and f.getlength(line + ch) > width:
            lines.append(line)
            line = ""
        line += ch
    return lines + [line] if line else lines or [""]


def draw_signature(draw: ImageDraw.ImageDraw, rng: random.Random, x: int, y: int, w: int = 220, h: int = 70) -> None:
    """Fast cursive-looking strokes: chained cubic Béziers in blue-black ink."""
    ink = rng.choice(((20, 30, 110), (15, 15, 20), (30, 40, 90)))
    width = rng.randint(3, 5)
    for stroke in range(rng.randint(2, 3)):
        px, py = x + stroke * w / 3 + rng.uniform(0, 20), y + rng.uniform(0.3, 0.7) * h
        for _ in range(rng.randint(3, 6)):
            c1 = (px + rng.uniform(-10, 40), py + rng.uniform(-h * 0.6, h * 0.6))
            c2 = (px + rng.uniform(0, 50), py + rng.uniform(-h * 0.6, h * 0.6))
            end = (min(x + w, px + rng.uniform(10, 45)), y + rng.uniform(0.1, 0.9) * h)
            pts = []
            for k in range(25):
                t = k / 24
                a, b, c, d = (1 - t) ** 3, 3 * t * (1 - t) ** 2, 3 * t * t * (1 - t), t ** 3
                pts.append((a * px + b * c1[0] + c * c2[0] + d * end[0], a * py + b * c1[1] + c * c2[1] + d * end[1]))
            draw.line(pts, fill=ink, width=width, joint="curve")
            px, py = end
    if rng.random() < 0.6:  # the trailing flourish under the name
        draw.arc((x - 10, y + h * 0.4, x + w + 20, y + h * 1.3), 200, 340 + rng.uniform(-15, 15), fill=ink, width=width - 1)


class _Pager:
    """Pages of the report, starting a new one when the next block does not fit."""

    def __init__(self) -> None:
        self.pages: list[Image.Image] = []
        self.new_page()

    def new_page(self) -> None:
        self.page = Image.new("RGB", PAGE, (255, 255, 255))
        self.draw = ImageDraw.Draw(self.page)
        self.pages.append(self.page)
        self.y = TOP

    def ensure(self, height: int) -> bool:
        if self.y + height > BOTTOM:
            self.new_page()
            return True
        return False


COLUMNS = (("序号", 64), ("问题描述", 294), ("整改措施", 284), ("整改责任人", 130), ("整改时限", 186), ("整改状态", 112))


def render_report(truth: ReportTruth, rng: random.Random) -> list[Image.Image]:
    """The report as A4 pages (1240×1754, 150 DPI); the table continues on later pages."""
    style = rng.choice(("cn", "iso"))
    title_f, head_f, body_f, cell_f = font(46, serif=True, bold=True), font(27), font(26), font(24)
    pager = _Pager()
    d = pager.draw
    d.text((PAGE[0] // 2, pager.y + 10), "自查整改报告", font=title_f, fill=INK, anchor="mt")
    pager.y += 100
    header = [("单位名称", truth.unit_name), ("单位类型", KIND_ZH[truth.unit_kind]),
              ("统一社会信用代码", truth.credit_code), ("所属县市区", truth.county),
              ("自查时间", fmt(truth.report_date, style))]
    for label, value in header:
        d.text((MARGIN_X, pager.y), f"{label}：{value}", font=head_f, fill=INK)
        pager.y += 46
    pager.y += 14
    done = sum(p.rectified for p in truth.problems)
    narrative = (f"根据《泰安市应急管理局关于开展特种作业人员安全培训考试和持证上岗专项整治的通知》要求，"
                 f"我单位成立了以主要负责人为组长的自查工作小组，对照通知要求逐项开展自查。"
                 f"本次自查共发现问题{len(truth.problems)}项，已整改{done}项，"
                 f"其余问题已明确整改措施、责任人和整改时限，具体见问题清单。")
    for line in _wrap(narrative, body_f, PAGE[0] - 2 * MARGIN_X - 52):
        d.text((MARGIN_X + (52 if line == narrative[:len(line)] else 0), pager.y), line, font=body_f, fill=INK)
        pager.y += 42
    pager.y += 20
    d.text((PAGE[0] // 2, pager.y), "问题清单", font=font(32, bold=True), fill=INK, anchor="mt")
    pager.y += 56
    _table(pager, truth, cell_f, style)
    _signature_block(pager, truth, rng, style)
    total = len(pager.pages)
    for k, page in enumerate(pager.pages, 1):
        ImageDraw.Draw(page).text((PAGE[0] // 2, 1690), f"第{k}页 共{total}页", font=font(22), fill=INK, anchor="mm")
    return pager.pages


def _table(pager: _Pager, truth: ReportTruth, f, style: str) -> None:
    x_edges = [MARGIN_X]
    for _, width in COLUMNS:
        x_edges.append(x_edges[-1] + width)

    def header_row() -> None:
        h = 50
        for (name, _), x0, x1 in zip(COLUMNS, x_edges, x_edges[1:]):
            pager.draw.rectangle((x0, pager.y, x1, pager.y + h), outline=INK, width=2, fill=(238, 238, 238))
            pager.draw.text(((x0 + x1) // 2, pager.y + h // 2), name, font=f, fill=INK, anchor="mm")
        pager.y += h

    header_row()
    if not truth.problems:
        pager.draw.rectangle((x_edges[0], pager.y, x_edges[-1], pager.y + 50), outline=INK, width=2)
        pager.draw.text(((x_edges[0] + x_edges[-1]) // 2, pager.y + 25), "未发现问题", font=f, fill=INK, anchor="mm")
        pager.y += 50
        return
    for p in truth.problems:
        cells = [str(p.seq), p.description, p.measure, p.owner, fmt(p.deadline, 'cn_short' if style == 'cn' else style), p.status]
        wrapped = [_wrap(text, f, width - 16) for text, (_, width) in zip(cells, COLUMNS)]
        h = max(len(lines) for lines in wrapped) * 34 + 18
        if pager.ensure(h):
            pager.draw.text((MARGIN_X, pager.y), "问题清单（续）", font=font(26), fill=INK)
            pager.y += 44
            header_row()
        for lines, x0, x1 in zip(wrapped, x_edges, x_edges[1:]):
            pager.draw.rectangle((x0, pager.y, x1, pager.y + h), outline=INK, width=2)
            ty = pager.y + (h - len(lines) * 34) // 2 + 2
            for line in lines:
                anchor_x = x0 + 8 if len(lines) > 1 or f.getlength(line) > (x1 - x0) * 0.7 else (x0 + x1) // 2
                pager.draw.text((anchor_x, ty), line, font=f, fill=INK, anchor="la" if anchor_x == x0 + 8 else "ma")
                ty += 34
        pager.y += h


def _signature_block(pager: _Pager, truth: ReportTruth, rng: random.Random, style: str) -> None:
    pager.ensure(330)
    pager.y += 60
    f = font(28)
    x = 620
    pager.draw.text((x, pager.y), "主要负责人签字：", font=f, fill=INK)
    if truth.signed:
        draw_signature(pager.draw, rng, x + 230, pager.y - 25)
    pager.y += 90
    pager.draw.text((x, pager.y), "单位（盖章）：", font=f, fill=INK)
    seal_at = (x + 300, pager.y + 20)
    pager.y += 90
    pager.draw.text((x + 60, pager.y), fmt(truth.report_date, "cn"), font=f, fill=INK)
    if truth.sealed:
        draw_seal(pager.page, (seal_at[0] + rng.randint(-20, 20), seal_at[1] + rng.randint(-10, 10)), 105,
                  truth.unit_name, rng, alpha=170)
        pager.draw = ImageDraw.Draw(pager.page)
    pager.y += 60
