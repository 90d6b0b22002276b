"""Where a certificate was issued, judged by its issuing authority (发证机关) alone.

"local" (Tai'an), "out_of_city" (elsewhere in Shandong), "out_of_province" (outside
Shandong) or "unknown" (unreadable). Never judged by the holder's ID number: a worker born
in Henan may lawfully hold a Tai'an certificate. Exact place names are tried first; then,
to survive OCR, a name with one misread character counts when every such reading points to
the same class.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

LOCAL, OUT_OF_CITY, OUT_OF_PROVINCE, UNKNOWN = "local", "out_of_city", "out_of_province", "unknown"
ISSUER_CLASSES = (LOCAL, OUT_OF_CITY, OUT_OF_PROVINCE, UNKNOWN)

# Tai'an and its counties (a county bureau such as 新泰市应急管理局 is local too).
TAIAN_PLACES = ("泰安", "泰山区", "岱岳", "宁阳", "东平", "新泰", "肥城", "泰山景区", "徂汶")

# 泰 is often read as 秦 (秦安县 is real, but in Gansu and never a 市) or 泰安 half-misread.
TAIAN_MISREADINGS = ("秦安市", "泰按", "泰妄", "黍安", "奏安市")

SHANDONG_PLACES = (
    "山东", "鲁",  # "鲁" alone only counts when it is the whole first word, see _SHORT
    "济南", "青岛", "淄博", "枣庄", "东营", "烟台", "潍坊", "济宁", "威海", "日照", "临沂", "德州",
    "聊城", "滨州", "菏泽", "莱芜",
    # county-level cities and districts whose bureaus also issue or appear on cards
    "章丘", "胶州", "平度", "莱西", "即墨", "黄岛", "龙口", "莱州", "招远", "蓬莱", "莱阳", "海阳",
    "栖霞", "寿光", "青州", "诸城", "高密", "昌邑", "安丘", "曲阜", "邹城", "滕州", "兖州", "乳山",
    "荣成", "文登", "莒县", "邹平", "乐陵", "禹城", "临清", "广饶", "沂水", "郯城", "兰陵", "费县",
    "平阴", "商河", "淄川", "博山", "临淄", "周村", "桓台", "高青", "沂源", "梁山", "汶上", "嘉祥",
    "鱼台", "金乡", "微山", "泗水", "郓城", "单县", "曹县", "成武", "巨野", "鄄城", "东明", "阳谷",
    "莘县", "茌平", "东阿", "冠县", "高唐", "惠民", "阳信", "无棣", "博兴", "沾化", "利津", "垦利",
)

PROVINCES = (
    "北京", "天津", "上海", "重庆", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "江苏", "浙江",
    "安徽", "福建", "江西", "河南", "湖北", "湖南", "广东", "广西", "海南", "四川", "贵州", "云南",
    "西藏", "陕西", "甘肃", "青海", "宁夏", "新疆", "香港", "澳门", "台湾",
)
# Prefecture-level and other major cities outside Shandong.
OTHER_CITIES = (
    "石家庄", "唐山", "秦皇岛", "邯郸", "邢台", "保定", "张家口", "承德", "沧州", "廊坊", "衡水",
    "太原", "大同", "阳泉", "长治", "晋城", "朔州", "晋中", "运城", "忻州", "临汾", "吕梁",
    "呼和浩特", "包头", "乌海", "赤峰", "通辽", "鄂尔多斯", "呼伦贝尔", "巴彦淖尔", "乌兰察布",
    "沈阳", "大连", "鞍山", "抚顺", "本溪", "丹东", "锦州", "营口", "阜新", "辽阳", "盘锦", "铁岭", "朝阳市",
    "葫芦岛", "长春", "四平", "辽源", "通化", "白山", "松原", "白城", "延边",
    "哈尔滨", "齐齐哈尔", "鸡西", "鹤岗", "双鸭山", "大庆", "伊春", "佳木斯", "七台河", "牡丹江", "黑河", "绥化",
    "南京", "无锡", "徐州", "常州", "苏州", "南通", "连云港", "淮安", "盐城", "扬州", "镇江", "泰州", "宿迁",
    "杭州", "宁波", "温州", "嘉兴", "湖州", "绍兴", "金华", "衢州", "舟山", "台州", "丽水",
    "合肥", "芜湖", "蚌埠", "淮南", "马鞍山", "淮北", "铜陵", "安庆", "黄山", "滁州", "阜阳", "宿州",
    "六安", "亳州", "池州", "宣城",
    "福州", "厦门", "莆田", "三明", "泉州", "漳州", "南平", "龙岩", "宁德",
    "南昌", "景德镇", "萍乡", "九江", "新余", "鹰潭", "赣州", "吉安", "宜春", "抚州", "上饶",
    "郑州", "开封", "洛阳", "平顶山", "安阳", "鹤壁", "新乡", "焦作", "濮阳", "许昌", "漯河", "三门峡",
    "南阳", "商丘", "信阳", "周口", "驻马店", "济源",
    "武汉", "黄石", "十堰", "宜昌", "襄阳", "鄂州", "荆门", "孝感", "荆州", "黄冈", "咸宁", "随州", "恩施",
    "长沙", "株洲", "湘潭", "衡阳", "邵阳", "岳阳", "常德", "张家界", "益阳", "郴州", "永州", "怀化", "娄底",
    "广州", "韶关", "深圳", "珠海", "汕头", "佛山", "江门", "湛江", "茂名", "肇庆", "惠州", "梅州", "汕尾",
    "河源", "阳江", "清远", "东莞", "中山", "潮州", "揭阳", "云浮",
    "南宁", "柳州", "桂林", "梧州", "北海", "防城港", "钦州", "贵港", "玉林", "百色", "贺州", "河池", "来宾", "崇左",
    "海口", "三亚", "儋州",
    "成都", "自贡", "攀枝花", "泸州", "德阳", "绵阳", "广元", "遂宁", "内江", "乐山", "南充", "眉山", "宜宾",
    "广安", "达州", "雅安", "巴中", "资阳",
    "贵阳", "六盘水", "遵义", "安顺", "毕节", "铜仁",
    "昆明", "曲靖", "玉溪", "保山", "昭通", "丽江", "普洱", "临沧", "大理", "红河", "文山", "西双版纳",
    "拉萨", "日喀则",
    "西安", "铜川", "宝鸡", "咸阳", "渭南", "延安", "汉中", "榆林", "安康", "商洛",
    "兰州", "嘉峪关", "金昌", "白银", "天水", "武威", "张掖", "平凉", "酒泉", "庆阳", "定西", "陇南",
    "西宁", "海东", "银川", "石嘴山", "吴忠", "固原", "中卫",
    "乌鲁木齐", "克拉玛依", "吐鲁番", "哈密", "昌吉", "伊犁", "库尔勒", "阿克苏", "喀什", "和田", "石河子",
)
# A national authority (应急管理部, 国家安全生产监督管理总局) is named on every card as its
# printer ("...监制"), not its issuer: it says nothing about where a card was issued.
NATIONAL = ("应急管理部", "国家安全生产监督管理总局", "国家安监总局")
_PRINTER = re.compile("(" + "|".join(NATIONAL) + ")(监制)?")

_CLASSES = ((LOCAL, TAIAN_PLACES), (OUT_OF_CITY, SHANDONG_PLACES),
            (OUT_OF_PROVINCE, PROVINCES + OTHER_CITIES))
_SHORT = {"鲁"}
# 东平 must not be the tail of 山东 followed by 平邑/平度/平阴 (Linyi, Qingdao, Jinan).
_TAIAN = re.compile("|".join("(?<!山)东平" if p == "东平" else re.escape(p)
                             for p in TAIAN_PLACES + TAIAN_MISREADINGS))
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)
_CJK = re.compile(r"[\u4e00-\u9fff]")
# A place name is followed by one of these in an authority's name; a fuzzy two-character
# name must be, or 西安/泰安-style near misses would be everywhere.
_ADMIN_SUFFIX = "省市区县州盟"


def _clean(text: str | None) -> str:
    return _NOISE.sub("", unicodedata.normalize("NFKC", text or "")).replace("中华人民共和国", "")


def _exact(flat: str) -> str | None:
    """Tai'an anywhere wins (山东省泰安市... is local); otherwise the leftmost place named,
    since an authority's name starts with its highest level (南京市栖霞区 is Nanjing's)."""
    if _TAIAN.search(flat):
        return LOCAL
    found = []
    for cls, places in _CLASSES[1:]:
        for place in places:
            if place in _SHORT:
                if flat.startswith(place):
                    found.append((0, cls))
            elif (at := flat.find(place)) >= 0:
                found.append((at, cls))
    return min(found)[1] if found else None


def _fuzzy(flat: str) -> str | None:
    hits = set()
    for cls, places in _CLASSES:
        for place in places:
            n = len(place)
            if n < 2 or place in _SHORT:
                continue
            for start in range(len(flat) - n + 1):
                window = flat[start:start + n]
                if sum(a != b for a, b in zip(window, place)) != 1:
                    continue
                after = flat[start + n:start + n + 1]
                if n == 2 and (not after or after not in _ADMIN_SUFFIX):
                    continue
                hits.add(cls)
    return hits.pop() if len(hits) == 1 else None


@lru_cache(maxsize=4096)  # pure; a batch holds a handful of distinct issuers
def classify_issuer(text: str | None) -> str:
    """"local" | "out_of_city" | "out_of_province" | "unknown" for an issuing authority."""
    flat = _PRINTER.sub("", _clean(text))
    if len(_CJK.findall(flat)) < 2:
        return UNKNOWN
    return _exact(flat) or _fuzzy(flat) or UNKNOWN


__all__ = ["classify_issuer", "ISSUER_CLASSES", "LOCAL", "OUT_OF_CITY", "OUT_OF_PROVINCE", "UNKNOWN",
           "TAIAN_PLACES", "SHANDONG_PLACES", "PROVINCES", "OTHER_CITIES"]
