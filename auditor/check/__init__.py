"""Stage 3: a Report -> Findings: the rule engine, the narrative against the tables, and the cross-report rules."""
