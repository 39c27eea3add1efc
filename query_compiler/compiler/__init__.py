"""Criteria → sqlglot expression → SQL with bound parameters, one compile function per atom
(``atoms``), over the store's tables (``sources``), for SQLite or PostgreSQL (``dialects``: a
dialect is a small override of settings, not a second compiler). ``similar`` compiles the same
Criteria into the facts of a similar-patient search instead of SQL."""

from query_compiler.compiler.core import (
    CompiledQuery,
    Compiler,
    UnsupportedCriterion,
    check_cost,
    compile_criteria,
    driver_rank,
)

__all__ = [
    "CompiledQuery", "Compiler", "UnsupportedCriterion", "check_cost", "compile_criteria", "driver_rank",
]
