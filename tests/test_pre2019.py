"""Reports before 2019: the old 统计表 (flattened, one cell per line, or a table) and its sums."""
from __future__ import annotations

from auditor.pipeline import audit_file
from auditor.policy import RunConfig
from auditor.model.findings import Severity
from auditor.load import load_bytes, load_path
from auditor.check.narrative.pre2019 import _splits, read_old_table
from auditor.ruleset import load_default_rules
from conftest import report_path

RULES = load_default_rules()
CONFIG = RunConfig()

HEAD = "广州市某局2016年政府信息公开工作年度报告\n\n本报告所列数据的统计期限自2016年1月1日起至2016年12月31日止。\n\n"


def _audit(text: str, name: str = "old-2016.txt"):
    return audit_file(name, RULES, CONFIG, data=(HEAD + text).encode("utf-8"))


def test_pingtan_2018_flattened_table_is_read_with_its_fused_columns():
    document = load_path(report_path("pingtan-2018.txt"))
    table = read_old_table(document)
    assert table is not None and table.columns == 2
    labels = [e.label for e in table.entries]
    assert labels[:3] == ["主动公开文件数", "政府网站公开数", "政府公报公开数"]
    first = table.entries[0]
    assert first.fused == "206912106" and table.entries[1].fused == "206912106"  # "2." went to the next item
    assert table.entries[2].number == 2 and table.entries[2].fused == "00"
    groups = {parent.label: [c.label for c in children] for parent, children, _ in table.groups}
    assert groups["受理依申请公开信息总数"] == ["当面申请数", "网上申请数", "信函、传真申请数"]
    assert groups["对申请的答复总数"] == ["同意公开答复数", "同意部分公开答复数", "不予公开答复数", "其他类型答复数"]


def test_pingtan_2018_sums_hold_and_it_stays_a_pre_2019_report():
    result = audit_file(report_path("pingtan-2018.txt"), RULES, CONFIG)
    assert result.template.overall == "pre-2019"
    assert [f.code for f in result.findings] == ["PRE-2019"]
    assert result.claims.old_table_sums == 3


def test_a_table_with_one_cell_per_line_and_a_wrong_sum_is_a_warning():
    table = "\n\n".join([
        "六、政府信息公开情况统计表", "统计指标", "单位", "统计数",
        "（一）收到申请数", "件", "30",
        "1.当面申请数", "件", "10",
        "2.网络申请数", "件", "15",
        "3.信函申请数", "件", "4",
        "（二）申请办结数", "件", "30",
        "1.按时办结数", "件", "30",
        "2.延期办结数", "件", "0",
    ])
    result = _audit(table)
    assert result.template.overall == "pre-2019"
    (finding,) = [f for f in result.findings if f.code == "PRE-TABLE-SUM"]
    assert finding.severity == Severity.warning and "收到申请数" in finding.message
    assert result.claims.old_table_sums == 2


def test_a_qizhong_child_may_be_smaller_but_not_larger_than_its_parent():
    table = "\n".join([
        "统计指标 | 单位 | 统计数",
        "主动公开政府信息数 | 条 | 120",
        "其中：主动公开规范性文件数 | 条 | 130",
        "依申请公开信息数 | 条 | 9",
        "其中：1.当面申请数 | 条 | 2",
        "2.网上申请数 | 条 | 3",
    ])
    result = _audit(table, "old-2016.md")
    findings = [f for f in result.findings if f.code == "PRE-TABLE-SUM"]
    assert len(findings) == 1 and "主动公开政府信息数" in findings[0].message
    assert result.claims.old_table_sums == 2


def test_fused_digits_that_no_split_explains_are_reported():
    text = ("指标名称计量单位2016年度历年累计受理依申请公开信息总数条1020其中：1.当面申请数条992.网上申请数条55"
            "对申请的答复总数条00")
    result = _audit(text)
    (finding,) = [f for f in result.findings if f.code == "PRE-TABLE-SUM"]
    assert "粘连" in finding.message


def test_splits_keep_leading_zeros_out():
    assert _splits("00", 2) == [("0", "0")]
    assert ("2069", "12106") in _splits("206912106", 2)
    assert all(not (len(p) > 1 and p.startswith("0")) for split in _splits("1005", 2) for p in split)


def test_prose_only_report_lists_are_checked():
    text = "全市从事政府信息公开工作的工作人员为49人。其中市级机关7人；区县政府43人。\n"
    result = _audit(text)
    (finding,) = [f for f in result.findings if f.code == "PRE-LIST-SUM"]
    assert finding.severity == Severity.error and finding.kind == "narrative"
    assert "49人" in finding.sentence


def test_documents_without_a_statistics_table():
    document = load_bytes("2016年度报告\n\n今年共收到申请3件。\n".encode("utf-8"), "x.txt")
    assert read_old_table(document) is None
