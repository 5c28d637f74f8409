"""Scale-out: a batch on a Dask LocalCluster gives the same store as local processes."""
from __future__ import annotations

import builtins
import sys
from pathlib import Path

import pytest

from auditor.corpus.batch import BatchOptions, run_batch
from auditor.corpus.scale import INSTALL_HINT, ScaleUnavailable, dask_available

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
sys.path.insert(0, str(SCRIPTS))
from bench_batch import build_corpus  # noqa: E402
from kill_resume import store_contents  # noqa: E402


@pytest.mark.skipif(not dask_available(), reason="dask.distributed is not installed (auditor[scale])")
def test_dask_gives_the_findings_of_local_processes(tmp_path):
    from distributed import Client, LocalCluster

    manifest = build_corpus(tmp_path / "corpus", 30, seed=9, error_share=0.3)
    local = run_batch([tmp_path / "corpus"], tmp_path / "local.sqlite", BatchOptions(jobs=1))
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        with Client(cluster) as client:
            remote = run_batch([tmp_path / "corpus"], tmp_path / "dask.sqlite",
                               BatchOptions(dask=client, chunk_size=7))
        # an address works as well: the runner opens (and closes) its own client
        again = run_batch([tmp_path / "corpus"], tmp_path / "dask2.sqlite",
                          BatchOptions(dask=cluster.scheduler_address, chunk_size=100))
    assert remote.audited == again.audited == local.audited == manifest["count"]
    assert remote.pairs == local.pairs > 0
    expected = store_contents(tmp_path / "local.sqlite")
    for db in ("dask.sqlite", "dask2.sqlite"):
        got = store_contents(tmp_path / db)
        assert got["findings"] == expected["findings"] and got["pairs"] == expected["pairs"]
        assert got["rows"] == expected["rows"]
    assert sum(expected["findings"].values()) > 0


def test_without_dask_the_message_says_what_to_install(monkeypatch, tmp_path):
    real_import = builtins.__import__

    def no_dask(name, *args, **kwargs):
        if name == "distributed" or name.startswith("distributed."):
            raise ImportError("No module named 'distributed'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_dask)
    assert not dask_available()
    (tmp_path / "c").mkdir()
    build_corpus(tmp_path / "c", 1, seed=1)
    with pytest.raises(ScaleUnavailable, match=r"auditor\[scale\]"):
        run_batch([tmp_path / "c"], tmp_path / "x.sqlite", BatchOptions(dask="tcp://127.0.0.1:1"))
    assert "pip install auditor[scale]" in INSTALL_HINT
