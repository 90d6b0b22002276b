"""The 特种作业目录: its size, fuzzy matching through OCR errors, informal names, other kinds."""
import pytest

from domain.catalogue import (CATALOGUE, CATEGORIES, ITEMS, category_of, certificate_kind, is_known,
                              match_category, match_item)


def test_ten_categories_fifty_four_items():
    assert len(CATEGORIES) == 10 and len(ITEMS) == 54 and len(set(ITEMS)) == 54
    assert [len(CATALOGUE[c]) for c in CATEGORIES] == [6, 3, 2, 2, 10, 8, 1, 1, 16, 5]


@pytest.mark.parametrize("item", ITEMS)
def test_every_item_matches_itself(item):
    match = match_item(item)
    assert match.value == item and match.score == 1.0 and match.category == category_of(item)


@pytest.mark.parametrize("read, meant", [
    ("低压电工作亚", "低压电工作业"),          # 1 character misread
    ("低压电二作亚", "低压电工作业"),          # 2 characters misread
    ("司钴作业", "司钻作业"),
    ("熔化焊接与热切割作亚", "熔化焊接与热切割作业"),
    ("熔化焊接与热切割", "熔化焊接与热切割作业"),   # 作业 lost
    ("煤矿采煤机(掘进机)操作作业", "煤矿采煤机（掘进机）操作作业"),
    ("煤矿采煤机掘进机操作作业", "煤矿采煤机（掘进机）操作作业"),
    ("高处安装维护拆除作业", "高处安装、维护、拆除作业"),
    ("高处安装、维护、拆除作亚", "高处安装、维护、拆除作业"),
    ("准操项目：制冷与空调设备安装修理作业", "制冷与空调设备安装修理作业"),
    ("过氧化工艺作业", "过氧化工艺作业"),
    ("氧化工艺作业", "氧化工艺作业"),
    ("金属非金属矿山提升机操做作业", "金属非金属矿山提升机操作作业"),
    ("低 压 电 工 作 业", "低压电工作业"),
])
def test_ocr_errors_still_match(read, meant):
    assert match_item(read).value == meant


@pytest.mark.parametrize("informal, meant", [
    ("电工证", "低压电工作业"), ("低压电工", "低压电工作业"), ("高压电工", "高压电工作业"),
    ("焊工证", "熔化焊接与热切割作业"), ("电焊", "熔化焊接与热切割作业"), ("融化焊接", "熔化焊接与热切割作业"),
    ("防爆电工", "防爆电气作业"), ("制冷证", "制冷与空调设备运行操作作业"),
])
def test_informal_names(informal, meant):
    assert match_item(informal).value == meant


@pytest.mark.parametrize("text", ["登高证", "高空作业", "高处作业"])
def test_ambiguous_height_work_gives_candidates_not_a_match(text):
    match = match_item(text)
    assert match.value is None and not match
    assert set(match.candidates) == {"登高架设作业", "高处安装、维护、拆除作业"}


def test_category_name_is_not_an_item():
    match = match_item("电工作业")
    assert match.value is None and len(match.candidates) == 6


@pytest.mark.parametrize("text", ["营业执照", "你好世界", "安全作业", "", None, "泰安市应急管理局", "男"])
def test_unrelated_text_is_rejected(text):
    assert match_item(text).value is None
    assert match_category(text).value is None


def test_category_restricts_items():
    assert match_item("电工证", category="电工作业").value == "低压电工作业"
    assert match_item("钎焊作亚", category="焊接与热切割作业").value == "钎焊作业"
    assert match_item("钎焊作亚", category="电工作业").value is None


@pytest.mark.parametrize("read, meant", [
    ("电工作业", "电工作业"), ("电エ作业", "电工作业"), ("冶金有色生产安全作业", "冶金（有色）生产安全作业"),
    ("冶金(有色)生产安全作业", "冶金（有色）生产安全作业"), ("危险化学品安全作亚", "危险化学品安全作业"),
    ("金属非金属矿山安全作业", "金属非金属矿山安全作业"), ("焊接与热切害作业", "焊接与热切割作业"),
])
def test_categories(read, meant):
    assert match_category(read).value == meant


def test_is_known_is_exact():
    assert is_known("电工作业", "低压电工作业")
    assert is_known(None, "低压电工作业")
    assert is_known("冶金(有色)生产安全作业", "煤气作业")
    assert not is_known("焊接与热切割作业", "低压电工作业")  # wrong category
    assert not is_known("电工作业", "低压电工")  # informal names are not catalogue items
    assert not is_known("电工作业", "低压电工作亚")
    assert not is_known("电工作业", None)


@pytest.mark.parametrize("text, kind", [
    ("建筑施工特种作业操作资格证书 山东省住房和城乡建设厅", "construction"),
    ("证号 鲁A012008000001", "construction"),
    ("中华人民共和国特种设备作业人员证 泰安市市场监督管理局 叉车司机", "special_equipment"),
    ("中华人民共和国特种作业操作证 泰安市应急管理局 低压电工作业", "special_operation"),
    ("T370902198503150011", "special_operation"),
    ("", "special_operation"),
])
def test_certificate_kind(text, kind):
    assert certificate_kind(text) == kind


def test_any_single_misread_character_never_gives_another_item():
    for item in ITEMS:
        name = item.replace("、", "").replace("（", "").replace("）", "")
        for position in range(len(name)):
            read = name[:position] + "囗" + name[position + 1:]
            match = match_item(read)
            assert match.value == item or (match.value is None and item in match.candidates), read


def test_visual_confusions_never_separate_two_real_names():
    from domain.catalogue import _CHEAP, key
    names = [key(n) for n in ITEMS + CATEGORIES]
    for a in names:
        for b in names:
            if a != b and len(a) == len(b):
                differing = [(x, y) for x, y in zip(a, b) if x != y]
                assert not all(y in _CHEAP.get(x, "") for x, y in differing), (a, b)


def test_a_visually_confused_character_tips_the_balance():
    assert match_item("底压电工作业").value == "低压电工作业"  # 低 and 底 look alike, 高 does not
    assert match_item("媒气作业").value == "煤气作业"
