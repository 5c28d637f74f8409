"""The narrative against the tables (issue 7): claims in the 正文, checked against the parsed tables,
and the checks of reports older than the 2019 national template (old 统计表, "其中" lists).

``check_narrative(report, document, config)`` is the single entry point audit.py calls;
``check_year_on_year`` checks the year-on-year claims it kept once last year's report is at hand.
"""
from .check import check_narrative, check_year_on_year

__all__ = ["check_narrative", "check_year_on_year"]
