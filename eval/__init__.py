"""Evaluation sets and the harness that prints quality and speed reports (not tests)."""
