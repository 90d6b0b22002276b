"""The problem table's columns (header wording) and the cells read into them."""
from __future__ import annotations

from dataclasses import dataclass


# Problem-table header wording → column. Forms differ between counties: extend here.
PROBLEM_COLUMNS: dict[str, tuple[str, ...]] = {
    "seq": ("序号",),
    "description": ("问题描述", "存在问题", "问题内容"),
    "category": ("问题类别", "问题类型"),
    "measure": ("整改措施", "整改方案"),
    "owner": ("整改责任人", "责任人"),
    "deadline": ("整改时限", "整改期限", "完成时限"),
    "status": ("整改状态", "整改情况", "完成情况", "是否整改"),
    "done_date": ("完成日期", "完成时间"),
    "remark": ("备注",),
}


# --- the problem table -----------------------------------------------------------------------

@dataclass
class _Cell:
    column: str
    text: str
    confidence: float
    y: float
    box: tuple[int, int, int, int]
