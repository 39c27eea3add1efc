"""Oncology terminology: the data files of this folder, loaded once into a lookup table.

The words live in YAML/TSV files next to this module (sites, histologies, markers, drugs,
treatments, disease course, patient words, grammar words, numeric/time patterns, safety rules),
so a clinician can add a synonym without touching code. Keys are normalised the same way as
questions (lower case, no accents, crude plural fold), so "Métastases" and "metastase" meet.

>>> t = get_terminology()
>>> [e.value for e in t.lookup("cancer du sein") if e.category == "site"]
[['C50']]
>>> t.drugs["pembrolizumab"]["class"]
'immunotherapy'
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from query_compiler.parser.terminology.text import Normalised, key_of, normalise
from retrieval.classifications import exposures, genes, group_info, histology_groups, morphologies

HERE = Path(__file__).parent
CONCEPT_FILES = (
    "sites.yaml",
    "histology.yaml",
    "markers.yaml",
    "treatments.yaml",
    "disease.yaml",
    "patient.yaml",
)
GRAMMAR_LISTS = {
    "filler": "filler",
    "or_words": "or",
    "and_words": "and",
    "negation": "negation",
    "sequence_forward": "seq_forward",
    "sequence_backward": "seq_backward",
    "followup_replace": "fu_replace",
    "followup_refine": "fu_refine",
    "text_cue": "text_cue",
    "anchor_diagnosis": "anchor_dx",
    "anchor_treatment": "anchor_tx",
    "anchor_text": "anchor_text",
    "anchor_stay": "anchor_stay",
    "sequence_during": "seq_during",
    "sequence_switch": "seq_switch",
    "unsupported": "unsupported",
}
# Categories that are words of the question's shape rather than criteria.
GRAMMAR_CATEGORIES = frozenset(GRAMMAR_LISTS.values())


@dataclass(frozen=True)
class Entry:
    category: str
    value: Any
    term: str

    def __hash__(self) -> int:  # values may be lists/dicts
        return hash((self.category, repr(self.value), self.term))


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """YAML 1.1 reads on/off/yes/no as booleans; here they are words ("no metastasis", "on nivolumab")."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _yaml(text: str) -> Any:
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader with fewer booleans


class Terminology:
    """All terms, with exact lookup by normalised key and the compiled patterns."""

    def __init__(self, folder: Path = HERE) -> None:
        self.folder = folder
        self.lexicon: dict[str, list[Entry]] = {}
        self.by_value: dict[tuple[str, str], list[str]] = {}
        self.histology_groups: dict[str, list[str]] = {k: list(v) for k, v in histology_groups().items()}
        self.drugs: dict[str, dict[str, str]] = {}
        for name in CONCEPT_FILES:
            data = _yaml((folder / name).read_text(encoding="utf-8"))
            for category, entries in data.items():
                for entry in entries:
                    for term in entry["terms"]:
                        self._add(category, entry["value"], str(term))
        self._load_drugs(folder / "drugs.tsv")
        self._load_classifications()
        self._load_genes()
        for exposure in exposures():
            value = {"term": exposure["term"], "generic": bool(exposure.get("generic"))}
            for word in exposure["words"]:
                self._add("exposure", value, str(word))
        self.grammar = _yaml((folder / "grammar.yaml").read_text(encoding="utf-8"))
        for list_name, category in GRAMMAR_LISTS.items():
            for term in self.grammar[list_name]:
                self._add(category, True, str(term))
        # Acronyms that are also common words, recognised only as written (case-sensitive).
        self.acronyms: dict[str, list[Entry]] = {
            word: [Entry(spec["category"], spec["value"], word)]
            for word, spec in (self.grammar.get("acronyms") or {}).items()
        }
        self.numbers: dict[str, int] = {normalise(k): int(v) for k, v in self.grammar["numbers"].items()}
        self.ordinals: dict[str, int] = {normalise(k): int(v) for k, v in self.grammar["ordinals"].items()}
        self.max_tokens = max(len(k.split()) for k in self.lexicon)
        self._load_patterns(folder / "patterns.yaml")
        self.safety = _yaml((folder / "safety.yaml").read_text(encoding="utf-8"))
        for rule in self.safety.values():
            rule["compiled"] = [re.compile(p) for p in rule["patterns"]]
        self.short_keys = sorted(
            k
            for k, entries in self.lexicon.items()
            if len(k) in (4, 5)
            and " " not in k
            and any(e.category not in GRAMMAR_CATEGORIES for e in entries)
        )
        self.fuzzy_keys = sorted(
            k
            for k, entries in self.lexicon.items()
            if len(k) >= 5 and " " not in k and any(e.category not in ("and", "or") for e in entries)
        )

    # -- loading ----------------------------------------------------------------------------------
    def _add(self, category: str, value: Any, term: str) -> None:
        norm = Normalised.of(term)
        tokens = [t.text for t in norm.tokens]
        if not tokens:
            return
        key = key_of(tokens)
        entry = Entry(category, value, term)
        bucket = self.lexicon.setdefault(key, [])
        if not any(e.category == category and e.value == value for e in bucket):
            bucket.append(entry)
        keys = self.by_value.setdefault((category, repr(value)), [])
        if key not in keys:
            keys.append(key)

    def _load_classifications(self) -> None:
        """Histology words from the classifications (retrieval/classifications): every named group's
        names and words, every ICD-O-3 code's French and English names and synonyms. The hand-written
        files of this folder come first: a word they already know keeps its meaning."""
        known = set(self.lexicon)
        nos = {str(info.get("nos")): g for g in histology_groups() if (info := group_info(g)).get("nos")}

        def add(value: dict[str, Any], term: str) -> None:
            tokens = [t.text for t in Normalised.of(term).tokens]
            if tokens and key_of(tokens) not in known:
                blood = any(c[:3] >= "959" for c in value.get("codes", [])) or any(
                    c[:3] >= "959" for c in histology_groups().get(value.get("group", ""), ())
                )  # a blood cancer's words name where it grows, not a cancer site
                site = [] if blood else self._site_within(tokens)  # "carcinome papillaire de la thyroïde"
                self._add("histology", {**value, "site": site} if site else value, term)

        for group in histology_groups():
            info = group_info(group)
            names = [info.get("fr"), info.get("en")] if info.get("words", True) else []
            for term in [*names, *(info.get("terms") or [])]:
                if term:
                    add({"group": group}, str(term))
        for m in morphologies():
            value = {"group": nos[m.code]} if m.code in nos else {"codes": [m.code]}
            for term in (m.fr, m.en, *m.synonyms):
                if term and "," not in term and "(" not in term:
                    add(value, term)

    def _site_within(self, tokens: list[str]) -> list[str]:
        """The site a multi-word histology name contains ("... de la thyroïde" → C73), or []."""
        for n in (2, 1):
            for i in range(1, len(tokens) - n + 1):
                for entry in self.lexicon.get(key_of(tokens[i : i + n]), []):
                    if entry.category == "site":
                        return list(entry.value)
        return []

    def _load_genes(self) -> None:
        """Gene and marker names from retrieval/classifications/genes.tsv (symbols and other names);
        serum markers are left to the patterns of values. A word this folder knows keeps its meaning."""
        known = set(self.lexicon)
        for symbol, info in genes().items():
            if info["kind"] == "serum" and symbol != "CALCITONIN":
                continue
            for term in (symbol, *info["aliases"]):
                tokens = [t.text for t in Normalised.of(term).tokens]
                if tokens and key_of(tokens) not in known:
                    self._add("marker", symbol, term)

    def _load_drugs(self, path: Path) -> None:
        lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")]
        for row in csv.reader(lines, delimiter="\t"):
            inn, atc, klass, aliases = (row + [""] * 4)[:4]
            self.drugs[inn] = {"atc": atc, "class": klass}
            for term in [inn, inn.replace("_", " ")] + [a for a in aliases.split("|") if a]:
                self._add("drug", inn, term)

    def _load_patterns(self, path: Path) -> None:
        data = _yaml(path.read_text(encoding="utf-8"))
        self.months = {normalise(k): int(v) for k, v in data["months"].items()}
        self.ops: dict[str, str] = {}
        for op, words in data["ops"].items():
            for w in words:
                self.ops[normalise(str(w))] = op
        month_alt = "|".join(sorted(self.months, key=len, reverse=True))
        day_month = rf"(?:1er|\d{{1,2}})\s+(?:{month_alt})\s+(?:19|20)\d{{2}}"
        month_year = rf"(?:{month_alt})\s+(?:\d{{1,2}},?\s+)?(?:19|20)\d{{2}}"
        date_re = (
            rf"(?:\d{{1,2}}[/.]\d{{1,2}}[/.](?:19|20)\d{{2}}|(?:19|20)\d{{2}}-\d{{2}}-\d{{2}}|{day_month}"
            rf"|{month_year}|\d{{1,2}}/(?:19|20)\d{{2}}|(?:19|20)\d{{2}})(?![\d/])"
        )
        number_words = "|".join(sorted((re.escape(k) for k in self.numbers), key=len, reverse=True))
        num = rf"(?:\d+(?:[.,]\d+)?|{number_words})"
        op_alt = "|".join(sorted((re.escape(k) for k in self.ops), key=len, reverse=True))
        ord_alt = "|".join(sorted((re.escape(k) for k in self.ordinals), key=len, reverse=True))
        marker_alt = "|".join(
            sorted(
                {
                    re.escape(k)
                    for k, es in self.lexicon.items()
                    if len(k) >= 3 and any(e.category == "marker" for e in es)
                },
                key=len,
                reverse=True,
            )
        )
        unit_alt = _alternation(data.get("measure_units", []))
        measure_alt = _alternation(data.get("measure_nouns", []))
        subst = {
            "{UNIT}": f"(?:{unit_alt})",
            "{MEASURE}": f"(?:{measure_alt})",
            "{MARKER}": f"(?:{marker_alt})",
            "{D}": f"(?P<d>{date_re})",
            "{D1}": f"(?P<d1>{date_re})",
            "{D2}": f"(?P<d2>{date_re})",
            "{N}": f"(?<![a-z0-9])(?<![a-z0-9][.,])(?P<n>{num})",  # not the "2" of "CLDN18.2"
            "{N1}": f"(?<![a-z0-9])(?P<n1>{num})",
            "{N2}": f"(?<![a-z0-9])(?P<n2>{num})",
            "{OP}": f"(?:{op_alt})",
            "{ORD}": f"(?:{ord_alt})",
        }
        self.patterns: dict[str, list[re.Pattern[str]]] = {}
        for kind, regexes in data["patterns"].items():
            compiled = []
            for rx in regexes:
                for k, v in subst.items():
                    rx = rx.replace(k, v)
                compiled.append(re.compile(rx))
            self.patterns[kind] = compiled

    # -- queries ----------------------------------------------------------------------------------
    def lookup(self, phrase: str) -> list[Entry]:
        """Entries for a phrase, matched exactly after normalisation."""
        tokens = [t.text for t in Normalised.of(phrase).tokens]
        return list(self.lexicon.get(key_of(tokens), []))

    def terms_for(self, category: str, value: Any) -> list[str]:
        """Normalised surface forms known for a value (used to check that an LLM value is grounded)."""
        return list(self.by_value.get((category, repr(value)), []))

    def number(self, text: str) -> float | None:
        """'2', '2,5' or 'deux' → a number; None when it is not one."""
        text = text.strip()
        if text in self.numbers:
            return float(self.numbers[text])
        try:
            return float(text.replace(",", "."))
        except ValueError:
            return None


def _alternation(words: list[Any]) -> str:
    """Words of a data list as a regex alternation (longest first, spaces as any whitespace)."""
    forms = {r"\s+".join(re.escape(w) for w in normalise(str(x)).split()) for x in words}
    return "|".join(sorted((f for f in forms if f), key=len, reverse=True)) or "(?!)"


@lru_cache(maxsize=1)
def get_terminology() -> Terminology:
    """The terminology, loaded once per process (~50 ms)."""
    return Terminology()


__all__ = ["Entry", "Terminology", "get_terminology", "normalise", "GRAMMAR_CATEGORIES"]
