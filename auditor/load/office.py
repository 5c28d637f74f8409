"""Converts Word 97-2003 (.doc), WPS (.wps), OpenDocument text (.odt) and RTF to .docx with
LibreOffice in headless mode, when it is installed (``soffice`` or ``libreoffice`` on PATH, or
the path in ``AUDITOR_SOFFICE``). The .docx then goes through docx.py.

Each conversion runs in a fresh temporary directory with its own LibreOffice profile (so
parallel conversions and a user's open LibreOffice do not collide) and a time limit
(``AUDITOR_SOFFICE_TIMEOUT`` seconds, default 120). Without LibreOffice a clear LoadError says
what to install.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Optional

from ..model.errors import LoadError

_SUFFIX = {"doc": ".doc", "odt": ".odt", "rtf": ".rtf"}


def find_soffice() -> Optional[str]:
    configured = os.environ.get("AUDITOR_SOFFICE")
    if configured:
        return configured if Path(configured).exists() else shutil.which(configured)
    for name in ("soffice", "libreoffice", "lowriter"):
        found = shutil.which(name)
        if found:
            return found
    return None


def convert_to_docx(data: bytes, file: str, kind: str = "doc") -> bytes:
    soffice = find_soffice()
    if soffice is None:
        raise LoadError(
            "format-unsupported",
            f"读取 .doc/.wps 等旧格式需要 LibreOffice（如 apt-get install libreoffice-writer-nogui），"
            f"或先另存为 .docx：{file}",
            f"reading .doc/.wps needs LibreOffice on PATH (e.g. apt-get install libreoffice-writer-nogui), "
            f"or save the file as .docx first: {file}")
    suffix = Path(file).suffix.lower() if Path(file).suffix.lower() in {".doc", ".wps", ".odt", ".rtf", ".dot"} \
        else _SUFFIX.get(kind, ".doc")
    timeout = float(os.environ.get("AUDITOR_SOFFICE_TIMEOUT", "120") or 120)
    with tempfile.TemporaryDirectory(prefix="auditor-office-") as folder:
        work = Path(folder)
        source = work / f"input{suffix}"
        source.write_bytes(data)
        profile = (work / "profile").as_uri()
        command = [soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--nologo",
                   "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(work / "out"), str(source)]
        try:
            completed = subprocess.run(command, capture_output=True, timeout=timeout, check=False,
                                       stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise LoadError("file-unreadable", f"LibreOffice 转换超时（{timeout:.0f} 秒）：{file}",
                            f"LibreOffice conversion timed out after {timeout:.0f} s: {file}") from None
        except OSError as exc:
            raise LoadError("format-unsupported", f"无法运行 LibreOffice（{exc}）：{file}",
                            f"cannot run LibreOffice ({exc}): {file}") from None
        target = work / "out" / "input.docx"
        if completed.returncode != 0 or not target.exists():
            detail = (completed.stderr or completed.stdout).decode("utf-8", "replace").strip().splitlines()
            shown = detail[-1] if detail else f"exit {completed.returncode}"
            raise LoadError("file-unreadable", f"LibreOffice 无法转换此文件（{shown}）：{file}",
                            f"LibreOffice could not convert the file ({shown}): {file}")
        return target.read_bytes()
