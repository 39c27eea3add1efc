"""Criteria model, parser (terminology + local LLM), compiler (sqlglot) and readable rendering."""
