"""Invented units (enterprises, training institutions, exam sites) with valid-looking
unified social credit codes (GB 32100-2015 check character)."""
from __future__ import annotations

import random
from dataclasses import dataclass

from domain.entities import CREDIT_CODE_CHARSET, credit_code_check_char
from synth.people import TAIAN_COUNTIES

ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
# Registration authority + type: 91 companies, 52 private non-enterprise schools, 12 public institutions.
KIND_PREFIX = {"enterprise": "91", "training_institution": "52", "exam_site": "12"}

_WORDS = "鑫达泰丰华盛恒通宏远瑞祥众诚金源岱宗汶阳东岳昌隆永安顺兴新航佳凯宇"
_TRADES = ("机械制造", "化工", "建材", "电力安装", "钢结构", "物流", "食品", "矿业", "热力", "纺织", "建筑安装", "制冷设备")


@dataclass(frozen=True)
class Unit:
    name: str
    kind: str        # enterprise | training_institution | exam_site
    county: str      # county name, e.g. 岱岳区
    credit_code: str


def org_code_check(base8: str) -> str:
    value = 11 - sum(CREDIT_CODE_CHARSET.index(c) * w for c, w in zip(base8, ORG_WEIGHTS)) % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def make_credit_code(rng: random.Random, kind: str, county_code: str) -> str:
    base8 = "".join(rng.choice("0123456789") for _ in range(8))
    first17 = KIND_PREFIX[kind] + county_code + base8 + org_code_check(base8)
    return first17 + credit_code_check_char(first17)


def random_unit(rng: random.Random, kind: str | None = None, county_code: str | None = None) -> Unit:
    kind = kind or rng.choices(("enterprise", "training_institution", "exam_site"), weights=(80, 12, 8))[0]
    county_code = county_code or rng.choice(sorted(TAIAN_COUNTIES))
    brand = "".join(rng.sample(_WORDS, 2))
    county = TAIAN_COUNTIES[county_code]
    if kind == "enterprise":
        prefix = rng.choice(("泰安市", "山东", f"{county[:2]}", "泰安"))
        name = f"{prefix}{brand}{rng.choice(_TRADES)}有限公司"
    elif kind == "training_institution":
        name = rng.choice((f"泰安市{brand}职业培训学校", f"{county}{brand}安全技术培训中心",
                           f"泰安{brand}安全生产培训学校"))
    else:
        name = rng.choice((f"泰安市{brand}特种作业考试点", f"{county}{brand}职业技术学校特种作业实操考场"))
    return Unit(name, kind, county, make_credit_code(rng, kind, county_code))
