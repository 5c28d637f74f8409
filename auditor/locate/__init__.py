"""Stage 4: failing relations -> the cells most likely wrong and the values they need (Fellegi-Holt), with the human slip seen."""
