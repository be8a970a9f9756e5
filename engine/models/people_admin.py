"""People and grid administration records (imports)."""
