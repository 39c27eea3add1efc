"""A conversation that keeps up, in a real browser (headless Debian Chromium, Playwright): follow-ups
typed as a person types them, without any button; a new question after them; the LLM's reading of
an unknown word arriving after the first answer, in its own step; everything in the session's
language (the steps too); the result table showing the matched tumour's site and age.

The server runs the small bundled model with a long deadline (COHORT_LLM_DEADLINE) so that nothing
here depends on how fast the machine is: waits are for content, never for a duration.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.harness import (
    ASSISTANT,
    ChatServer,
    chromium,
    chromium_path,
    login,
    new_page,
    say_and_wait,
)
from tests.browser.test_chat_e2e import FLAGSHIP, PASSWORD, _corpus_with_flagship

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        chromium_path() is None, reason="Debian chromium is not installed (apt-get install chromium)"
    ),
]

FOLLOW_UP = "seulement celles de plus de 60 ans"
NEW_QUESTION = "patients avec un cancer de la prostate"
UNKNOWN_GENE = "cancer du poumon avec amplification ZNF703"  # a gene outside genes.tsv


@pytest.fixture(scope="module")
def conversation_store(tmp_path_factory):  # noqa: ANN001, ANN201
    from privacy.users import seed_demo_users
    from query_compiler.engine import CohortEngine, Scope
    from query_compiler.parser import parse
    from retrieval.ingest import ingest
    from retrieval.store import Store

    root = tmp_path_factory.mktemp("conversation")
    store = Store(str(root / "cohort.db"))
    ingest(_corpus_with_flagship(root), store, ocr=False, progress=False)
    seed_demo_users(store)
    per_centre = CohortEngine(store).count_by_centre(parse(FLAGSHIP, use_llm=False).criteria, Scope(None))
    centre = max(per_centre, key=lambda c: (per_centre[c], c))
    return {"path": str(root / "cohort.db"), "centre": centre}


@pytest.fixture(scope="module")
def server(conversation_store, tmp_path_factory):  # noqa: ANN001, ANN201
    env = {"COHORT_LLM_MODEL": "qwen2.5-coder-0.5b", "COHORT_LLM_DEADLINE": "900"}
    root = tmp_path_factory.mktemp("conversation-root") / "root"
    srv = ChatServer(conversation_store["path"], root, env=env).start()
    yield srv
    srv.stop()


def test_typed_follow_ups_a_new_question_and_the_llm_after_the_first_answer(server, conversation_store):
    centre = conversation_store["centre"].lower()
    with chromium() as browser:
        page, outside = new_page(browser, server)
        login(page, server, f"clinician.{centre}", PASSWORD.format(role="clinician"))
        page.locator(ASSISTANT, has_text="Bonjour").last.wait_for()

        # The first question: steps named in French with no English word around them, the table
        # showing the matched tumour's site and its age at diagnosis.
        first = say_and_wait(page, FLAGSHIP, "Premiers patients").inner_text()
        steps = page.locator('[data-step-type="tool"]').all_inner_texts()
        assert any("Compréhension" in s for s in steps) and any("Recherche" in s for s in steps)
        assert not any(re.search(r"\b(?:Used|Using)\b", s) for s in steps), steps
        assert "Cancer" in first and "Âge au diagnostic" in first
        rows = [line for line in first.splitlines() if re.search(r"P-[0-9A-Z]{10}", line)]
        assert rows and all("sein" in r and "50–54 ans" in r for r in rows), rows

        # A follow-up typed as a person types it: the previous criteria refined, no button pressed.
        refined = say_and_wait(page, FOLLOW_UP, "affinement").inner_text()
        assert "sein (C50)" in refined and "âge actuel" in refined and "au moins 60 ans" in refined
        assert "femme" in refined

        # A new full question is not taken for a follow-up.
        fresh = say_and_wait(page, NEW_QUESTION, "Premiers patients").inner_text()
        assert "prostate" in fresh and "sein" not in fresh.split("Résultat")[0]
        assert "affinement de la question" not in fresh

        # An unknown word: the answer comes first, the language model's reading after it, in its own
        # step, then a new answer saying what it added.
        before = page.locator(ASSISTANT).count()
        first_answer = say_and_wait(page, UNKNOWN_GENE, "Premiers patients").inner_text()
        assert "Le modèle de langue lit « ZNF703 »" in first_answer
        assert "ZNF703 amplifié" not in first_answer
        added = page.locator(ASSISTANT, has_text="Le modèle de langue a ajouté").last
        added.wait_for(timeout=900_000)
        text = added.inner_text()
        assert "ZNF703 amplifié" in text and "poumon (C34)" in text and "Résultat" in text
        assert page.locator(ASSISTANT).count() >= before + 2
        assert page.locator('[data-step-type="tool"]', has_text="Modèle de langue").count() >= 1
        assert outside == [], f"the page tried to reach the network: {outside[:3]}"
        page.context.close()


def test_an_english_question_in_a_french_session_is_answered_in_french(server, conversation_store):
    centre = conversation_store["centre"].lower()
    with chromium() as browser:
        page, _ = new_page(browser, server)
        login(page, server, f"clinician.{centre}", PASSWORD.format(role="clinician"))
        page.locator(ASSISTANT, has_text="Bonjour").last.wait_for()
        answer = say_and_wait(page, "women with breast cancer and lupus", "Critères compris").inner_text()
        assert "Que voulez-vous dire par « lupus »" in answer
        assert "What do you mean" not in answer
        page.context.close()
