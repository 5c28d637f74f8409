"""``python -m auditor`` runs the command line (and ``run`` is the ``auditor`` script's entry point)."""
import sys


def run() -> None:
    """The ``auditor`` command. ``--version`` alone is answered before the command line is imported
    (pydantic, the rules, every stage): a CI step that asks it pays little more than the interpreter.
    tests/test_check_cli.py holds the answer equal to click's ``version_option``."""
    if sys.argv[1:] == ["--version"]:
        from . import __version__

        print(f"auditor {__version__}")
        return
    from .cli import main

    main()


if __name__ == "__main__":
    run()
