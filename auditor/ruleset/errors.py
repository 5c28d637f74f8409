"""Error codes of rule files (registered in the catalogue). Filled in by the rule-error work."""
from __future__ import annotations

from ..catalogue import Problem, register

register()
