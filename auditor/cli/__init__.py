"""The ``auditor`` command: click commands only — parse options, call the pipeline, pick a writer."""
