"""``auditor explain CODE``: every code explains itself in both languages; a rule's example breaks it."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from auditor.catalogue import with_rules
from auditor.cli import main

CODES = sorted(with_rules())


def explain(*args):
    return CliRunner().invoke(main, ["explain", *args])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_code_explains_itself(lang):
    for code in CODES:
        result = explain(code, "--lang", lang)
        assert result.exit_code == 0 and result.exception is None, (code, result.output)
        assert result.output.startswith(f"{code} · ")
        assert ("默认级别" if lang == "zh" else "default severity") in result.output


def test_a_rule_is_explained_with_its_relation_in_words_and_an_example_that_fails():
    text = explain("t3-balance").output  # any case
    assert "定义于：rules/checks/table3.yaml" in text
    assert ("按2021年版国家统一格式：表三“一、本年新收政府信息公开申请数量”行“自然人”列 + 表三“二、上年结转政府信息公开申请数量”行“自然人”列"
            " == 表三“（七）总计”行“自然人”列 + 表三“四、结转下年度继续办理”行“自然人”列") in text
    assert "左边 1，右边 0，相差 1" in text and "改为 0" in text


def test_an_inequality_fails_where_the_example_says():
    text = explain("T2-PUBLISHED-LE-TOTAL", "--lang", "en").output
    assert "<=" in text and "left 1, right 0, off by 1" in text
    assert "how to fix" not in text  # an inequality has no single value to propose


def test_a_catalogue_code_gives_its_help():
    text = explain("TABLE-ABSENT").output
    assert "默认级别：警告" in text and "以图片发布" in text and "rules/catalogue.yaml" in text


def test_an_unknown_code_names_the_nearest():
    result = explain("T3-BALANSE")
    assert result.exit_code == 2
    assert "错误[USAGE-UNKNOWN-CODE]：未知的代码 T3-BALANSE（最接近的已知代码：T3-BALANCE" in result.output
