"""Invented people: common-surname names, ID numbers with valid (or deliberately wrong) check digits."""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from domain.counties import DIVISIONS
from domain.ids import make_id

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡"
    "贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段"
    "雷钱汤尹黎易常武乔贺赖龚文")
MALE_GIVEN = "伟强磊军洋勇杰涛明超刚建国志海东林辉鹏斌宇浩凯鑫峰成德福利庆文新振永立金荣光波亮"
FEMALE_GIVEN = "芳娜敏静丽艳娟秀霞平桂英华玉兰红春晓萍燕琳雪梅丹婷慧莉"

TAIAN_COUNTIES = {county.code: county.name for county in DIVISIONS}
# Address codes used for people born elsewhere (real division codes, invented people).
OTHER_REGIONS = {
    "370102": "济南市历下区", "370203": "青岛市市北区", "370303": "淄博市张店区",
    "370811": "济宁市任城区", "371302": "临沂市兰山区", "371402": "德州市德城区",
    "410102": "郑州市中原区", "411102": "漯河市源汇区", "411302": "南阳市宛城区",
    "320102": "南京市玄武区", "320311": "徐州市泉山区", "130102": "石家庄市长安区",
    "341202": "阜阳市颍州区", "510104": "成都市锦江区", "370922": "肥城县(旧)",
}
REGION_GROUPS = {
    "taian": tuple(TAIAN_COUNTIES),
    "shandong": ("370102", "370203", "370303", "370811", "371302", "371402"),
    "henan": ("410102", "411102", "411302"),
    "jiangsu": ("320102", "320311"),
    "hebei": ("130102",),
    "anhui": ("341202",),
    "sichuan": ("510104",),
}


@dataclass(frozen=True)
class Person:
    name: str
    sex: str          # 男 | 女, as the ID number's sex digit says
    id_number: str
    birth: date


def corrupt_check_digit(id_number: str, rng: random.Random) -> str:
    """The same ID with a check character that does not match."""
    good = id_number[-1]
    bad = rng.choice([c for c in "0123456789X" if c != good])
    return id_number[:-1] + bad


def random_name(rng: random.Random, sex: str) -> str:
    given = MALE_GIVEN if sex == "男" else FEMALE_GIVEN
    length = rng.choices((1, 2), weights=(35, 65))[0]
    return rng.choice(SURNAMES) + "".join(rng.choice(given) for _ in range(length))


def resolve_region(rng: random.Random, region: str | None) -> str:
    """A 6-digit code: given as such, a group name (taian, henan...), or None for the usual mix."""
    if region is None:
        group = rng.choices(("taian", "shandong", "henan", "jiangsu", "hebei", "anhui", "sichuan"),
                            weights=(75, 7, 8, 4, 2, 2, 2))[0]
        return rng.choice(REGION_GROUPS[group])
    if region in REGION_GROUPS:
        return rng.choice(REGION_GROUPS[region])
    if len(region) == 6 and region.isdigit():
        return region
    raise ValueError(f"unknown region {region!r}")


def random_person(rng: random.Random, region: str | None = None, *, sex: str | None = None,
                  born_between: tuple[date, date] = (date(1965, 1, 1), date(2002, 12, 31))) -> Person:
    """A person with a valid ID number from `region` (a code, a group name, or the usual mix)."""
    code = resolve_region(rng, region)
    sex = sex or rng.choices(("男", "女"), weights=(85, 15))[0]
    lo, hi = born_between
    birth = lo + timedelta(days=rng.randrange((hi - lo).days + 1))
    sequence = rng.randrange(0, 500) * 2 + (1 if sex == "男" else 0)
    return Person(random_name(rng, sex), sex, make_id(code, birth, sequence), birth)
