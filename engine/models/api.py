"""API clients and their tokens."""
