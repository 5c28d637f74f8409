"""The memo as Markdown through Jinja2: the shipped ``memo_templates/memo.md.j2`` or the user's
(``--template FILE`` or ``memo.md.j2`` in ``--template-dir``). Plain Markdown: no HTML."""
from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Optional, Union

from .letter import MemoData
from .texts import MemoTemplateError

DEFAULT_TEMPLATE = "memo.md.j2"

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def md_escape(value: object) -> str:
    """Escape what Markdown would read as markup in text from a report ("*", "|", "<", "[" …)."""
    return _MD_SPECIAL.sub(r"\\\1", "" if value is None else str(value))


def default_template_text() -> str:
    """The shipped memo template (package data, found through importlib.resources)."""
    return resources.files("auditor").joinpath("memo_templates", DEFAULT_TEMPLATE).read_text(encoding="utf-8")


def template_file(template_path: Optional[Union[str, Path]] = None,
                  template_dir: Optional[Union[str, Path]] = None) -> Optional[Path]:
    """The user's Markdown template: ``--template`` first, then ``memo.md.j2`` of ``--template-dir``."""
    if template_path:
        return Path(template_path)
    if template_dir and (Path(template_dir) / DEFAULT_TEMPLATE).is_file():
        return Path(template_dir) / DEFAULT_TEMPLATE
    return None


def _environment():
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(undefined=StrictUndefined, keep_trailing_newline=True, trim_blocks=True,
                               lstrip_blocks=True, autoescape=False)
    env.filters["md"] = md_escape
    return env


def render_markdown(memo: MemoData, template_path: Optional[Union[str, Path]] = None,
                    template_dir: Optional[Union[str, Path]] = None) -> str:
    """The memo as Markdown (or whatever text the template writes)."""
    from jinja2 import TemplateError

    path = template_file(template_path, template_dir)
    try:
        source = path.read_text(encoding="utf-8") if path else default_template_text()
    except (OSError, UnicodeDecodeError) as error:
        raise MemoTemplateError(f"memo template {path} cannot be read: {error}") from error
    try:
        template = _environment().from_string(source)
        context = memo.model_dump()
        return template.render(memo=context, **context)
    except TemplateError as error:
        line = getattr(error, "lineno", None)
        raise MemoTemplateError(f"memo template {path or DEFAULT_TEMPLATE}{f':{line}' if line else ''}: "
                                f"{error}") from error
