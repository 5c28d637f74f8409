"""A batch with corrupted files among good ones (scripts/corrupt_batch.py at a small size; the
script runs 1,000): every good file is audited cleanly, every bad one is recorded with its code,
and ``auditor batch`` exits 1."""
from __future__ import annotations

import sys
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
sys.path.insert(0, str(SCRIPTS))
from corrupt_batch import build, run, verify  # noqa: E402


def test_a_batch_with_corrupted_files_records_each_and_exits_1(tmp_path):
    manifest = build(tmp_path / "reports", 40, 0.2, seed=3, bomb_mb=20)
    kinds = [entry["kind"] for entry in manifest.values()]
    assert kinds.count("good") == 32 and all(kinds.count(k) == 2 for k in ("truncated", "bit-flipped",
                                                                          "wrong-ext", "zip-bomb"))
    code, _, output = run(tmp_path / "reports", tmp_path / "audit.sqlite", jobs=2)
    assert code == 1, output
    table = verify(tmp_path / "reports", tmp_path / "audit.sqlite", manifest)
    for kind, row in table.items():
        assert row["ok"] == row["files"], (kind, row["failures"])
    assert table["zip-bomb"]["codes"] == {"LIMIT-ZIP-BOMB": 2}
    assert table["wrong-ext"]["codes"]["FORMAT-MISMATCH"] == 2
    assert set(table["truncated"]["codes"]) & {"FILE-UNREADABLE", "FILE-EMPTY", "TABLE-ABSENT"}
    assert "internal-error" not in str(table)
