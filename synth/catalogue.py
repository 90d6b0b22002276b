"""What the generator draws certificates from: the 特种作业目录 (domain.catalogue, the one
copy of domain.md §3), how often each category turns up, and the 住建 construction trades
that are not in it.
"""
from __future__ import annotations

from domain.catalogue import CATALOGUE

__all__ = ["CATALOGUE", "CATEGORY_WEIGHTS", "COMMON_ITEMS", "CONSTRUCTION_TRADES"]

# How often each category turns up among Tai'an's workers (electricians and welders dominate).
CATEGORY_WEIGHTS = {
    "电工作业": 40, "焊接与热切割作业": 25, "高处作业": 12, "制冷与空调作业": 6, "煤矿安全作业": 3,
    "金属非金属矿山安全作业": 3, "石油天然气安全作业": 1, "冶金（有色）生产安全作业": 2,
    "危险化学品安全作业": 6, "烟花爆竹安全作业": 2,
}
COMMON_ITEMS = {"电工作业": ("低压电工作业", "高压电工作业"), "焊接与热切割作业": ("熔化焊接与热切割作业",)}

# 建筑施工特种作业 (住建): trade code used in the certificate number, trade name.
CONSTRUCTION_TRADES = (
    ("01", "建筑电工"), ("02", "建筑架子工（普通脚手架）"), ("04", "建筑起重信号司索工"),
    ("05", "建筑起重机械司机（塔式起重机）"), ("08", "高处作业吊篮安装拆卸工"), ("10", "建筑焊工"),
)

