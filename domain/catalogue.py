"""The 特种作业目录 (10 categories, 54 items) and fuzzy matching of what OCR or a roster says.

`match_item` and `match_category` return the closest canonical name when it is close
enough and clearly closer than the runner-up; otherwise no value but the candidates, for a
clerk to choose. Similarity is 1 − edit distance / length, on names with spaces and
punctuation removed, so one or two misread characters in a long name still match while
unrelated text does not. Informal names (电工证, 焊工证, 登高证...) are looked up first.
`certificate_kind` tells a 特种作业操作证 from the look-alike construction (住建) and special
equipment (市场监管) cards, which must not be matched against this catalogue.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

CATALOGUE: dict[str, tuple[str, ...]] = {
    "电工作业": ("高压电工作业", "低压电工作业", "防爆电气作业", "电力电缆作业", "继电保护作业",
             "电气试验作业"),
    "焊接与热切割作业": ("熔化焊接与热切割作业", "压力焊作业", "钎焊作业"),
    "高处作业": ("登高架设作业", "高处安装、维护、拆除作业"),
    "制冷与空调作业": ("制冷与空调设备运行操作作业", "制冷与空调设备安装修理作业"),
    "煤矿安全作业": ("煤矿井下电气作业", "煤矿井下爆破作业", "煤矿安全监测监控作业", "煤矿瓦斯检查作业",
               "煤矿安全检查作业", "煤矿提升机操作作业", "煤矿采煤机（掘进机）操作作业", "煤矿瓦斯抽采作业",
               "煤矿防突作业", "煤矿探放水作业"),
    "金属非金属矿山安全作业": ("金属非金属矿井通风作业", "尾矿作业", "金属非金属矿山安全检查作业",
                     "金属非金属矿山提升机操作作业", "金属非金属矿山支柱作业", "金属非金属矿山井下电气作业",
                     "金属非金属矿山排水作业", "金属非金属矿山爆破作业"),
    "石油天然气安全作业": ("司钻作业",),
    "冶金（有色）生产安全作业": ("煤气作业",),
    "危险化学品安全作业": ("光气及光气化工艺作业", "氯碱电解工艺作业", "氯化工艺作业", "硝化工艺作业",
                   "合成氨工艺作业", "裂解（裂化）工艺作业", "氟化工艺作业", "加氢工艺作业", "重氮化工艺作业",
                   "氧化工艺作业", "过氧化工艺作业", "胺基化工艺作业", "磺化工艺作业", "聚合工艺作业",
                   "烷基化工艺作业", "化工自动化控制仪表作业"),
    "烟花爆竹安全作业": ("烟火药制造作业", "黑火药制造作业", "引火线制造作业", "烟花爆竹产品涉药作业",
                  "烟花爆竹储存作业"),
}
CATEGORIES: tuple[str, ...] = tuple(CATALOGUE)
CATEGORY_CODES: dict[str, int] = {name: code for code, name in enumerate(CATEGORIES, start=1)}
ITEMS: tuple[str, ...] = tuple(item for items in CATALOGUE.values() for item in items)
CATEGORY_OF: dict[str, str] = {item: cat for cat, items in CATALOGUE.items() for item in items}

# Informal names seen on rosters and cards -> the canonical items they may mean. More than
# one item means the name is ambiguous: no match, but the candidates go to review.
ITEM_ALIASES: dict[str, tuple[str, ...]] = {
    "电工证": ("低压电工作业",), "低压电工": ("低压电工作业",), "低压电工证": ("低压电工作业",),
    "低压电工操作证": ("低压电工作业",), "电工": ("低压电工作业",),
    "高压电工": ("高压电工作业",), "高压电工证": ("高压电工作业",),
    "焊工证": ("熔化焊接与热切割作业",), "焊工": ("熔化焊接与热切割作业",), "电焊": ("熔化焊接与热切割作业",),
    "电焊工": ("熔化焊接与热切割作业",), "电焊证": ("熔化焊接与热切割作业",), "气焊": ("熔化焊接与热切割作业",),
    "融化焊接": ("熔化焊接与热切割作业",), "熔化焊接": ("熔化焊接与热切割作业",),
    "融化焊接与热切割作业": ("熔化焊接与热切割作业",), "熔化焊": ("熔化焊接与热切割作业",),
    "防爆电工": ("防爆电气作业",), "制冷证": ("制冷与空调设备运行操作作业",),
    "钎焊": ("钎焊作业",), "压力焊": ("压力焊作业",),
    "登高证": CATALOGUE["高处作业"], "高空作业": CATALOGUE["高处作业"], "高空作业证": CATALOGUE["高处作业"],
    "登高作业": CATALOGUE["高处作业"], "高处作业证": CATALOGUE["高处作业"],
    "架子工": ("登高架设作业",), "登高架设": ("登高架设作业",),
}
CATEGORY_ALIASES: dict[str, str] = {
    "电工": "电工作业", "焊工": "焊接与热切割作业", "焊接作业": "焊接与热切割作业",
    "高空作业": "高处作业", "登高作业": "高处作业", "制冷作业": "制冷与空调作业",
    "冶金生产安全作业": "冶金（有色）生产安全作业", "危化品安全作业": "危险化学品安全作业",
    "危险化学品作业": "危险化学品安全作业", "烟花爆竹作业": "烟花爆竹安全作业",
}

# Labels OCR often leaves glued to the value.
_LABELS = re.compile(r"^(作业类别|准操项目|操作项目|作业项目|准操类别|类别|项目)[:：]?")
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)

THRESHOLD = 0.66  # 2 misread characters in a 6-character name still pass, 2 in 4 do not
MARGIN = 0.08  # the runner-up must be this much less similar, else it is ambiguous


@dataclass(frozen=True)
class Match:
    """The result of a fuzzy lookup. `value` is the canonical name, or None when nothing
    was close enough or two names were equally close (`candidates` then lists them);
    `category` is the item's category for item matches."""
    value: str | None
    score: float
    candidates: tuple[str, ...] = ()
    category: str | None = None

    def __bool__(self) -> bool:
        return self.value is not None


def key(text: str | None) -> str:
    """The comparison form: NFKC, labels, spaces and punctuation (incl. brackets) removed."""
    text = unicodedata.normalize("NFKC", text or "")
    text = _NOISE.sub("", text)
    return unicodedata.normalize("NFKC", _LABELS.sub("", text))


# Characters OCR confuses in these names; substituting one for the other costs less than
# an arbitrary misreading, so 底压电工作业 is 低压 rather than a tie with 高压.
VISUAL_CONFUSIONS = ("低底", "压庄", "电申", "工土エ", "焊悍", "钻钴", "煤媒", "割害", "业亚", "作做", "熔融溶",
                     "钎针", "硝销", "磺黄", "烷院", "胺按", "爆暴", "药荮", "冶治", "架驾", "拆折",
                     "维锥", "护沪", "抽袖", "探深", "矿旷", "尾屋", "柱住")
# (Never two characters that tell real items apart, such as 氯/氟: those must stay far.)
_CHEAP: dict[str, str] = {}
for _group in VISUAL_CONFUSIONS:
    for _char in _group:
        _CHEAP[_char] = _CHEAP.get(_char, "") + _group.replace(_char, "")
CHEAP_SUBSTITUTION = 0.4


def _distance(a: str, b: str) -> float:
    previous = [float(j) for j in range(len(b) + 1)]
    for i, ca in enumerate(a, 1):
        current = [float(i)]
        for j, cb in enumerate(b, 1):
            swap = 0.0 if ca == cb else CHEAP_SUBSTITUTION if cb in _CHEAP.get(ca, "") else 1.0
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + swap))
        previous = current
    return previous[-1]


def similarity(a: str, b: str) -> float:
    """1 − edit distance / the longer length, on comparison keys."""
    a, b = key(a), key(b)
    if not a or not b:
        return 0.0
    return 1.0 - _distance(a, b) / max(len(a), len(b))


_ITEM_KEYS = {key(item): item for item in ITEMS}
_CATEGORY_KEYS = {key(cat): cat for cat in CATEGORIES}
_ITEM_ALIAS_KEYS = {key(alias): items for alias, items in ITEM_ALIASES.items()}
_CATEGORY_ALIAS_KEYS = {key(alias): cat for alias, cat in CATEGORY_ALIASES.items()}


_GENERIC_SUFFIXES = ("生产安全作业", "安全作业", "工艺作业", "作业")


def _core(k: str) -> str:
    """A name without the suffix every name shares, e.g. 煤矿安全作业 -> 煤矿."""
    for suffix in _GENERIC_SUFFIXES:
        if k.endswith(suffix) and len(k) > len(suffix):
            return k[: -len(suffix)]
    return k


def _score(text_key: str, name_key: str) -> float:
    """Similarity of the whole names, 0 unless the distinctive cores are half alike too
    (else a bare 安全作业 would be two deletions from 煤矿安全作业)."""
    whole = 1.0 - _distance(text_key, name_key) / max(len(text_key), len(name_key))
    name_core = _core(name_key)
    suffix_length = len(name_key) - len(name_core)
    # the text's core: its exact suffix stripped, or as many characters as the name's
    # suffix has (the suffix itself may be misread)
    text_cores = {_core(text_key), text_key[: max(len(text_key) - suffix_length, 0)]}
    core = max(1.0 - _distance(t, name_core) / max(len(t), len(name_core)) for t in text_cores)
    return whole if core >= 0.5 else 0.0


def _best(text_key: str, names: dict[str, str], threshold: float) -> tuple[str | None, float, tuple[str, ...]]:
    def reachable(k: str) -> bool:  # the length difference alone costs that many edits
        return abs(len(k) - len(text_key)) <= (1.0 - threshold) * max(len(k), len(text_key))
    scored = sorted(((_score(text_key, k), name) for k, name in names.items() if reachable(k)), reverse=True)
    if not scored:
        return None, 0.0, ()
    top_score, top = scored[0]
    close = tuple(name for score, name in scored if score >= threshold and score > top_score - MARGIN)
    if top_score < threshold:
        return None, top_score, ()
    if len(close) > 1:
        return None, top_score, close
    return top, top_score, close


@lru_cache(maxsize=4096)  # pure; rosters repeat the same few names thousands of times
def match_item(text: str | None, category: str | None = None) -> Match:
    """The catalogue item `text` names, within `category` when given (and recognised)."""
    text_key = key(text)
    if not text_key:
        return Match(None, 0.0)
    cat = match_category(category).value if category else None
    allowed = CATALOGUE[cat] if cat else ITEMS
    if text_key in _ITEM_ALIAS_KEYS:
        meant = tuple(i for i in _ITEM_ALIAS_KEYS[text_key] if i in allowed) or _ITEM_ALIAS_KEYS[text_key]
        if len(meant) == 1:
            return Match(meant[0], 1.0, meant, CATEGORY_OF[meant[0]])
        return Match(None, 1.0, meant)
    if text_key in _CATEGORY_KEYS and len(CATALOGUE[_CATEGORY_KEYS[text_key]]) > 1:
        return Match(None, 0.0, CATALOGUE[_CATEGORY_KEYS[text_key]])  # a category, not an item
    names = {k: item for k, item in _ITEM_KEYS.items() if item in allowed}
    if text_key in names:
        return Match(names[text_key], 1.0, (names[text_key],), CATEGORY_OF[names[text_key]])
    value, score, candidates = _best(text_key, names, THRESHOLD)
    return Match(value, round(score, 3), candidates, CATEGORY_OF[value] if value else None)


@lru_cache(maxsize=1024)
def match_category(text: str | None) -> Match:
    """The catalogue category `text` names (e.g. 电工作业, 冶金有色生产安全作业)."""
    text_key = key(text)
    if not text_key:
        return Match(None, 0.0)
    if text_key in _CATEGORY_ALIAS_KEYS:
        cat = _CATEGORY_ALIAS_KEYS[text_key]
        return Match(cat, 1.0, (cat,), cat)
    if text_key in _CATEGORY_KEYS:
        cat = _CATEGORY_KEYS[text_key]
        return Match(cat, 1.0, (cat,), cat)
    value, score, candidates = _best(text_key, _CATEGORY_KEYS, THRESHOLD)
    return Match(value, round(score, 3), candidates, value)


def is_known(category: str | None, item: str | None) -> bool:
    """Exactly (up to spacing and punctuation) a catalogue item, in that category when one
    is given. No fuzziness: this decides the `unknown_item` flag on corrected values."""
    item_name = _ITEM_KEYS.get(key(item))
    if item_name is None:
        return False
    if not key(category):
        return True
    return _CATEGORY_KEYS.get(key(category)) == CATEGORY_OF[item_name]


def category_of(item: str | None) -> str | None:
    """The category of an exact catalogue item."""
    name = _ITEM_KEYS.get(key(item))
    return CATEGORY_OF[name] if name else None


# ---------------------------------------------------------------------------------------
# Other certificate kinds that look like a 特种作业操作证.

_PROVINCE_ABBREVIATIONS = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
CONSTRUCTION_NUMBER = re.compile(rf"[{_PROVINCE_ABBREVIATIONS}][A-Z]\d{{10,14}}(?!\d)")
CONSTRUCTION_TELLTALES = ("住房和城乡建设", "住房城乡建设", "城乡建设", "建设厅", "建设委员会", "建委",
                          "建筑施工特种作业", "操作资格证", "建筑施工")
SPECIAL_EQUIPMENT_TELLTALES = ("特种设备作业人员", "特种设备", "市场监督管理", "市场监管", "质量技术监督",
                               "质监局", "叉车司机", "起重机司机", "锅炉司炉", "压力容器")


def certificate_kind(text: str | None) -> str:
    """"construction" (住建 card), "special_equipment" (市场监管 card) or
    "special_operation" (the 特种作业操作证, also when nothing tells otherwise)."""
    flat = _NOISE.sub("", unicodedata.normalize("NFKC", text or ""))
    if any(t in flat for t in CONSTRUCTION_TELLTALES) or CONSTRUCTION_NUMBER.search(flat):
        return "construction"
    if any(t in flat for t in SPECIAL_EQUIPMENT_TELLTALES):
        return "special_equipment"
    return "special_operation"


__all__ = ["CATALOGUE", "CATEGORIES", "ITEMS", "CATEGORY_OF", "ITEM_ALIASES", "CATEGORY_ALIASES",
           "Match", "key", "similarity", "match_item", "match_category", "is_known", "category_of",
           "certificate_kind"]
