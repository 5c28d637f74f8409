"""JSON Schemas of the outputs, generated from the models (committed under docs/schema/)."""
from __future__ import annotations

import json
from pathlib import Path

from ..model.diff import ReportDiff
from ..model.findings import AuditRun
from ..model.report import Report

SCHEMAS = {
    "check.schema.json": (AuditRun, "auditor check --format json"),
    "extract.schema.json": (Report, "auditor extract --format json"),
    "diff.schema.json": (ReportDiff, "auditor diff --format json"),
}


def schema_text(name: str) -> str:
    model, title = SCHEMAS[name]
    schema = model.model_json_schema(mode="serialization")
    schema["title"] = title
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_schemas(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in SCHEMAS:
        path = folder / name
        path.write_text(schema_text(name), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":  # python -m auditor.write.schema
    for path in write_schemas(Path(__file__).resolve().parents[2] / "docs" / "schema"):
        print(path)
