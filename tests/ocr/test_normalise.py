"""One spelling for recognised text."""
from __future__ import annotations

import pytest

from ocr.normalise import normalise_line


@pytest.mark.parametrize(
    "raw, normal",
    [
        ("特 种 作 业 操 作 证", "特种作业操作证"),  # Tesseract spaces every Chinese character
        ("姓名： 张三", "姓名:张三"),  # full-width colon folded, space after a label dropped
        ("证号：３７０９０２１９９００１０１００１１", "证号:370902199001010011"),
        ("2023 年 5 月 1 日", "2023年5月1日"),
        ("有效期：2020—05—01 至 2026–05–01", "有效期:2020-05-01至2026-05-01"),
        ("（一） 培训 学时 不足", "(一)培训学时不足"),
        ("ID No.   123 456", "ID No. 123 456"),  # Latin words and digit groups keep one space
        ("  \t ", ""),
        ("泰安市应急管理局。", "泰安市应急管理局。"),  # Chinese-only marks are kept
    ],
)
def test_normal_spelling(raw, normal):
    assert normalise_line(raw) == normal


def test_idempotent():
    once = normalise_line("单位 名称 ： 泰安 （ 某某 ） 化工  有限公司 ， 2023 年")
    assert normalise_line(once) == once

