"""Many reports: batches over processes or Dask, the SQLite store, agency names, cross-year pairs."""
