"""Draw page 1 of a sample correction memo into docs/memo-page1.png (DOCX -> PDF by LibreOffice ->
PNG by pdftoppm), for docs/MEMO.md and the README. Run again after changing the memo's layout:

    PYTHONPATH=$PWD python scripts/memo_sample.py [REPORT] [--out docs/memo-page1.png]

The report defaults to ../shared/corpus/hongze-2023.pdf (else examples/shanghai-bgt-2019.html); the
issuing office and number are samples, the date fixed so that the picture only changes with the layout.
"""
from __future__ import annotations

import argparse
import datetime
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from auditor.memo import build_memo, render_docx  # noqa: E402
from auditor.pipeline import audit_file  # noqa: E402
from auditor.policy import RunConfig  # noqa: E402
from auditor.ruleset import load_default_rules  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = ROOT.parent / "shared" / "corpus" / "hongze-2023.pdf"
    parser.add_argument("report", nargs="?", default=str(default if default.exists()
                                                          else ROOT / "examples" / "shanghai-bgt-2019.html"))
    parser.add_argument("--out", default=str(ROOT / "docs" / "memo-page1.png"))
    parser.add_argument("--dpi", type=int, default=80)
    args = parser.parse_args()
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if not office or not shutil.which("pdftoppm"):
        print("needs LibreOffice (soffice) and pdftoppm (poppler-utils)", file=sys.stderr)
        return 2
    result = audit_file(Path(args.report), list(load_default_rules()), RunConfig())
    memo = build_memo(result, office="某某市人民政府办公室", number="某政办函〔2026〕12号",
                      today=datetime.date(2026, 12, 6))
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        docx = render_docx(memo, work / "memo.docx")
        subprocess.run([office, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless",
                        "--norestore", "--convert-to", "pdf", "--outdir", str(work), str(docx)],
                       check=True, capture_output=True, timeout=180)
        subprocess.run(["pdftoppm", "-r", str(args.dpi), "-f", "1", "-l", "1", "-png", "-singlefile",
                        str(work / "memo.pdf"), str(work / "page")], check=True)
        shutil.copy(work / "page.png", args.out)
    print(f"wrote {args.out} ({Path(args.report).name}: {len(memo.items)} item(s))")
    return 0


if __name__ == "__main__":
    sys.exit(main())
