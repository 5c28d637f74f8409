"""Limits on what one input file may cost: size, pages, unpacked size, pixels, nesting, table size,
and time (numbers over 30 digits: ``cells.MAX_DIGITS``). A file over a limit is not read further and becomes a LIMIT-* finding on
that file (catalogue.py); the batch goes on with the others.

The limits of a run live in ``RunConfig.limits``; ``audit_file`` makes them current for the loaders
(``current()``) while it reads one file, so the loaders need no extra argument.
"""
from __future__ import annotations

import contextlib
import contextvars
import io
import signal
import threading
import time
import zipfile
import zlib
from dataclasses import dataclass, fields, replace
from typing import Iterator, Optional

from .model.errors import LoadError

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    file_bytes: int = 50 * MB  # any input file
    pages: int = 500  # PDF pages
    unpacked_bytes: int = 300 * MB  # a DOCX/XLSX/ODS package, all members unpacked
    unpacked_ratio: int = 200  # unpacked / packed size of one member (zip bombs) …
    ratio_floor_bytes: int = 2 * MB  # … once the member unpacks to more than this
    zip_members: int = 20_000
    image_pixels: int = 60_000_000  # an image, or a scanned PDF page as rendered for OCR
    nesting: int = 2_000  # HTML element depth
    table_cells: int = 500_000  # cells (pieces) in one document
    row_cells: int = 2_000  # cells in one row
    seconds: float = 60.0  # time per file; a file still running is abandoned (0: no limit)

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    def with_values(self, values: dict) -> "Limits":
        """These limits with some replaced (from a configuration file or options); checked by the caller."""
        return replace(self, **values)


DEFAULT = Limits()
_CURRENT: contextvars.ContextVar[Limits] = contextvars.ContextVar("auditor_limits", default=DEFAULT)


def current() -> Limits:
    return _CURRENT.get()


@contextlib.contextmanager
def use(limits: Limits) -> Iterator[Limits]:
    token = _CURRENT.set(limits)
    try:
        yield limits
    finally:
        _CURRENT.reset(token)


def _size(count: float) -> str:
    return f"{count / MB:.1f} MB" if count >= MB else f"{int(count)} 字节"


def _size_en(count: float) -> str:
    return f"{count / MB:.1f} MB" if count >= MB else f"{int(count)} bytes"


# ------------------------------------------------------------------ checks the loaders call


def check_file_size(size: int, file: str) -> None:
    limit = current().file_bytes
    if size > limit:
        raise LoadError("FILE-TOO-LARGE", f"文件过大（{_size(size)}，上限 {_size(limit)}）：{file}",
                        f"file too large ({_size_en(size)}; the limit is {_size_en(limit)}): {file}")


def check_pages(count: int, file: str) -> None:
    limit = current().pages
    if count > limit:
        raise LoadError("LIMIT-PAGES", f"PDF 共 {count} 页，超过上限 {limit} 页，未读取：{file}",
                        f"the PDF has {count} pages, over the limit of {limit}: not read: {file}")


def check_package(data: bytes, file: str) -> None:
    """A zip package (DOCX, XLSX, ODS, ODT) must not unpack beyond the limits. The sizes a zip
    declares can lie, so each member is also unpacked in bounded steps and counted."""
    limits = current()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except Exception:  # zipfile raises half a dozen kinds for a garbled directory
        return  # not a readable zip: the format's own loader says so
    with archive:
        members = archive.infolist()
        if len(members) > limits.zip_members:
            _bomb(file, f"含 {len(members)} 个成员", f"{len(members)} members")
        total = 0
        for member in members:
            declared = member.file_size
            if declared > limits.unpacked_bytes:
                _bomb(file, f"成员 {member.filename} 解压后 {_size(declared)}",
                      f"member {member.filename} unpacks to {_size_en(declared)}")
            unpacked = _unpacked_size(archive, member, limits.unpacked_bytes - total, file)
            if unpacked is None:
                _bomb(file, f"解压后超过 {_size(limits.unpacked_bytes)}", f"unpacks beyond {_size_en(limits.unpacked_bytes)}")
            total += unpacked
            packed = max(member.compress_size, 1)
            if unpacked > limits.ratio_floor_bytes and unpacked / packed > limits.unpacked_ratio:
                _bomb(file, f"成员 {member.filename} 压缩比 {unpacked // packed}:1",
                      f"member {member.filename} has a compression ratio of {unpacked // packed}:1")


def _unpacked_size(archive: zipfile.ZipFile, member: zipfile.ZipInfo, budget: int, file: str) -> Optional[int]:
    """The bytes a member really unpacks to, or None past ``budget``. A member whose data fail their
    checksum is damaged, or lies about its size (a bomb in disguise, which another unpacker would
    unpack in full): the package is not read."""
    count = 0
    try:
        with archive.open(member) as stream:
            while True:
                checkpoint()
                chunk = stream.read(1 << 20)
                if not chunk:
                    return count
                count += len(chunk)
                if count > budget:
                    return None
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise LoadError("FILE-UNREADABLE", f"压缩包成员 {member.filename} 已损坏（{exc}），文件无法读取：{file}",
                        f"package member {member.filename} is damaged ({exc}): {file}") from None
    except Exception:  # an encrypted member, an unknown compression…: the format's loader reports it
        return count


def _bomb(file: str, zh: str, en: str) -> None:
    raise LoadError("LIMIT-ZIP-BOMB", f"压缩包{zh}，疑似压缩炸弹，未读取：{file}",
                    f"the package {en}: a zip bomb? Not read: {file}")


def check_pixels(width: int, height: int, file: str, what_zh: str = "图片", what_en: str = "image") -> None:
    limit = current().image_pixels
    if width * height > limit:
        raise LoadError("LIMIT-IMAGE-PIXELS",
                        f"{what_zh}为 {width}×{height} 像素，超过上限 {limit} 像素，未识别：{file}",
                        f"the {what_en} is {width}×{height} pixels, over the limit of {limit}: not read: {file}")


def nesting_error(file: str) -> LoadError:
    limit = current().nesting
    return LoadError("LIMIT-NESTING", f"文档嵌套层级超过 {limit} 层，未读取：{file}",
                     f"the document is nested deeper than {limit} levels: not read: {file}")


def check_document(rows, file: str) -> None:
    """A loaded document must not hold more cells, or wider rows, than the limits allow."""
    limits = current()
    cells = 0
    for number, row in enumerate(rows, 1):
        if number % 256 == 0:
            checkpoint()
        width = len(row.pieces)
        if width > limits.row_cells:
            raise LoadError("LIMIT-TABLE-SIZE", f"第 {number} 行有 {width} 个单元格，超过上限 {limits.row_cells}：{file}",
                            f"row {number} has {width} cells, over the limit of {limits.row_cells}: {file}")
        cells += width
    if cells > limits.table_cells:
        raise LoadError("LIMIT-TABLE-SIZE", f"文档共 {cells} 个单元格，超过上限 {limits.table_cells}：{file}",
                        f"the document holds {cells} cells, over the limit of {limits.table_cells}: {file}")


# ------------------------------------------------------------------ time per file


class TimeLimitExceeded(BaseException):
    """Raised into the audit of a file that ran past its time (a BaseException, so that the broad
    ``except Exception`` around a library call cannot swallow it)."""


# When the file being worked on must be done (time.monotonic()), or None: read by ``checkpoint``.
_DEADLINE: contextvars.ContextVar[Optional[float]] = contextvars.ContextVar("auditor_deadline", default=None)


def checkpoint() -> None:
    """Raise TimeLimitExceeded once the current file's time is over. Loops over a file's content call
    it: unlike the timer's signal, it cannot be lost in a finalizer, nor does it need the main thread."""
    at = _DEADLINE.get()
    if at is not None and time.monotonic() >= at:
        raise TimeLimitExceeded()


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[bool]:
    """Interrupt the block after ``seconds`` with TimeLimitExceeded; yields whether a timer runs.

    Three layers, so that the outcome depends only on the time the work took, never on where an
    asynchronous exception lands:
    - ``checkpoint()`` in the loaders' loops raises once the deadline is past (any thread);
    - on the main thread of a Unix process (the CLI, each local batch worker) a SIGALRM timer raises
      into pure-Python code that reaches no checkpoint (a runaway loop in a library), repeating every
      50 ms, since Python ignores an exception raised while a finalizer runs;
    - leaving the block past the deadline raises TimeLimitExceeded even if every alarm was swallowed
      (or turned into another Exception by a library's ``except BaseException``).
    A call inside C code is interrupted when it returns to Python; a worker stuck in C for good is
    ended by the batch's watchdog instead."""
    if not seconds or seconds <= 0:
        yield False
        return
    at = time.monotonic() + seconds
    token = _DEADLINE.set(at)
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    armed = [True]

    def expire(signum, frame):
        if armed[0]:
            raise TimeLimitExceeded()

    previous = signal.signal(signal.SIGALRM, expire) if usable else None
    if usable:
        signal.setitimer(signal.ITIMER_REAL, seconds, 0.05)
    try:
        yield usable
    except Exception:
        if time.monotonic() >= at:  # past the time, an error is the interrupted work's: the time is the cause
            raise TimeLimitExceeded() from None
        raise
    else:
        if time.monotonic() >= at:
            raise TimeLimitExceeded()
    finally:
        armed[0] = False  # from here on an alarm does nothing: the guard's own handling cannot be interrupted
        if usable:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        _DEADLINE.reset(token)


def time_error(file: str, seconds: float) -> LoadError:
    return LoadError("LIMIT-TIME", f"处理超过 {seconds:g} 秒，已放弃该文件：{file}",
                     f"still running after {seconds:g} s: the file was abandoned: {file}")


@contextlib.contextmanager
def guarded(file: str, limits: Limits) -> Iterator[None]:
    """Work on one file within ``limits``: they are current for the loaders, the time limit runs,
    and running out of time, of stack (nesting) or of memory becomes that file's LoadError."""
    try:
        with use(limits), deadline(limits.seconds):
            yield
    except TimeLimitExceeded:
        raise time_error(file, limits.seconds) from None
    except RecursionError:
        with use(limits):
            raise nesting_error(file) from None
    except MemoryError:
        raise LoadError("FILE-TOO-LARGE", f"处理该文件时内存不足：{file}", f"out of memory while reading {file}") from None
