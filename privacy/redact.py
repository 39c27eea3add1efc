"""Redaction: find identifiers (Presidio analyzer + French recognisers + registry deny-list),
resolve overlaps, and replace them (Presidio anonymizer + our named operators).

>>> r = Redactor.default()
>>> r.redact("Mme Jeanne Martin, née le 12/03/1961. Carcinome canalaire infiltrant.").text
'Mme <NOM>, née le <DATE_NAISSANCE>. Carcinome canalaire infiltrant.'

``Redactor.for_store(store)`` adds what only the registry knows (its names, and with
``patient_id`` the patient's own IPP, NIR, phones, address) and is cached per store: the spaCy
model and the name index are built once and reused. Every replaced span says which
recogniser and which pattern fired (``RedactedText.explain()``), never the original text.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from presidio_analyzer import RecognizerResult
from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import OperatorConfig

from privacy.clinical_words import clinical_words
from privacy.engine import build_analyzer, common_words, redaction_nlp
from privacy.keys import keyed, keyed_int
from privacy.names import NameIndex
from privacy.operators import OPERATORS, SHIFTED, STRATEGIES
from privacy.recognizers import ENTITIES, RecognizerContext
from privacy.recognizers._address_parts import grow
from privacy.recognizers.patient_identifiers import PatientIdentifierRecognizer

Mode = Literal["placeholder", "pseudonym"]
MODES = ("placeholder", "pseudonym")
MAX_SHIFT_DAYS = 365
# Which type a masked region takes when recognisers overlap and have the same length.
_PRIORITY = {e: i for i, e in enumerate(
    ["NIR", "IPP", "PHONE", "EMAIL", "DATE_OF_BIRTH", "ADDRESS", "PERSON", "DATE"])}
_JOINABLE = {"PERSON": " -\u00a0", "ADDRESS": " ,-\n\u00a0"}


@dataclass(frozen=True)
class Finding:
    """One region to mask, with every recogniser that contributed to it."""

    start: int
    end: int
    entity: str
    score: float
    sources: tuple[tuple[str, str], ...]  # (recogniser, pattern)


@dataclass(frozen=True)
class RedactedSpan:
    start: int  # in the original text
    end: int
    entity: str
    score: float
    sources: tuple[tuple[str, str], ...]
    replacement: str
    out_start: int  # in the redacted text
    out_end: int

    def explain(self) -> str:
        how = "; ".join(f"{rec} ({pat})" for rec, pat in self.sources)
        return (f"[{self.start}:{self.end}] {self.entity} → {self.replacement!r} "
                f"score {self.score:.2f} by {how}")


@dataclass(frozen=True)
class RedactedText:
    text: str
    spans: tuple[RedactedSpan, ...] = field(default_factory=tuple)

    def explain(self) -> list[str]:
        return [s.explain() for s in self.spans]

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "spans": [asdict(s) for s in self.spans]}

    def map_span(self, start: int, end: int) -> tuple[int, int]:
        """Where the original ``[start, end)`` lies in the redacted text (a span overlapping a masked
        region grows to cover its placeholder): how an excerpt is located after redaction."""
        delta = 0
        out_start = out_end = None
        for s in self.spans:
            if out_start is None and start < s.end:
                out_start = s.out_start if start >= s.start else start + delta
            if out_end is None and end <= s.start:
                out_end = end + delta
            elif out_end is None and end <= s.end:
                out_end = s.out_end
            delta = s.out_end - s.end
        if out_start is None:
            out_start = start + delta
        if out_end is None:
            out_end = end + delta
        return out_start, max(out_start, out_end)


def date_shift_days(patient_id: object) -> int:
    """The patient's date shift: non-zero, within ±365 days, derived from the secret."""
    v = keyed_int("date-shift", patient_id) % (2 * MAX_SHIFT_DAYS)
    return v - MAX_SHIFT_DAYS if v < MAX_SHIFT_DAYS else v - MAX_SHIFT_DAYS + 1


def pseudonym_key(patient_id: object) -> bytes:
    return keyed("pseudonym-key", patient_id)


_CACHE: dict[str, tuple[tuple, Redactor]] = {}
_CACHE_LOCK = threading.Lock()


def _institutions(store: Any) -> re.Pattern[str] | None:
    """The store's centre names ("Centre Léon Bérard"): person names inside them stay."""
    if store is None:
        return None
    try:
        names = [r["name"] for r in store.query("SELECT name FROM centres") if r["name"]]
    except Exception:  # noqa: BLE001 - a store without centres
        return None
    if not names:
        return None
    alts = sorted((r"\s+".join(re.escape(w) for w in n.split()) for n in names), key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(alts) + r")(?!\w)", re.IGNORECASE)


def _fingerprint(store: Any) -> tuple:
    """Cheap signature of the registry's names: the index is rebuilt when names were added."""
    parts = []
    for table in ("identities", "relatives", "physicians"):
        try:
            parts.append(store.scalar(f"SELECT COUNT(*) FROM {table}"))
        except Exception:  # noqa: BLE001 - table missing in an older store
            parts.append(None)
    return tuple(parts)


class Redactor:
    """The de-identification engine: analyse, resolve, replace. Build once, reuse."""

    def __init__(self, store: Any = None, name_index: NameIndex | None = None) -> None:
        self.store = store
        self.name_index = name_index if name_index is not None else (
            NameIndex.from_store(store) if store is not None else NameIndex())
        ctx = RecognizerContext(name_index=self.name_index, clinical_words=clinical_words())
        ctx.common_words = common_words()  # type: ignore[attr-defined]
        self.nlp = redaction_nlp()
        self.analyzer = build_analyzer(ctx)
        self.anonymizer = AnonymizerEngine()
        for op in OPERATORS:
            self.anonymizer.add_anonymizer(op)
        self._patients: dict[int, PatientIdentifierRecognizer | None] = {}
        self.institutions = _institutions(store)

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def for_store(cls, store: Any) -> Redactor:
        """The cached redactor of this store (rebuilt only when the registry's names changed)."""
        key = str(getattr(store, "url", id(store)))
        fp = _fingerprint(store)
        with _CACHE_LOCK:
            hit = _CACHE.get(key)
            if hit is not None and hit[0] == fp:
                if hit[1].store is not store:
                    hit[1].store = store
                return hit[1]
            redactor = cls(store)
            _CACHE[key] = (fp, redactor)
            return redactor

    @classmethod
    def default(cls) -> Redactor:
        """A redactor without a registry (patterns and titles only)."""
        with _CACHE_LOCK:
            hit = _CACHE.get("")
            if hit is None:
                hit = ((), cls(None))
                _CACHE[""] = hit
            return hit[1]

    # -- analysis -------------------------------------------------------------------------
    def _patient_recognizer(self, patient_id: int | None) -> list:
        if patient_id is None or self.store is None:
            return []
        if patient_id not in self._patients:
            if len(self._patients) > 5000:
                self._patients.clear()
            self._patients[patient_id] = PatientIdentifierRecognizer.for_patient(self.store, patient_id)
        rec = self._patients[patient_id]
        return [rec] if rec is not None else []

    def analyze(self, text: str, *, patient_id: int | None = None,
                nlp_artifacts: Any = None) -> list[Finding]:
        """Identifier regions of ``text`` after overlap resolution (what will be masked)."""
        if not text or not text.strip():
            return []
        results = self.analyzer.analyze(
            text, language="fr", ad_hoc_recognizers=self._patient_recognizer(patient_id) or None,
            return_decision_process=True, nlp_artifacts=nlp_artifacts)
        results = [r for r in results if r.entity_type in ENTITIES]
        if self.institutions is not None and results:
            inside = [(m.start(), m.end()) for m in self.institutions.finditer(text)]
            if inside:
                results = [r for r in results if not (r.entity_type == "PERSON" and any(
                    s <= r.start and r.end <= e for s, e in inside))]
        return _grow_addresses(text, resolve(text, results))

    # -- redaction ------------------------------------------------------------------------
    def redact(self, text: str, *, patient_id: int | None = None, mode: Mode = "placeholder",
               lang: str = "fr", shift_dates: bool = False, nlp_artifacts: Any = None) -> RedactedText:
        if mode not in MODES:
            raise ValueError(f"Unknown redaction mode {mode!r}: use 'placeholder' or 'pseudonym'.")
        findings = self.analyze(text, patient_id=patient_id, nlp_artifacts=nlp_artifacts)
        return self._replace(text, findings, patient_id, mode, lang, shift_dates)

    def redact_batch(self, items: Sequence[str | tuple[str, int | None]], *, mode: Mode = "placeholder",
                     lang: str = "fr", shift_dates: bool = False) -> list[RedactedText]:
        """A page of snippets at once (spaCy processes them as one batch)."""
        pairs = [(it, None) if isinstance(it, str) else (it[0], it[1]) for it in items]
        texts = [t or "" for t, _ in pairs]
        artifacts = [a for _, a in self.nlp.process_batch(texts, "fr", batch_size=max(1, len(texts)))]
        return [
            self.redact(text, patient_id=pid, mode=mode, lang=lang, shift_dates=shift_dates,
                        nlp_artifacts=art)
            if text.strip() else RedactedText(text)
            for (text, pid), art in zip(pairs, artifacts, strict=True)
        ]

    def _replace(self, text: str, findings: list[Finding], patient_id: int | None, mode: Mode,
                 lang: str, shift_dates: bool) -> RedactedText:
        if not findings:
            return RedactedText(text)
        operators = _operators(mode, lang, shift_dates, patient_id)
        results = [RecognizerResult(f.entity, f.start, f.end, f.score) for f in findings]
        engine_result = self.anonymizer.anonymize(text, results, operators=operators,
                                                  merge_entities_with_spaces=False)
        items = sorted(engine_result.items, key=lambda it: it.start)
        spans = tuple(
            RedactedSpan(f.start, f.end, f.entity, f.score, f.sources, it.text, it.start, it.end)
            for f, it in zip(findings, items, strict=True)
        )
        return RedactedText(engine_result.text, spans)


def _operators(mode: Mode, lang: str, shift_dates: bool, patient_id: int | None) -> dict[str, OperatorConfig]:
    strategy = dict(STRATEGIES[mode])
    if shift_dates:
        for entity in SHIFTED[mode]:
            strategy[entity] = "date_shift"
    params: dict[str, dict[str, Any]] = {
        "typed_placeholder": {"lang": lang},
        "pseudonym": {"key": pseudonym_key(patient_id if patient_id is not None else "*").hex()},
        "date_shift": {"lang": lang,
                       "days": date_shift_days(patient_id if patient_id is not None else "*")},
    }
    entities = set(ENTITIES) | {"DEFAULT"}
    return {e: OperatorConfig(strategy.get(e, strategy["DEFAULT"]),
                              dict(params[strategy.get(e, strategy["DEFAULT"])])) for e in entities}


def resolve(text: str, results: list[RecognizerResult]) -> list[Finding]:
    """Overlapping hits become one masked region (the union: masking never shrinks); its type
    is that of the longest hit. Then neighbouring names ("Jeanne" + "DUPONT") and address parts
    (street + ", 75012 Paris") are joined into one region."""
    groups: list[list[RecognizerResult]] = []
    ends: list[int] = []
    for r in sorted(results, key=lambda r: (r.start, -r.end)):
        if groups and r.start < ends[-1]:
            groups[-1].append(r)
            ends[-1] = max(ends[-1], r.end)
        else:
            groups.append([r])
            ends.append(r.end)
    findings = [_finding(g) for g in groups]
    joined: list[Finding] = []
    for f in findings:
        prev = joined[-1] if joined else None
        if (prev is not None and prev.entity == f.entity and f.entity in _JOINABLE
                and len(text[prev.end:f.start]) <= 3
                and not text[prev.end:f.start].strip(_JOINABLE[f.entity])):
            joined[-1] = Finding(prev.start, f.end, f.entity, max(prev.score, f.score),
                                 prev.sources + tuple(s for s in f.sources if s not in prev.sources))
        else:
            joined.append(f)
    return joined


def _grow_addresses(text: str, findings: list[Finding]) -> list[Finding]:
    """Addresses widened over their unit, delivery, postcode and building parts
    (``recognizers/_address_parts.py``); a region the widened address now covers joins it."""
    if not any(f.entity == "ADDRESS" for f in findings):
        return findings
    out: list[Finding] = []
    for f in findings:
        if f.entity == "ADDRESS":
            start, end = grow(text, f.start, f.end)
            if (start, end) != (f.start, f.end):
                f = Finding(start, end, f.entity, f.score, f.sources + (("AddressParts", "grow"),))
        while out and out[-1].end > f.start:
            prev = out.pop()
            f = Finding(min(prev.start, f.start), max(prev.end, f.end), f.entity if f.entity == "ADDRESS"
                        else prev.entity, max(prev.score, f.score), prev.sources + f.sources)
        out.append(f)
    return out


def _finding(group: list[RecognizerResult]) -> Finding:
    primary = max(group, key=lambda r: (r.end - r.start, r.score, -_PRIORITY.get(r.entity_type, 99)))
    sources: list[tuple[str, str]] = []
    for r in sorted(group, key=lambda r: -r.score):
        expl = r.analysis_explanation
        rec = (expl.recognizer if expl else None) or (r.recognition_metadata or {}).get(
            RecognizerResult.RECOGNIZER_NAME_KEY, "?")
        pat = (expl.pattern_name if expl else None) or "model"
        if (rec, pat) not in sources:
            sources.append((rec, pat))
    return Finding(min(r.start for r in group), max(r.end for r in group), primary.entity_type,
                   max(r.score for r in group), tuple(sources))
