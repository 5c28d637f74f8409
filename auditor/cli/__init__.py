"""The ``auditor`` command: click commands only — parse options, call the pipeline, pick a writer.

``main`` (cli/main.py) is the command group with the single-report commands. Every other module of
commands adds its commands to ``main`` when it is imported, and is imported below — the one place
commands are registered. A new command is a module imported here plus its help in both languages in
``cli/help.yaml`` (cli/i18n.py shows it in the run's language; tests/test_cli_language.py checks it).
"""
from .main import main

# Modules whose commands register on ``main`` (one line each):
from . import batch as _batch_commands  # noqa: F401,E402 - batch, report
from . import serve as _serve_commands  # noqa: F401,E402 - serve, export

__all__ = ["main"]
