"""Criteria model, parser (terminology + local LLM), compiler (sqlglot) and readable rendering."""

from typing import Any


def __getattr__(name: str) -> Any:
    """``query_compiler.parse`` / ``ParseResult`` load the parser lazily (it pulls the terminology)."""
    if name in ("parse", "ParseResult"):
        from query_compiler import parser

        return getattr(parser, name)
    raise AttributeError(f"module 'query_compiler' has no attribute {name!r}")
