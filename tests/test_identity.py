"""Agency and year as the report prints them: title, wrapped title, agency line above the title."""
import pytest

from auditor.extract.tables import extract
from auditor.load import load_bytes, load_path
from conftest import report_path


@pytest.mark.parametrize("name,agency,year", [
    ("guidong-2020.txt", "桂东县", 2020),
    ("tianshui-2020.txt", "天水市", 2020),
    ("yichun-2021.txt", "宜春市", 2021),
    ("guilin-2020.txt", "桂林市", 2020),
    ("shanghai-kewei-2024.md", "上海市科委", 2024),
    ("shanghai-bgt-2019.html", "上海市人民政府办公厅", 2019),
    ("shuyang-fgj-2023.html", "沭阳县发展和改革局", 2023),
    ("pingtan-dishuiju-2013.txt", "平潭综合实验区地方税务局", 2013),
    ("huaian-2024.pdf", "淮安市人民政府", 2024),
    ("hongze-2024.pdf", "淮安市洪泽区人民政府", 2024),
])
def test_agency_and_year(name, agency, year):
    report = extract(load_path(report_path(name)))
    assert (report.agency, report.year) == (agency, year)


def test_year_from_the_statistics_period_when_the_title_has_none():
    text = "工作年度报告\n\n本报告所列数据统计期限自2022年1月1日起至2022年12月31日止。\n"
    assert extract(load_bytes(text.encode("utf-8"), "x.txt")).year == 2022
