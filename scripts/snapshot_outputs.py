"""Snapshot the JSON output of every report we hold, and compare two snapshots (not a test).

A refactoring or a speed-up must not change what auditor says: take a snapshot before, one after,
and compare. The differences are listed per report and finding (code, cells, severity, values), so
the ones a fixed bug explains can be named in the change's notes.

    python scripts/snapshot_outputs.py --out out/snap-before            # examples/ and ../shared/corpus
    python scripts/snapshot_outputs.py --compare out/snap-before out/snap-after
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

REPORT_SUFFIXES = {".txt", ".md", ".html", ".htm", ".pdf", ".docx"}


def report_paths() -> list[Path]:
    """The reports of examples/ and the corpus, as ``auditor check`` finds them in the folders
    (README and other files that are no report left out)."""
    from auditor.load.inputs import collect_inputs

    folders = [ROOT / "examples"] + ([CORPUS] if CORPUS.is_dir() else [])
    return [p for p in collect_inputs(folders).files if p.suffix.lower() in REPORT_SUFFIXES]


def snapshot(out: Path) -> None:
    from auditor.pipeline import audit_file
    from auditor.policy import RunConfig
    from auditor.ruleset import load_default_rules

    rules, config = load_default_rules(), RunConfig()
    out.mkdir(parents=True, exist_ok=True)
    for path in report_paths():
        result = audit_file(path, rules, config)
        # The folder it was read from is not part of what auditor says: paths become <examples>/…
        text = result.model_dump_json().replace(json.dumps(str(path.parent))[1:-1], f"<{path.parent.name}>")
        data = json.loads(text)
        target = out / f"{path.parent.name}--{path.name}.json"
        target.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"{target.name}: {len(result.findings)} findings")


def _finding_key(finding: dict) -> str:
    cells = ",".join(f"{c['table']}.{c['row']}.{c['column']}" for c in finding.get("cells", []))
    return f"{finding['code']}[{cells}]{finding.get('sentence') or ''}"


def _diff(old, new, path: str = "") -> list[str]:
    if isinstance(old, dict) and isinstance(new, dict):
        lines = []
        for key in sorted(set(old) | set(new)):
            if key not in new:
                lines.append(f"{path}.{key}: removed")
            elif key not in old:
                lines.append(f"{path}.{key}: added {json.dumps(new[key], ensure_ascii=False)[:120]}")
            else:
                lines += _diff(old[key], new[key], f"{path}.{key}")
        return lines
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [line for index, (a, b) in enumerate(zip(old, new)) for line in _diff(a, b, f"{path}[{index}]")]
    if old != new:
        return [f"{path}: {json.dumps(old, ensure_ascii=False)[:120]} -> {json.dumps(new, ensure_ascii=False)[:120]}"]
    return []


def compare(before: Path, after: Path) -> int:
    changed = 0
    names = sorted({p.name for p in before.glob("*.json")} | {p.name for p in after.glob("*.json")})
    for name in names:
        if not (before / name).exists() or not (after / name).exists():
            print(f"{name}: only in {'after' if (after / name).exists() else 'before'}")
            changed += 1
            continue
        old = json.loads((before / name).read_text(encoding="utf-8"))
        new = json.loads((after / name).read_text(encoding="utf-8"))
        old_findings = {_finding_key(f): f for f in old.pop("findings", [])}
        new_findings = {_finding_key(f): f for f in new.pop("findings", [])}
        lines = [f"finding removed: {key}" for key in old_findings if key not in new_findings]
        lines += [f"finding added: {key}" for key in new_findings if key not in old_findings]
        for key in old_findings.keys() & new_findings.keys():
            lines += [f"{key}{line}" for line in _diff(old_findings[key], new_findings[key])]
        lines += _diff(old, new)
        if lines:
            changed += 1
            print(f"{name}:")
            for line in lines:
                print(f"  {line}")
    print(f"{changed} of {len(names)} reports differ")
    return 1 if changed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, help="Write a snapshot into this folder.")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    args = parser.parse_args()
    if args.compare:
        return compare(*args.compare)
    if not args.out:
        parser.error("give --out DIR or --compare BEFORE AFTER")
    snapshot(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
