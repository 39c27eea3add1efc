"""What a parse returns: the criteria and everything a person needs to trust or fix them."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from query_compiler.criteria import CriteriaNode, to_dict

Source = Literal["terminology", "llm", "previous"]


class PartSource(BaseModel):
    """One piece of the criteria and where it came from ("cancer du sein" → tumour.site C50)."""

    field: str
    value: Any = None
    source: Source
    text: str = ""


class ParseResult(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    question: str
    criteria: CriteriaNode | None = None
    language: Literal["fr", "en"] = "fr"
    sources: list[PartSource] = Field(default_factory=list)
    confidence: float = 0.0
    not_understood: list[str] = Field(default_factory=list)
    assumptions: list[str] = Field(default_factory=list)
    clarifications: list[str] = Field(default_factory=list)
    refused: bool = False
    refusal: str | None = None
    used_llm: bool = False
    llm_error: str | None = None
    # the content words the terminology could not place: what the LLM is (or would be) asked about
    llm_words: list[str] = Field(default_factory=list)
    llm_seconds: float = 0.0
    llm_timed_out: bool = False
    llm_tokens: tuple[int, int] | None = None  # (evaluated after the cached prefix, written)
    # with a previous question: True when this message refined it, False when it started over
    followup: bool | None = None
    seconds: float = 0.0

    @property
    def llm_pending(self) -> bool:
        """The terminology left content words the LLM could still place (it was not asked yet)."""
        return bool(self.llm_words) and not self.used_llm

    @property
    def llm_sources(self) -> list[PartSource]:
        return [s for s in self.sources if s.source == "llm"]

    @property
    def ok(self) -> bool:
        """True when there are criteria to run."""
        return self.criteria is not None and not self.refused

    def summary(self) -> dict[str, Any]:
        """Plain JSON-ready data (criteria in their canonical short form)."""
        data = self.model_dump(mode="json", exclude={"criteria"})
        data["criteria"] = to_dict(self.criteria) if self.criteria is not None else None
        return data
