"""``python -m auditor`` runs the command line."""
from .cli.main import main

main()
