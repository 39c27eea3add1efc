"""The assistant's engine (``assistant.core.Session``), directly and through the ``cohort`` CLI.

First its words and views (every message in French and English with the same placeholders; Markdown
views that keep placeholders visible and tables intact), then every operation on a real generated
and ingested store: ask, refine, edit, SQL, saved queries and cohorts, export with purpose and
audit, timeline picture, the ask-a-referent queue, similar patients, and the rule that a user never
sees a row from another centre. The browser tests (tests/browser/) drive the same engine through
the chat.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant import views
from assistant.core.results import PatientRow, TurnResult, Understanding
from assistant.i18n import MESSAGES, normalise_lang, placeholders, t
from query_compiler.criteria import All, Sex, Tumour
from query_compiler.engine.facts import Fact

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
            Fact("tumour", "C50.4 sein | métastatique"),
            Fact("text", "métastase", snippet="vu par <PERSON> : <b>métastase</b> hépatique"),
        ),
        site="C50.4 (sein)",
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
    assert row.count(" | ") == 6
    assert "| C50.4 (sein) | 50–54 ans |" in row  # the matched tumour's site, then its age band


def test_matched_words_are_bolded_in_masked_snippets_but_placeholders_never():
    from assistant.core.present import highlight_words, mark
    from query_compiler.criteria import Text

    words = highlight_words(
        All(items=[Sex(value="F"), Text(terms=["réponse complète", "cryopréservation ov*"])])
    )
    text = "Dr <NOM> : Réponse complète ; cryopréservation ovocytaire proposée le <DATE>."
    assert (
        mark(text, words)
        == "Dr <NOM> : **Réponse complète** ; **cryopréservation ovocytaire** proposée le <DATE>."
    )
    assert mark("rien à signaler", words) == "rien à signaler"


def test_english_view():
    text = views.turn(_result("en"))
    assert "### Criteria understood" in text and "in your centre (Centre Un)" in text
    assert "| Pseudonym | Cancer | Age at diagnosis | Sex |" in text


# -- the engine on a real generated store -------------------------------------------------------------
# One writable copy of the shared corpus (generated + ingested by tests/conftest.py) with the demo
# users; tests write saved queries, cohorts, requests and audit entries into it, never rely on
# another test's writes, and compare what the assistant shows with the engine's own answer.
BROAD = "cancer du sein métastatique"
REFINE = "seulement les patientes vivantes"
PSEUDO = re.compile(r"P-[0-9A-Z]{10}")


@pytest.fixture(scope="module")
def core_store(corpus_store, tmp_path_factory):  # noqa: ANN001, ANN201
    import shutil

    from privacy.users import seed_demo_users
    from retrieval.store import Store

    corpus_store.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    path = tmp_path_factory.mktemp("core") / "cohort.db"
    shutil.copyfile(corpus_store.path, path)
    store = Store(str(path))
    seed_demo_users(store)
    return store


@pytest.fixture(scope="module")
def centres(core_store):  # noqa: ANN001, ANN201
    """The two centres with the most metastatic breast cancers (both non-empty)."""
    from query_compiler.engine import CohortEngine, Scope
    from query_compiler.parser import parse

    counts = CohortEngine(core_store).count_by_centre(parse(BROAD, use_llm=False).criteria, Scope(None))
    ranked = sorted(counts, key=lambda c: (-counts[c], c))
    assert len(ranked) >= 2, counts
    return ranked[0], ranked[1]


def session_for(store, role: str, centre: str, **kwargs):  # noqa: ANN001, ANN201
    from assistant.core.session import Session
    from privacy.users import get_user

    user = get_user(store, f"{role}.{centre.lower()}")
    assert user is not None
    return Session(store, user, **kwargs)


def centre_pseudos(store, centre: str) -> set[str]:  # noqa: ANN001
    from privacy.pseudonym import pseudo_id

    return {
        pseudo_id(r["id"]) for r in store.query("SELECT id FROM patients WHERE centre_id = :c", {"c": centre})
    }


def test_ask_gives_the_governed_count_and_pseudonymous_rows_of_the_users_centre(core_store, centres):
    from query_compiler.engine import CohortEngine, Scope

    first, _ = centres
    s = session_for(core_store, "referent", first)
    audit_before = core_store.scalar("SELECT COUNT(*) FROM audit_log")
    result = s.ask(BROAD)
    expected = CohortEngine(core_store).count(result.understanding.criteria, Scope((first,)))
    assert result.count == expected > 0
    assert "sein (C50)" in result.criteria_text and "métastatique" in result.criteria_text
    assert result.rows and {r.pseudo_id for r in result.rows} <= centre_pseudos(core_store, first)
    assert all(PSEUDO.fullmatch(r.pseudo_id) and r.age_band.endswith("ans") for r in result.rows)
    assert {c.centre_id for c in result.other_centres} and first not in {
        c.centre_id for c in result.other_centres
    }
    actions = {
        r["action"]
        for r in core_store.query("SELECT action FROM audit_log WHERE id > :i", {"i": audit_before})
    }
    assert {"count", "list"} <= actions


def test_refine_keeps_the_previous_criteria_and_a_discarded_turn_changes_nothing(core_store, centres):
    from query_compiler.criteria import VitalStatus, iter_nodes

    s = session_for(core_store, "referent", centres[0])
    first = s.ask(BROAD)
    pending = s.understand("cancer du poumon")  # a turn the chat cancelled: understood, never committed
    assert s.state.result is first and pending.criteria != first.understanding.criteria
    refined = s.refine(REFINE)
    nodes = list(iter_nodes(refined.understanding.criteria))
    assert any(isinstance(n, VitalStatus) and n.value == "alive" for n in nodes)
    assert "sein (C50)" in refined.criteria_text and refined.count <= first.count
    assert refined.understanding.question == f"{BROAD} → {REFINE}"


def test_referent_edits_criteria_and_sees_sql_a_clinician_may_not(core_store, centres):
    from assistant.core.errors import AssistantError

    referent = session_for(core_store, "referent", centres[0])
    referent.ask(BROAD)
    edited = referent.edit_criteria("ALL(sex=F; tumour(site=C50, metastatic=yes); vital_status=alive)")
    assert "statut vital : vivant" in edited.criteria_text
    sql, params, dialect = referent.show_sql()
    assert "SELECT" in sql.upper() and dialect == "sqlite" and "C50" in params.values()
    with pytest.raises(Exception) as bad:
        referent.edit_criteria("ALL(sex=X)")
    assert "sex" in str(bad.value).lower()
    clinician = session_for(core_store, "clinician", centres[0])
    clinician.ask(BROAD)
    with pytest.raises(AssistantError) as refused:
        clinician.edit_criteria("ALL(sex=F)")
    assert "ne permet pas" in refused.value.message("fr") and "does not allow" in refused.value.message("en")


def test_saved_query_and_cohort_combinations(core_store, centres):
    s = session_for(core_store, "referent", centres[0])
    broad = s.ask(BROAD)
    q = s.save_query("sein métastatique (test_core)")
    assert q.id in {x.id for x in s.list_saved()}
    rerun = s.run_saved(q.id)
    assert rerun.count == broad.count
    all_c = s.save_cohort("tous")
    alive = s.refine(REFINE)
    alive_c = s.save_cohort("vivantes")
    assert (all_c.size, alive_c.size) == (broad.count, alive.count)
    inter = s.combine_text(f"{all_c.id} intersection {alive_c.id} inter")
    diff = s.combine(all_c.id, "moins", alive_c.id, "décédées")
    assert inter.size == alive_c.size and diff.size == all_c.size - alive_c.size
    other = session_for(core_store, "referent", centres[1])
    assert q.id not in {x.id for x in other.list_saved()}  # not shared: the owner's only


def test_export_needs_the_right_and_a_purpose_and_is_audited(core_store, centres, tmp_path):
    from assistant.core.errors import AssistantError

    s = session_for(core_store, "referent", centres[0])
    result = s.ask(BROAD)
    with pytest.raises(AssistantError) as short:
        s.export_csv("étude")
    assert "objectif" in short.value.message("fr")
    purpose = "Étude rétrospective des cancers du sein métastatiques (protocole TEST-CORE)"
    out = tmp_path / "cohorte.csv"
    res = s.export_csv(purpose, out)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert res.rows == result.count == len(lines) - 1
    assert lines[0].startswith("Pseudonyme,Âge au diagnostic,Sexe,Statut vital,") and "sein (C50)" in lines[0]
    assert all(PSEUDO.match(line) for line in lines[1:])
    entry = core_store.query(
        "SELECT username, purpose, result_size FROM audit_log WHERE id = :i", {"i": res.audit_id}
    )
    assert entry == [{"username": s.user.username, "purpose": purpose, "result_size": result.count}]
    clinician = session_for(core_store, "clinician", centres[0])
    clinician.ask(BROAD)
    with pytest.raises(AssistantError):
        clinician.export_csv(purpose)


def test_timeline_is_a_png_for_an_own_patient_only(core_store, centres):
    import io

    from PIL import Image

    from assistant.core.errors import AssistantError

    s = session_for(core_store, "clinician", centres[0])
    pseudo = s.ask(BROAD).rows[0].pseudo_id
    png = s.timeline(pseudo)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width > 500 and image.height > 200
    stranger = sorted(centre_pseudos(core_store, centres[1]))[0]
    with pytest.raises(AssistantError):
        s.timeline(stranger)


def test_referent_queue_round_trip(core_store, centres):
    first, second = centres
    novice = session_for(core_store, "clinician", first)
    novice.ask(BROAD)
    req = novice.send_to_referent("Je voulais aussi les patientes vivantes uniquement.")
    assert req.status == "pending" and req.question == BROAD
    referent = session_for(core_store, "referent", first)
    assert req.id in {r.id for r in referent.pending_requests()}
    assert req.id not in {r.id for r in session_for(core_store, "referent", second).pending_requests()}
    answered, query = referent.answer_request(
        req.id, "ALL(tumour(site=C50, metastatic=yes); vital_status=alive)", "Voici la requête corrigée."
    )
    assert answered.status == "answered" and answered.saved_query_id == query.id
    mine = {r.id: r for r in novice.my_requests()}
    assert mine[req.id].answer_comment == "Voici la requête corrigée."
    run = novice.run_saved(query.id)  # visible to the novice through the answered request
    assert "statut vital : vivant" in run.criteria_text
    assert req.id not in {r.id for r in referent.pending_requests()}


def test_another_centre_sees_no_row_of_the_first_centre(core_store, centres):
    first, second = centres
    s = session_for(core_store, "referent", second)
    result = s.ask(BROAD)
    shown = {r.pseudo_id for r in result.rows}
    assert shown and not shown & centre_pseudos(core_store, first)
    while result.has_more:  # every page, not only the first
        result = s.next_page()
        assert not {r.pseudo_id for r in result.rows} & centre_pseudos(core_store, first)


def test_similar_patients_from_a_row_and_from_a_case_stay_in_the_centre(core_store, centres):
    from retrieval.similar import build_index, default_spec

    build_index(core_store, spec=default_spec(text_model="minilm"))  # the fast real encoder (MODELS.md)
    first, _ = centres
    s = session_for(core_store, "clinician", first)
    pseudo = s.ask(BROAD).rows[0].pseudo_id
    own = centre_pseudos(core_store, first)
    near = s.similar(pseudo=pseudo, k=5)
    assert (
        near.rows
        and {r.pseudo_id for r in near.rows} <= own
        and pseudo not in {r.pseudo_id for r in near.rows}
    )
    case = s.similar(
        case="Patiente de 52 ans, cancer du sein métastatique osseux, traitée par chimiothérapie", k=5
    )
    assert case.rows and {r.pseudo_id for r in case.rows} <= own


# -- the same engine through the command line (typer's runner, in-process) ----------------------------
@pytest.fixture
def cli(core_store, tmp_path, monkeypatch):  # noqa: ANN001, ANN201
    from typer.testing import CliRunner

    from assistant.cli import app
    from retrieval.settings import get_settings

    monkeypatch.setenv("COHORT_HOME", str(tmp_path / "home"))  # the CLI's memory of the last criteria
    monkeypatch.setenv("COHORT_DB", str(core_store.path))
    get_settings.cache_clear()
    runner = CliRunner()
    yield lambda *args, input=None: runner.invoke(app, list(args), input=input, catch_exceptions=True)
    get_settings.cache_clear()


def sign_in(cli, username: str) -> None:  # noqa: ANN001
    """The demo account's password is ``<role>-demo-2024``; sign in through the real CLI."""
    from tests.cli_login import login

    login(cli, username, f"{username.split('.')[0]}-demo-2024")


def test_cli_ask_export_timeline_saved_and_requests(cli, core_store, centres, tmp_path):
    import json

    first, _ = centres
    referent, novice = f"referent.{first.lower()}", f"clinician.{first.lower()}"
    sign_in(cli, referent)
    res = cli("ask", BROAD, "--user", referent, "--json", "--no-llm")
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert (
        data["count"] > 0 and data["rows"] and data["understanding"]["criteria"]["kind"] in ("tumour", "all")
    )
    pseudo = data["rows"][0]["pseudo_id"]

    out = tmp_path / "cohorte.csv"
    res = cli(
        "export",
        "--purpose",
        "Faisabilité d'une étude rétrospective (CLI)",
        "--out",
        str(out),
        "--user",
        referent,
    )
    assert res.exit_code == 0, res.output
    assert len(out.read_text(encoding="utf-8").splitlines()) == data["count"] + 1

    png = tmp_path / "frise.png"
    sign_in(cli, novice)
    res = cli("timeline", pseudo, "--out", str(png), "--user", novice)
    assert res.exit_code == 0, res.output
    assert png.read_bytes()[:4] == b"\x89PNG"

    sign_in(cli, referent)
    res = cli("saved", "save", "sein métastatique (CLI)", "--user", referent)
    assert res.exit_code == 0 and "enregistrée" in res.output
    res = cli("saved", "list", "--user", referent)
    assert "sein métastatique (CLI)" in res.output

    sign_in(cli, novice)
    res = cli("requests", "send", "--comment", "Et les vivantes ?", "--question", BROAD, "--user", novice)
    assert res.exit_code == 0, res.output
    req_id = int(re.search(r"n° (\d+)", res.output).group(1))
    sign_in(cli, referent)
    res = cli("requests", "list", "--user", referent)
    assert f"n° {req_id}" in res.output
    res = cli(
        "requests",
        "answer",
        str(req_id),
        "--comment",
        "Voilà.",
        "--criteria",
        "ALL(tumour(site=C50, metastatic=yes); vital_status=alive)",
        "--user",
        referent,
    )
    assert res.exit_code == 0 and "répondue" in res.output, res.output
    query_id = int(re.search(r"requête enregistrée n° (\d+)", res.output).group(1))
    sign_in(cli, novice)
    res = cli("saved", "run", str(query_id), "--user", novice)
    assert res.exit_code == 0 and "vivant" in res.output


def test_cli_refusals_are_sentences(cli, centres):
    from assistant.cli.common import UserError

    novice = f"clinician.{centres[0].lower()}"
    res = cli("ask", BROAD)
    assert isinstance(res.exception, UserError) and "cohort login" in str(res.exception)
    sign_in(cli, novice)
    res = cli("ask", BROAD, "--user", novice, "--no-llm")
    assert res.exit_code == 0
    res = cli("export", "--purpose", "Une étude suffisamment décrite", "--out", "x.csv", "--user", novice)
    assert res.exit_code != 0 and isinstance(res.exception, UserError)
    assert "ne permet pas" in str(res.exception) and "Traceback" not in str(res.exception)
