"""Generated case documents (PDF versions) and their numbering."""
