"""Plain word lists added to edsnlp's default qualifier cues (edsnlp style: data here, logic elsewhere).

edsnlp's defaults were written for AP-HP notes; the reports we ingest use a few more turns of
phrase. Each list is *added* to the component's default list (never replaces it), so an upgrade of
edsnlp keeps its own improvements. Every addition was motivated by a miss measured with
``cohort eval annotation`` (see eval/annotation.py).
"""

from __future__ import annotations

NEGATION_PRECEDING: list[str] = []
NEGATION_FOLLOWING: list[str] = []
NEGATION_PSEUDO: list[str] = []

HYPOTHESIS_PRECEDING: list[str] = []
HYPOTHESIS_FOLLOWING: list[str] = []
HYPOTHESIS_PSEUDO: list[str] = []

FAMILY: list[str] = []

HISTORY: list[str] = []

# Words that end a proposition (scope of a cue) for every qualifier, on top of edsnlp's list.
TERMINATION: list[str] = []
