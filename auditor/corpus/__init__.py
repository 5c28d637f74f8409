"""Many reports: batches over processes or Dask, the SQLite store, agency names, cross-year pairs.

The constants the command line needs before a command runs live here, so that ``auditor check`` does not
import the batch machinery (process pools, SQLite) to build its option list."""

DEFAULT_CHUNK = 100  # files per worker task
SEVERITIES = ("error", "warning", "review", "info")  # the store's columns of finding counts, worst first
