"""The correction memo (更正建议函) to an agency, Markdown or Word, from the findings."""
