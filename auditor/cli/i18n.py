"""One language per run for what click itself prints: usage errors, help headings, option help.

The run's language is decided before click parses anything (``--lang`` among the arguments, else
``AUDITOR_LANG``, else the configuration file's ``lang``, else zh), so that a usage error of a run
that never gets to read its options is in the same language as the rest of the run. Click's own
sentences go through its ``gettext`` hooks (``_``, ``ngettext``), which ``install`` points at
``CLICK_ZH`` for a Chinese run. Our commands' help, options' help and examples come from
``help.yaml`` in the run's language (``localize``).
"""
from __future__ import annotations

import os
from contextvars import ContextVar
from functools import lru_cache
from importlib import import_module
from pathlib import Path
from typing import Optional, Sequence

import click

LANGS = ("zh", "en")
ENV_LANG = "AUDITOR_LANG"
HELP_FILE = Path(__file__).with_name("help.yaml")

_current: ContextVar[str] = ContextVar("auditor_cli_lang", default="zh")
_given: ContextVar[Optional[str]] = ContextVar("auditor_cli_lang_given", default=None)  # --lang among the arguments

# Click's sentences (click 8.x, ``_()`` and ``ngettext()`` in its modules) in Chinese. A sentence
# missing here stays English in a Chinese run: tests/test_cli_language.py runs every usage error.
CLICK_ZH = {
    "Usage:": "用法:",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "位置参数",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "运行 '{command} {option}' 查看帮助。",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本号并退出。",
    "%(prog)s, version %(version)s": "%(prog)s，版本 %(version)s",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing {param_type}": "缺少 {param_type}",
    "Missing command.": "缺少命令。",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "No such option: {name}": "没有选项：{name}",
    "Did you mean {possibility}?": "是否要用 {possibility}？",
    "(Did you mean one of: {possibilities}?)": "（是否要用其中之一：{possibilities}？）",
    "Option {name!r} does not take a value.": "选项 {name!r} 不带值。",
    "Option {name!r} requires an argument.": "选项 {name!r} 需要一个值。",
    "Option {name!r} requires {nargs} arguments.": "选项 {name!r} 需要 {nargs} 个值。",
    "Got unexpected extra argument ({args})": "多出了参数（{args}）",
    "Got unexpected extra arguments ({args})": "多出了参数（{args}）",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Invalid value: {message}": "值无效：{message}",
    "{value!r} is not {choice}.": "{value!r} 不是 {choice}。",
    "{value!r} is not one of {choices}.": "{value!r} 不在可选值 {choices} 之中。",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的{number_type}。",
    "integer": "整数",
    "float": "数",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 之内。",
    "{name} {filename!r} does not exist.": "{filename!r} 不存在。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是文件。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是目录。",
    "{name} {filename!r} is not readable.": "{filename!r} 不可读。",
    "{name} {filename!r} is not writable.": "{filename!r} 不可写。",
    "{name} {filename!r} is not executable.": "{filename!r} 不可执行。",
    "Could not open file {filename!r}: {message}": "无法打开文件 {filename!r}：{message}",
    "default: {default}": "默认：{default}",
    "required": "必填",
    "env var: {var}": "环境变量：{var}",
    "Aborted!": "已中止！",
    "unknown error": "未知错误",
    "Value must be an iterable.": "值必须是一个列表。",
    "Argument {name!r} takes {nargs} values.": "参数 {name!r} 需要 {nargs} 个值。",
    "Takes {nargs} values but 1 was given.": "需要 {nargs} 个值，只给了 1 个。",
    "Takes {nargs} values but {len} were given.": "需要 {nargs} 个值，给了 {len} 个。",
    "Shell completion is not supported for Bash versions older than 4.4.": "Bash 4.4 以下的版本不支持补全。",
    "Couldn't detect Bash version, shell completion is not supported.": "无法判断 Bash 版本，不支持补全。",
}
OPTIONS_METAVAR = {"zh": "[选项]", "en": "[OPTIONS]"}
_CLICK_MODULES = ("core", "exceptions", "types", "parser", "formatting", "decorators", "termui", "utils",
                  "shell_completion")


def current() -> str:
    return _current.get()


def set_lang(lang: str) -> None:
    _current.set(lang if lang in LANGS else "zh")


def _gettext(message: str) -> str:
    return CLICK_ZH.get(message, message) if _current.get() == "zh" else message


def _ngettext(singular: str, plural: str, count: int) -> str:
    return _gettext(singular if count == 1 else plural)


def install() -> None:
    """Point click's gettext hooks at ours (they are looked up when a message is made, so once)."""
    for name in _CLICK_MODULES:
        module = import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = _gettext
        if hasattr(module, "ngettext"):
            module.ngettext = _ngettext


def given_lang() -> Optional[str]:
    """``--lang`` as given anywhere among the run's arguments (``auditor --lang en check …`` too):
    the default of the commands' own ``--lang``."""
    return _given.get()


def lang_of(args: Sequence[str]) -> str:
    """The language of a run from its arguments: ``--lang X``/``--lang=X``, else AUDITOR_LANG, else
    the configuration file's ``lang`` (of the working directory), else zh."""
    given = _lang_argument(list(args))
    _given.set(given)
    if given:
        return given
    env = os.environ.get(ENV_LANG, "")
    if env in LANGS:
        return env
    try:
        from ..config import load_config

        return load_config(None).lang or "zh"
    except Exception:  # a broken configuration file is reported by the command that reads it
        return "zh"


def _lang_argument(args: list[str]) -> Optional[str]:
    for index, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and index + 1 < len(args) and args[index + 1] in LANGS:
            return args[index + 1]
        if arg.startswith("--lang=") and arg[7:] in LANGS:
            return arg[7:]
    return None


@lru_cache(maxsize=1)
def help_texts() -> dict:
    from ..resources import read_yaml_file  # the data cache: no YAML parser imported when it holds the file

    return read_yaml_file(HELP_FILE)


def _command_key(ctx_path: Sequence[str]) -> str:
    return " ".join(ctx_path)


def localize(command: click.Command, lang: str, path: tuple[str, ...] = ()) -> None:
    """Set the help of ``command``, its options and subcommands from help.yaml in ``lang``."""
    entry = help_texts().get(_command_key(path) or "auditor", {})
    if getattr(command, "_help_option", None) is not None:  # click makes --help once, in the language of then
        command._help_option.help = _gettext("Show this message and exit.")
    text = entry.get(lang)
    if text:
        examples = entry.get("examples") or []
        if examples:
            head = "示例：" if lang == "zh" else "Examples:"
            text = text.rstrip() + f"\n\n{head}\n\n\b\n" + "\n".join(f"  {line}" for line in examples)
        command.help = text
        command.short_help = entry.get(f"short_{lang}") or text.split("\n")[0].rstrip("。.")
    options = entry.get("options") or {}
    for param in command.params:
        words = options.get(param.name) or help_texts().get("common", {}).get(param.name)
        if words and isinstance(param, click.Option):
            param.help = words[lang]
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            localize(sub, lang, (*path, name))


class LocalFormatter(click.HelpFormatter):
    """Click's help layout measured in terminal columns (a Chinese character takes two) and wrapped
    as the full output wraps: between Chinese characters and at spaces, never inside a word."""

    def write_text(self, text: str) -> None:
        from ..write.text_format import wrap_message

        indent = " " * self.current_indent
        width = max(self.width - self.current_indent, 20)
        for number, paragraph in enumerate(text.split("\n\n")):
            if number:
                self.write("\n")
            if paragraph.startswith("\b\n"):
                lines = paragraph[2:].splitlines()
            else:
                lines = wrap_message(" ".join(paragraph.split("\n")), width).splitlines()
            self.write("".join(f"{indent}{line}\n" for line in lines))

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        from wcwidth import wcswidth

        from ..write.text_format import wrap_message

        rows = list(rows)
        first_col = min(max((wcswidth(first) for first, _ in rows), default=0), col_max) + col_spacing
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            used = wcswidth(first)
            if used <= first_col - col_spacing:
                self.write(" " * (first_col - used))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            lines = wrap_message(second, max(self.width - first_col - 2, 10)).splitlines() or [""]
            self.write(f"{lines[0]}\n")
            for line in lines[1:]:
                self.write(f"{'':>{first_col + self.current_indent}}{line}\n")


class LocalContext(click.Context):
    formatter_class = LocalFormatter


class LocalCommand(click.Command):
    """A command whose usage line says ``[OPTIONS]`` in the run's language."""

    context_class = LocalContext

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        self.options_metavar = OPTIONS_METAVAR[current()]
        return super().collect_usage_pieces(ctx)


class LocalSubgroup(click.Group):
    """A group under ``auditor`` (``rules``): the same context and usage line."""

    command_class = LocalCommand
    context_class = LocalContext

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        self.options_metavar = OPTIONS_METAVAR[current()]
        return super().collect_usage_pieces(ctx)


def group_lang_option(function):
    """``--lang`` before the command (``auditor --lang en check …``): read by ``lang_of`` before parsing."""
    return click.option("--lang", "group_lang", type=click.Choice(LANGS), expose_value=False,
                        help="Language of the run (default zh; AUDITOR_LANG).")(function)


class LocalGroup(click.Group):
    """The ``auditor`` group: decides the run's language before parsing (``lang_of``), localizes the
    help, and prints click's usage errors as ours: ``错误[USAGE-BAD-OPTION]：…``, exit 2."""

    command_class = LocalCommand
    group_class = LocalSubgroup
    context_class = LocalContext

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        self.options_metavar = OPTIONS_METAVAR[current()]
        return super().collect_usage_pieces(ctx)

    def main(self, args: Optional[Sequence[str]] = None, prog_name: Optional[str] = None, **extra):
        import sys

        if args is None:
            args = sys.argv[1:]
        lang = lang_of(args)
        set_lang(lang)
        localize(self, lang)
        standalone = extra.pop("standalone_mode", True)
        try:
            status = super().main(args, prog_name=prog_name or "auditor", standalone_mode=False, **extra)
        except click.UsageError as error:
            _show_usage_error(error, lang)
            if not standalone:
                raise
            sys.exit(2)
        except click.ClickException as error:  # a file option that cannot be opened…
            error.show()
            if not standalone:
                raise
            sys.exit(error.exit_code)
        except click.Abort:
            click.echo(_gettext("Aborted!"), err=True)
            sys.exit(1)
        if not standalone:
            return status
        sys.exit(status if isinstance(status, int) else 0)  # click's Exit (--help, --version) returns its status


USAGE_BAD_OPTION = "USAGE-BAD-OPTION"


def _show_usage_error(error: click.UsageError, lang: str) -> None:
    ctx = error.ctx
    if ctx is not None:
        hint = _gettext("Try '{command} {option}' for help.").format(command=ctx.command_path, option="--help")
        click.echo(f"{ctx.get_usage()}\n{hint}\n", err=True)
    separator = "：" if lang == "zh" else ": "
    label = "错误" if lang == "zh" else "error"
    click.echo(f"{label}[{USAGE_BAD_OPTION}]{separator}{error.format_message()}", err=True)
