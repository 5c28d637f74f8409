"""``auditor serve``: the reviewer's workbench, a local web application over the results store
(reports list, report view with evidence, decisions by fingerprint, fix tracking, memos)."""
