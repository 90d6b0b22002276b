"""Issuer classes: judged by the issuing authority's name, tolerant of OCR noise."""
import pytest

from domain.issuers import classify_issuer


@pytest.mark.parametrize("issuer, expected", [
    ("泰安市应急管理局", "local"),
    ("泰安市安全生产监督管理局", "local"),
    ("山东省泰安市应急管理局", "local"),
    ("新泰市应急管理局", "local"),
    ("肥城市应急管理局", "local"),
    ("泰 安 市 应 急 管 理 局", "local"),
    ("秦安市应急管理局", "local"),  # 泰 misread as 秦
    ("泰安市应急管里局", "local"),
    ("山东省应急管理厅", "out_of_city"),
    ("济南市应急管理局", "out_of_city"),
    ("青岛市应急管理局", "out_of_city"),
    ("莱芜市安全生产监督管理局", "out_of_city"),
    ("菏泽市应急管理局", "out_of_city"),
    ("潍纺市应急管理局", "out_of_city"),  # 坊 misread
    ("河南省应急管理厅", "out_of_province"),
    ("江苏省应急管理厅", "out_of_province"),
    ("河雨省应急管理厅", "out_of_province"),  # either 河南 or 河北: outside Shandong all the same
    ("北京市应急管理局", "out_of_province"),
    ("上海市应急管理局", "out_of_province"),
    ("广西壮族自治区应急管理厅", "out_of_province"),
    ("南京市栖霞区应急管理局", "out_of_province"),  # 栖霞 is also a Shandong city; 南京 leads
    ("泰州市应急管理局", "out_of_province"),  # 泰 but not 泰安
    ("西安市应急管理局", "out_of_province"),
    ("邯郸市应急管理局", "out_of_province"),
    ("苏州市安全生产监督管理局", "out_of_province"),
    ("山东平邑县应急管理局", "out_of_city"),  # 东平 straddles 山东 and 平邑
    ("东平县应急管理局", "local"),
    ("中华人民共和国应急管理部监制", "unknown"),  # the printer, not the issuer
    ("泰安市应急管理局 应急管理部监制", "local"),
    ("", "unknown"),
    (None, "unknown"),
    ("###", "unknown"),
    ("应急管理局", "unknown"),
    ("山朿省应急管理厅", "unknown"),  # 山东 or 山西: cannot tell
])
def test_classify_issuer(issuer, expected):
    assert classify_issuer(issuer) == expected
