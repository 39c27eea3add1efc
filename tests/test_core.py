"""The assistant's words and views: every message exists in French and English with the same
placeholders, and the Markdown views keep placeholders visible and tables intact."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.chat import views
from assistant.core.results import Fact, PatientRow, TurnResult, Understanding
from assistant.i18n import MESSAGES, normalise_lang, placeholders, t
from query_compiler.criteria import All, Sex, Tumour

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_message_has_both_languages_with_the_same_placeholders(key):
    fr, en = MESSAGES[key]
    assert fr.strip() and en.strip()
    assert placeholders(fr) == placeholders(en), key


def test_every_key_used_by_the_assistant_exists():
    used = set()
    for path in list((ROOT / "assistant").rglob("*.py")):
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_.]+)["']""", path.read_text(encoding="utf-8")))
    missing = sorted(k for k in used if k not in MESSAGES and not k.endswith("."))
    assert not missing, missing


def test_translation_and_language_switch():
    assert t("step.understanding", "fr") == "Compréhension"
    assert t("step.understanding", "en") == "Understanding"
    assert t("count.here", "en", n=3, centre="CLB") == "**3** patient(s) in your centre (CLB)."
    assert normalise_lang("en-US") == "en" and normalise_lang("de") == "fr" and normalise_lang(None) == "fr"
    assert t("no.such.key", "en") == "no.such.key"


def _result(lang: str = "fr") -> TurnResult:
    node = All(items=[Sex(value="F"), Tumour(site=["C50"], metastatic=True)])
    row = PatientRow(
        pseudo_id="P-ABCDEFGH12",
        age_band="50–54 ans",
        sex="F",
        vital_status="alive",
        facts=(
            Fact("tumour", "C50.4 sein | métastatique", None),
            Fact("text", "métastase", "vu par <PERSON> : <b>métastase</b> hépatique"),
        ),
    )
    u = Understanding(
        question="femme cancer du sein métastatique",
        criteria=node,
        assumptions=("« à 50 ans » = âge au diagnostic",),
        not_understood=("blabla",),
    )
    return TurnResult(
        understanding=u,
        criteria_text="Sexe : femme\nTumeur : sein (C50), métastatique",
        compact="sex=F",
        count=12,
        centre_id="C1",
        centre_name="Centre Un",
        rows=(row,),
        page=1,
        page_size=10,
        lang=lang,
    )


def test_turn_view_shows_card_count_and_a_safe_table():
    text = views.turn(_result())
    assert "### Critères compris" in text and "- Sexe : femme" in text
    assert "Hypothèses retenues" in text and "« blabla »" in text
    assert "**12** patient(s) dans votre centre (Centre Un)." in text
    row = next(line for line in text.splitlines() if "P-ABCDEFGH12" in line)
    assert "‹PERSON›" in row and "<PERSON>" not in row  # placeholders stay visible, no raw HTML
    assert "**métastase**" in row  # engine highlight → bold
    assert "C50.4 sein \\| métastatique" in row  # a pipe never breaks the table
    assert row.count(" | ") == 5


def test_english_view():
    text = views.turn(_result("en"))
    assert "### Criteria understood" in text and "in your centre (Centre Un)" in text
    assert "| Pseudonym | Age at diagnosis | Sex |" in text
