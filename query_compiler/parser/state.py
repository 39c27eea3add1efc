"""Shared state while turning terminology mentions into criteria: the items found so far, what each
came from, and helpers to look at the words between two mentions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from query_compiler.parser.terminology import Terminology
from query_compiler.parser.terminology.matcher import Annotation, Mention

CONNECTOR_FILLERS = {
    "de",
    "du",
    "des",
    "d",
    "la",
    "le",
    "les",
    "l",
    "a",
    "au",
    "aux",
    "un",
    "une",
    "the",
    "of",
    "to",
    "par",
    "by",
    "with",
    "avec",
    "sous",
    "on",
    "en",
    "in",
    "type",
    "(",
    ")",
    ":",
    "-",
    "an",
    "for",
    "pour",
}


@dataclass
class Item:
    """One criterion being assembled: an atom kind and its fields, where it was said, negated or not."""

    kind: str
    fields: dict[str, Any] = field(default_factory=dict)
    pos: int = 0
    neg: bool = False
    node: Any = None  # a prebuilt node (e.g. "RH+" = ER+ or PR+)

    def add(self, name: str, values: list[Any]) -> None:
        current = self.fields.setdefault(name, [])
        for v in values:
            if v not in current:
                current.append(v)


@dataclass
class Part:
    field: str
    value: Any
    source: str
    text: str = ""


@dataclass
class State:
    ann: Annotation
    term: Terminology
    today: date
    lang: str
    items: list[Item] = field(default_factory=list)
    parts: list[Part] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    clarifications: list[str] = field(default_factory=list)
    covered: set[int] = field(default_factory=set)  # extra tokens understood (alterations...)
    followup: set[str] = field(default_factory=set)
    seq_cues: list[tuple[int, str]] = field(default_factory=list)  # (token index, 'forward'|'backward')
    tx: list[tuple[Mention, bool]] = field(default_factory=list)  # treatment-related mentions, negated?
    unsupported: list[str] = field(default_factory=list)  # understood words no criterion can express
    pending_dates: list[tuple[int, Any, Any, str]] = field(default_factory=list)  # dates for treatments
    ignored: set[int] = field(default_factory=set)  # ids of mentions read as part of another (a code's label)
    switch_cues: list[int] = field(default_factory=list)  # token index after "switched from"/"passé de"
    text_dates: list[tuple[Any, Any]] = field(default_factory=list)  # report dates said before the terms
    generic_exposures: list[str] = field(default_factory=list)  # "occupational" without its agent
    family_at: int | None = None  # token after "antécédent familial de": the next site is a relative's

    def __post_init__(self) -> None:
        self.at: dict[int, Mention] = {}
        for m in self.ann.mentions:
            for k in range(m.start, m.end):
                self.at[k] = m

    def fr(self) -> bool:
        return self.lang == "fr"

    def say(self, fr: str, en: str) -> str:
        return fr if self.fr() else en

    def part(self, path: str, value: Any, text: str, source: str = "terminology") -> None:
        self.parts.append(Part(path, value, source, text))

    def token(self, k: int) -> str:
        toks = self.ann.norm.tokens
        return toks[k].text if 0 <= k < len(toks) else ""

    def between(self, a: int, b: int) -> list[str]:
        """Normalised tokens strictly between token index a (exclusive end) and b."""
        return [self.token(k) for k in range(a, b)]

    def joined(self, a: Mention, b: Mention, allowed: set[str]) -> str | None:
        """How two mentions are joined if only connectors/fillers lie between: 'or', 'and', '' or None."""
        how = ""
        for k in range(a.end, b.start):
            m = self.at.get(k)
            tok = self.token(k)
            cats = m.categories if m else set()
            if "or" in cats or tok in ("ou", "or", ",", "/", "ni", "nor"):
                how = "or" if tok != "," or how == "" else how
            elif "and" in cats and tok in ("et", "and", "+", "plus", "ainsi", "que"):
                how = "and"
            elif (
                tok in allowed or tok in CONNECTOR_FILLERS or (m and "filler" in cats and m.kind == "filler")
            ):
                continue
            else:
                return None
        return how

    def tumour(self, pos: int, new: bool = False) -> Item:
        tumours = [i for i in self.items if i.kind == "tumour" and not i.neg]
        if tumours and not new:
            return tumours[-1]
        item = Item("tumour", pos=pos)
        self.items.append(item)
        return item

    def single(self, kind: str, pos: int) -> Item:
        for i in self.items:
            if i.kind == kind and not i.neg:
                return i
        item = Item(kind, pos=pos)
        self.items.append(item)
        return item
