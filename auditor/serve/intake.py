"""Reports coming into the workbench: uploaded files and zips saved under the store's folder, a
folder on this machine, audited one after another in a background thread with progress.

Uploads are untrusted: a name is reduced to its last component and to safe characters (no path
traversal, no hidden files), only report types are kept, sizes are capped per file, per upload and
for a zip's unpacked members (a zip bomb stops at the cap), and a zip entry whose name climbs out
(``../``, an absolute path) is refused and listed, never written.
"""
from __future__ import annotations

import io
import os
import queue
import re
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Optional

from ..corpus.batch import Batch, BatchOptions
from ..corpus.review import refresh
from ..corpus.store import FAILED_KINDS, Store
from ..load import READABLE_SUFFIXES
from ..load.inputs import REPORT_SUFFIXES, InputError, collect_inputs

MB = 1 << 20
FAILED = ",".join(f"'{kind}'" for kind in FAILED_KINDS)


@dataclass(frozen=True)
class UploadLimits:
    file_bytes: int = 50 * MB  # one report
    upload_bytes: int = 200 * MB  # one request, every file together
    zip_members: int = 2000
    unpacked_bytes: int = 500 * MB  # a zip's members together


ACCEPTED = frozenset(REPORT_SUFFIXES) | frozenset(READABLE_SUFFIXES)
_UNSAFE = re.compile(r"[^\w.\-()（）\u3000-\u9fff\uff00-\uffef]+")


def safe_name(name: str) -> Optional[str]:
    """The last component of an uploaded name, with only safe characters; None if nothing is left."""
    base = PureWindowsPath(PurePosixPath(name.replace("\x00", "")).name).name
    base = _UNSAFE.sub("_", base).strip("._ ")
    return base[:150] or None


def unsafe_member(name: str) -> bool:
    """A zip entry whose name leaves the folder it is unpacked into."""
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return True
    return ".." in re.split(r"[\\/]+", name)


@dataclass
class Refused:
    name: str
    reason: str  # a key of the workbench's words (refused_*)


@dataclass
class Job:
    id: str
    files: list[Path] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)
    done: int = 0
    state: str = "queued"  # queued | running | finished
    failures: list[tuple[str, str]] = field(default_factory=list)  # (file name, reason as stored)
    report_ids: dict[str, int] = field(default_factory=dict)
    started: float = 0.0
    finished: float = 0.0
    folder: Optional[Path] = None  # the folder a reviewer pointed at (files stay there)

    @property
    def total(self) -> int:
        return len(self.files)


class Intake:
    """Uploads into ``<store>.files/<job>/`` and one background thread auditing the jobs in turn."""

    def __init__(self, store_path: Path, lang: str = "zh", limits: UploadLimits = UploadLimits()):
        self.store_path = Path(store_path)
        self.root = self.store_path.with_name(self.store_path.name + ".files")
        self.lang = lang
        self.limits = limits
        self.jobs: dict[str, Job] = {}
        self.queue: "queue.Queue[Job]" = queue.Queue()
        self.thread: Optional[threading.Thread] = None
        self.lock = threading.Lock()

    # ------------------------------------------------------------ taking files in

    def new_job(self) -> tuple[Job, Path]:
        job = Job(id=uuid.uuid4().hex[:12])
        folder = self.root / job.id
        return job, folder

    def add_upload(self, job: Job, folder: Path, name: str, data: bytes, budget: list[int]) -> None:
        """One uploaded file (a zip is unpacked); ``budget`` holds the bytes this request may still take."""
        shown = name or "?"
        if len(data) > budget[0]:
            job.refused.append(Refused(shown, "refused_too_large_upload"))
            return
        budget[0] -= len(data)
        base = safe_name(name)
        if base is None:
            job.refused.append(Refused(shown, "refused_name"))
            return
        if base.lower().endswith(".zip"):
            self._unzip(job, folder, shown, data)
            return
        self._keep(job, folder, shown, base, data)

    def _keep(self, job: Job, folder: Path, shown: str, base: str, data: bytes) -> None:
        suffix = Path(base).suffix.lower()
        if suffix not in ACCEPTED:
            job.refused.append(Refused(shown, "refused_type"))
            return
        if len(data) > self.limits.file_bytes:
            job.refused.append(Refused(shown, "refused_too_large"))
            return
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / base
        number = 1
        while target.exists() or target in job.files:
            number += 1
            target = folder / f"{Path(base).stem}-{number}{suffix}"
        target.write_bytes(data)
        job.files.append(target)

    def _unzip(self, job: Job, folder: Path, shown: str, data: bytes) -> None:
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            members = archive.infolist()
        except (zipfile.BadZipFile, OSError, ValueError):
            job.refused.append(Refused(shown, "refused_zip"))
            return
        if len(members) > self.limits.zip_members:
            job.refused.append(Refused(shown, "refused_zip_members"))
            return
        unpacked = 0
        for member in members:
            if member.is_dir():
                continue
            label = f"{shown}: {member.filename}"
            if unsafe_member(member.filename):
                job.refused.append(Refused(label, "refused_traversal"))
                continue
            base = safe_name(member.filename)
            if base is None or PurePosixPath(member.filename).name.startswith((".", "__MACOSX")) or \
                    "__MACOSX" in member.filename:
                continue  # system litter, not a report
            if Path(base).suffix.lower() not in ACCEPTED:
                job.refused.append(Refused(label, "refused_type"))
                continue
            if member.file_size > self.limits.file_bytes or unpacked + member.file_size > self.limits.unpacked_bytes:
                job.refused.append(Refused(label, "refused_too_large"))
                continue
            try:
                with archive.open(member) as handle:  # read no more than declared: a lying header stops here
                    content = handle.read(self.limits.file_bytes + 1)
            except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError):
                job.refused.append(Refused(label, "refused_zip"))
                continue
            if len(content) > self.limits.file_bytes:
                job.refused.append(Refused(label, "refused_too_large"))
                continue
            unpacked += len(content)
            self._keep(job, folder, label, base, content)

    def add_folder(self, job: Job, folder: str) -> None:
        """Every report under a folder of this machine (audited where it is)."""
        path = Path(folder).expanduser()
        if not path.is_dir():
            job.refused.append(Refused(folder, "refused_folder"))
            return
        try:
            inputs = collect_inputs([path])
        except InputError:
            job.refused.append(Refused(folder, "refused_folder"))
            return
        job.folder = path
        job.files += [Path(f) for f in inputs.files]

    # ------------------------------------------------------------ auditing

    def submit(self, job: Job) -> Job:
        with self.lock:
            self.jobs[job.id] = job
            if job.files:
                self.queue.put(job)
                if self.thread is None or not self.thread.is_alive():
                    self.thread = threading.Thread(target=self._work, name="auditor-intake", daemon=True)
                    self.thread.start()
            else:
                job.state = "finished"
        return job

    def _work(self) -> None:
        batch: Optional[Batch] = None
        while True:
            try:
                job = self.queue.get(timeout=2)
            except queue.Empty:
                if batch is not None:
                    batch.close()
                return
            job.state, job.started = "running", time.time()
            try:
                if batch is None:
                    batch = Batch(self.store_path, BatchOptions(lang=self.lang, command="auditor serve"))
                for path in job.files:
                    batch.run([path])
                    self._note(batch.store, job, path)
                    job.done += 1
                refresh(batch.store)
            except Exception as error:  # the job's failure, shown on its page; the server goes on
                job.failures.append(("", f"{type(error).__name__}: {error}"))
            finally:
                job.state, job.finished = "finished", time.time()

    @staticmethod
    def _note(store: Store, job: Job, path: Path) -> None:
        name = os.path.abspath(path)
        found = store.db.execute("SELECT id, status FROM reports WHERE path = ?", (name,)).fetchone()
        if found is None:
            job.failures.append((path.name, ""))
            return
        job.report_ids[path.name] = found[0]
        problems = store.db.execute(f"SELECT message FROM findings WHERE report_id = ? AND kind IN ({FAILED})"
                                    " AND link_id IS NULL ORDER BY id", (found[0],)).fetchall()
        if found[1] != "audited" or problems:
            job.failures.append((path.name, "；".join(p[0] for p in problems)))

    def busy(self) -> bool:
        return any(job.state != "finished" for job in self.jobs.values())
