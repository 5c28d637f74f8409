"""Scale-out: the same batch on a Dask cluster (``auditor batch --dask ADDRESS``).

The coordinator reads and hashes the files as for local processes and sends them, contents
included, in chunks of about 100 to the cluster's workers (no shared file system needed); each
worker runs ``worker.audit_chunk`` and returns plain rows, which the coordinator writes to the store.
The worker spec (rule texts and settings) is sent once to every worker. Optional: install with
``pip install auditor[scale]`` (dask[distributed]).
"""
from __future__ import annotations

from typing import Iterator, Sequence

from .worker import Task, audit_chunk

INSTALL_HINT = "Dask is not installed: pip install auditor[scale]  (or: pip install 'dask[distributed]')"


class ScaleUnavailable(RuntimeError):
    """dask.distributed is not importable."""


def _distributed():
    try:
        import distributed
    except ImportError:
        raise ScaleUnavailable(INSTALL_HINT) from None
    return distributed


def dask_available() -> bool:
    try:
        _distributed()
    except ScaleUnavailable:
        return False
    return True


def _audit_chunk(tasks: Sequence[Task], spec: dict) -> list[dict]:
    return audit_chunk(tasks, spec)


class DaskRunner:
    """Sends chunks to a Dask scheduler (an address such as ``tcp://host:8786``, or a ``Client``);
    keeps about two chunks in flight per worker thread."""

    def __init__(self, spec: dict, address, inflight: int = 0, direct: bool = True):
        distributed = _distributed()
        self.owns_client = not isinstance(address, distributed.Client)
        self.client = distributed.Client(address) if self.owns_client else address
        threads = sum(self.client.nthreads().values()) or 1
        self.inflight = inflight or 2 * threads
        [self.spec] = self.client.scatter([spec], broadcast=True)
        self.as_completed = distributed.as_completed
        self.direct = direct

    def run(self, chunks: Iterator[list[Task]]):
        pending = {}

        def submit(queue) -> bool:
            chunk = next(chunks, None)
            if chunk is None:
                return False
            data = chunk
            if self.direct:  # the contents go straight to a worker, not through the scheduler
                [data] = self.client.scatter([chunk], direct=True, hash=False)
            future = self.client.submit(_audit_chunk, data, self.spec, pure=False)
            pending[future.key] = (chunk, data)
            queue.add(future)
            return True

        queue = self.as_completed([])
        for _ in range(self.inflight):
            if not submit(queue):
                break
        for future in queue:
            chunk, data = pending.pop(future.key)
            try:
                result = future.result()
            except Exception as error:  # a worker lost or a task failed: the files are recorded, retried later
                result = error
            future.release()
            if data is not chunk:
                data.release()
            submit(queue)
            yield chunk, result

    def close(self) -> None:
        if self.owns_client:
            self.client.close()
