"""Prompt templates and the bank of worked examples (question -> Criteria), as data files."""
