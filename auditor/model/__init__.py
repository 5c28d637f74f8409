"""The data every stage shares: documents, reports and cells, findings, the run's settings. Imports nothing of ours but itself."""
