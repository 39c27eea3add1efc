"""From a plain French or English question to Criteria: terminology rules + local LLM."""

from query_compiler.parser.core import detect_language, parse
from query_compiler.parser.result import ParseResult, PartSource

__all__ = ["parse", "ParseResult", "PartSource", "detect_language"]
