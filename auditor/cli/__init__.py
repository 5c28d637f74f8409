"""The ``auditor`` command: click commands only — parse options, call the pipeline, pick a writer.

``main`` (cli/main.py) is the command group with the single-report commands; the corpus commands
(batch, report) in cli/batch.py add themselves to it when this package is imported.
"""
from . import batch as _corpus_commands  # noqa: F401 - registers batch and report on ``main``
from . import serve as _serve_commands  # noqa: F401 - registers serve and export on ``main``
from .main import main

__all__ = ["main"]
