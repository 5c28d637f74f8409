"""Stage 2: a loaded Document -> a Report: tables 2, 3 and 4 found, mapped onto the template's rows and columns, the agency and year read."""
