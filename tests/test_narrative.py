"""The narrative against the tables (issue 7): claims found in the 正文, compared with table cells."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest
from click.testing import CliRunner

from auditor.pipeline import audit_file
from auditor.cli.main import main
from auditor.policy import RunConfig
from auditor.extract.tables import extract
from auditor.model.findings import Severity
from auditor.load import load_bytes, load_path
from auditor.check.narrative.check import check_claims, check_narrative
from auditor.check.narrative.claims import extract_claims, fold, load_vocabulary
from auditor.ruleset import load_default_rules
from conftest import CORPUS, report_path

RULES = load_default_rules()
CONFIG = RunConfig()


def narrative(result):
    return [f for f in result.findings if f.kind == "narrative"]


def claims_of(name: str):
    document = load_path(report_path(name))
    report = extract(document)
    return document, report, extract_claims(document, report)


# ------------------------------------------------------------------ the reports of the issue

def test_shanghai_258_and_265_are_reported_with_the_cells_they_contradict():
    result = audit_file(report_path("shanghai-bgt-2019.html"), RULES, CONFIG)
    outcome = {f.reported: f for f in narrative(result) if f.code == "N-OUTCOME"}
    assert set(outcome) == {Decimal(258), Decimal(265)}
    granted, unable = outcome[Decimal(258)], outcome[Decimal(265)]
    for finding in (granted, unable):
        assert finding.severity == Severity.review and finding.kind == "narrative"
        assert "258件" in finding.sentence and "265件" in finding.sentence  # the sentence it comes from
        assert finding.rests_on_blank  # the 总计 column is blank: said so
        assert "空白" in finding.message
    assert granted.computed == 275 and "272 + 3" in granted.message
    assert {(c.row, c.column) for c in granted.cells} == {("granted", "total"), ("partial", "total")}
    assert unable.computed == 337
    assert {c.row for c in unable.cells} == {"unable_1", "unable_2", "unable_3"}
    # what agrees is not reported: 859 received, 805 handled, 35 withheld, 158 not processed, 7 reviews
    assert not [f for f in narrative(result) if f.code in ("N-TOTAL-RECEIVED", "N-TOTAL-HANDLED", "N-REVIEW")]
    assert result.claims.found >= 15 and result.claims.checked >= 14


@pytest.mark.parametrize("name", ["tianshui-2020.txt", "yichun-2021.txt"])
def test_a_narrative_that_restates_its_tables_gives_no_narrative_finding(name):
    result = audit_file(report_path(name), RULES, CONFIG)
    assert narrative(result) == []
    assert result.claims.found >= 8
    assert result.claims.checked == result.claims.found == result.claims.agreed
    assert result.claims.not_checked == []


def test_yichun_received_counts_carried_over_and_the_applicant_split_agrees():
    _, report, claims = claims_of("yichun-2021.txt")
    kinds = {c.claim_id: c for c in claims if c.kind == "count"}
    assert kinds["received"].number.value == 554  # 553 new + 1 carried over
    assert kinds["applicant:natural_person"].number.value == 531  # 530 + 1
    assert kinds["handled"].number.value == 543 and kinds["carried_forward"].number.value == 11
    (listed,) = [c for c in claims if c.kind == "list"]
    assert listed.whole.value == 554 and [p.value for p in listed.parts] == [531, 10, 9, 2, 2]  # stops at 办理完成


def test_yiyang_every_list_is_checked_and_agrees():
    document, report, claims = claims_of("yiyang-2018.txt")
    assert report.template.overall == "pre-2019"
    lists = {c.whole.value: c for c in claims if c.kind == "list"}
    assert set(lists) >= {Decimal(2633), Decimal(493), Decimal("250.4")}
    assert [p.value for p in lists[Decimal(2633)].parts] == [106, 1927, 146, 17, 12, 44, 36, 159, 3, 183]
    assert [p.value for p in lists[Decimal(493)].parts] == [70, 423]
    assert [p.value for p in lists[Decimal("250.4")].parts] == [Decimal("50.9"), Decimal("199.5")]
    assert all(c.code == "PRE-LIST-SUM" for c in lists.values())
    findings, summary = check_claims(claims, report, CONFIG)
    assert not [f for f in findings if f.code == "PRE-LIST-SUM"]
    assert summary.agreed >= len(lists)


def test_claims_without_a_table_are_listed_as_not_checked_never_dropped():
    result = audit_file(report_path("yiyang-2018.txt"), RULES, CONFIG)
    notes = result.claims.not_checked
    assert {n.text for n in notes} >= {"行政复议13件", "行政诉讼案件28件"}
    assert result.claims.found == result.claims.checked + len(notes)
    assert [f.code for f in result.findings] == ["PRE-2019"]  # listed in the coverage, not as findings
    result = audit_file(report_path("shanghai-bgt-2019.html"), RULES, CONFIG)
    info = [f for f in result.findings if f.code == "N-NOT-CHECKED"]
    assert len(info) == len(result.claims.not_checked) == 1
    assert info[0].severity == Severity.info and info[0].sentence and info[0].kind == "narrative"


def test_check_json_reports_coverage_and_the_sentence(tmp_path):
    result = CliRunner().invoke(main, ["check", "--format", "json", str(report_path("shanghai-bgt-2019.html"))])
    data = json.loads(result.output)
    (report,) = data["reports"]
    claims = report["claims"]
    assert claims["found"] == claims["checked"] + len(claims["not_checked"])
    assert claims["not_checked"][0]["text"].startswith("申请数量较去年回落")  # last year is not in the store
    found = [f for f in report["findings"] if f["kind"] == "narrative" and f["code"] == "N-OUTCOME"]
    assert found and all(f["sentence"] for f in found)


def test_text_output_shows_the_sentence():
    result = CliRunner().invoke(main, ["check", str(report_path("shanghai-bgt-2019.html"))])
    assert "N-OUTCOME" in result.output and "原文：" in result.output


def test_no_narrative_error_on_the_consistent_corpus():
    paths = [p for p in sorted(CORPUS.glob("*")) if p.suffix in (".txt", ".html", ".md", ".pdf")
             and p.name != "README.md"] if CORPUS.is_dir() else []
    if not paths:
        pytest.skip("../shared/corpus is absent")
    for path in paths:
        result = audit_file(path, RULES, CONFIG)
        errors = [f for f in narrative(result) if f.severity == Severity.error]
        assert errors == [], (path.name, [f.message for f in errors])


# ------------------------------------------------------------------ extraction details

def _audit_text(text: str, name: str = "report.txt"):
    return audit_file(name, RULES, CONFIG, data=text.encode("utf-8"))


def test_a_list_whose_parts_exceed_the_whole_is_an_error_and_overlap_is_review():
    result = _audit_text("一、总体情况\n\n全年共发布信息100条，其中动态信息60条，政务信息50条。\n")
    (finding,) = [f for f in result.findings if f.code == "N-LIST-SUM"]
    assert finding.severity == Severity.error and finding.computed == 110 and finding.reported == 100
    assert finding.sentence.startswith("全年共发布信息100条")
    result = _audit_text("全年共发布信息100条，其中动态信息60条，政务信息40条，解读信息10条。\n")
    (finding,) = [f for f in result.findings if f.code == "N-LIST-SUM"]
    assert finding.severity == Severity.review and "包含关系" in finding.message


def test_a_partial_list_passes_and_a_closed_one_short_of_the_whole_is_review():
    result = _audit_text("全年共发布信息100条，其中动态信息60条。\n")
    assert not [f for f in result.findings if f.code == "N-LIST-SUM"]
    assert result.claims.agreed == result.claims.found == 1
    result = _audit_text("全年共发布信息100条，其中分别为动态信息60条、政务信息30条。\n")
    (finding,) = [f for f in result.findings if f.code == "N-LIST-SUM"]
    assert finding.severity == Severity.review


def test_approximate_numbers_are_bounds():
    result = _audit_text("全年公开信息1000余条，其中网站公开900余条、公报公开90条。\n")
    assert result.claims.agreed == 1
    result = _audit_text("全年公开信息近100条，其中网站公开90条、公报公开20条。\n")
    (finding,) = [f for f in result.findings if f.code == "N-LIST-SUM"]
    assert finding.severity == Severity.error


def test_another_population_is_not_a_claim_about_the_tables():
    _, _, claims = claims_of("tianshui-2020.txt")
    texts = [c.text for c in claims if c.kind == "count"]
    assert "答复2216件" not in texts and "答复6625件" not in texts  # 留言板 and 信箱 replies
    assert any(t.startswith("共收到政府信息公开申请93件") for t in texts)


def test_traditional_characters_are_folded():
    assert fold("上年結轉政府信息公開申請 18 件（含）") == "上年结转政府信息公开申请18件(含)"
    data = "依申請公開方面：全年共收到政府信息公開申請100件，予以公開60件。\n"
    document = load_bytes(data.encode("utf-8"), "x.txt")
    claims = extract_claims(document, extract(document))
    assert [c.claim_id for c in claims] == ["received", "granted"]


def test_the_vocabulary_compiles_with_the_rule_language():
    vocabulary = load_vocabulary()
    assert vocabulary.claims["received"].candidates[1].expr == "table3.new.total + table3.carried_over.total"
    assert vocabulary.claims["denied"].candidates[0].expr == "sum(table3.denied.total)"
    assert {"N-TOTAL-RECEIVED", "N-OUTCOME", "N-APPLICANT", "N-REVIEW", "N-LITIGATION"} <= \
        {c.code for c in vocabulary.claims.values()}


def test_a_groups_claim_is_compared_with_the_group_and_percentages_accept_truncation():
    document, report, claims = claims_of("shanghai-bgt-2019.html")
    group = next(c for c in claims if c.claim_id == "granted+partial")
    assert group.candidates[0].expr == "table3.granted.total + table3.partial.total"
    findings, _ = check_narrative(report, document, CONFIG)
    percent = [f for f in findings if f.code == "N-PERCENT"]
    assert [f.reported for f in percent] == [Decimal("33.9")]  # 35/805 = 4.347…% printed 4.34%: truncation


def test_severity_follows_the_runs_configuration_and_codes_can_be_disabled():
    config = RunConfig(severity_overrides={"N-OUTCOME": Severity.warning}, disabled=frozenset({"N-PERCENT"}))
    result = audit_file(report_path("shanghai-bgt-2019.html"), RULES, config)
    codes = {(f.code, f.severity) for f in narrative(result)}
    assert ("N-OUTCOME", Severity.warning) in codes and not any(code == "N-PERCENT" for code, _ in codes)


def test_the_english_messages():
    config = RunConfig(lang="en")
    result = audit_file(report_path("shanghai-bgt-2019.html"), RULES, config)
    finding = next(f for f in narrative(result) if f.code == "N-OUTCOME")
    assert finding.message.startswith("the narrative's") and "sum of the columns" in finding.message


def test_year_on_year_claims_are_checked_when_last_years_report_is_given():
    document, report, _ = claims_of("shanghai-bgt-2019.html")
    previous = report.model_copy(deep=True)
    previous.year = 2018

    def with_new_total(value: int):
        cell = previous.tables["table3"].rows["new"]["total"]
        previous.tables["table3"].rows["new"]["total"] = cell.model_copy(update={"value": Decimal(value)})
        return check_narrative(report, document, CONFIG, previous=previous)

    findings, summary = with_new_total(980)  # (859 - 980) / 980 = -12.35%: "回落12.3%"
    assert not [f for f in findings if f.code in ("N-YOY", "N-NOT-CHECKED")]
    assert summary.not_checked == []
    findings, _ = with_new_total(900)  # -4.6%
    (finding,) = [f for f in findings if f.code == "N-YOY"]
    assert finding.severity == Severity.review and finding.kind == "narrative"
