"""The correction memo (更正建议函) to an agency, Markdown or a 公文 DOCX, from the findings.

API: ``build_memos(results, MemoOptions(...)) -> list[MemoData]`` (one letter per agency and year),
``render_markdown(letter)``, ``render_docx(letter_or_letters, path)``, ``write_memo``, ``write_split``.
"""
from .gongwen import render_docx
from .letter import MemoData, MemoItem, MemoOptions, build_memo, build_memos
from .markdown import default_template_text, render_markdown
from .output import write_memo, write_split
from .texts import MemoTemplateError

__all__ = ["MemoData", "MemoItem", "MemoOptions", "MemoTemplateError", "build_memo", "build_memos",
           "default_template_text", "render_docx", "render_markdown", "write_memo", "write_split"]
