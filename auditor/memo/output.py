"""Writing letters: one file (letters one after another), or ``--split DIR`` with one file per
letter, an index, and a zip of them on request."""
from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Iterable, Optional, Union

from .gongwen import render_docx
from .letter import MemoData
from .markdown import md_escape, render_markdown
from .texts import MemoTemplateError

INDEX = "index.md"
_UNSAFE = re.compile(r'[\\/:*?"<>|\s]+')

INDEX_TEXT = {
    "zh": {"title": "更正建议函索引", "head": "| 序号 | 主送机关 | 年度 | 需整改 | 建议核实 | 文件 |"},
    "en": {"title": "Index of correction memos", "head": "| No. | Addressee | Year | To correct | To verify | File |"},
}



def write_memo(memos: Union[MemoData, Iterable[MemoData]], output: Union[str, Path],
               template_path: Optional[Union[str, Path]] = None,
               template_dir: Optional[Union[str, Path]] = None) -> Path:
    """Write by the output's suffix: .docx as a 公文 (several letters, each from its page 1), anything else
    through the Markdown template (several letters separated by a rule). ``template_path`` is a Jinja2
    template for Markdown and a base .docx for DOCX."""
    memos = [memos] if isinstance(memos, MemoData) else list(memos)
    output = Path(output)
    if output.suffix.lower() == ".docx":
        if template_path and not str(template_path).lower().endswith(".docx"):
            raise MemoTemplateError(f"a DOCX memo takes a .docx template, not {template_path}")
        return render_docx(memos, output, template_path)
    if template_path and str(template_path).lower().endswith(".docx"):
        raise MemoTemplateError(f"a Markdown memo takes a Jinja2 template, not {template_path}")
    texts = [render_markdown(memo, template_path, template_dir) for memo in memos]
    output.write_text("\n---\n\n".join(texts), encoding="utf-8")
    return output


def file_name(memo: MemoData, number: int, suffix: str) -> str:
    """01-洪泽区人民政府-2023.docx: the order, the agency and year, nothing a file system refuses."""
    agency = _UNSAFE.sub("_", memo.agency or Path(memo.reports[0].file).stem if memo.reports else "memo")
    year = f"-{memo.year}" if memo.year else ""
    return f"{number:02d}-{agency.strip('._') or 'memo'}{year}{suffix}"


def write_split(memos: Iterable[MemoData], directory: Union[str, Path], suffix: str = ".md",
                template_path: Optional[Union[str, Path]] = None,
                template_dir: Optional[Union[str, Path]] = None, make_zip: bool = False) -> list[Path]:
    """One file per letter in ``directory`` and ``index.md`` listing them; with ``make_zip``, also
    ``directory.zip`` holding them all. Returns the files written (index and zip included)."""
    memos = list(memos)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    lang = memos[0].lang if memos else "zh"
    words = INDEX_TEXT.get(lang, INDEX_TEXT["zh"])
    lines = [f"# {words['title']}", "", words["head"], "|---|---|---|---|---|---|"]
    for number, memo in enumerate(memos, 1):
        path = directory / file_name(memo, number, suffix)
        write_memo(memo, path, template_path, template_dir)
        written.append(path)
        lines.append(f"| {number} | {md_escape(memo.addressee)} | {memo.year or ''} | {memo.counts.get('correct', 0)} "
                     f"| {memo.counts.get('verify', 0)} | [{md_escape(path.name)}]({path.name}) |")
    index = directory / INDEX
    index.write_text("\n".join(lines) + "\n", encoding="utf-8")
    written.append(index)
    if make_zip:
        archive = directory.with_suffix(".zip")
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
            for path in written:
                bundle.write(path, f"{directory.name}/{path.name}")
        written.append(archive)
    return written
