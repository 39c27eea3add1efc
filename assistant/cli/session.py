"""The chat's operations without a browser: ``cohort ask``, ``saved``, ``cohorts``, ``export``,
``timeline``, ``requests``. Same engine (``assistant.core.Session``), same rights, same audit, and
the same Markdown views (``assistant.views``) printed in the terminal. ``--question`` or ``--saved``
name other criteria than the last ones explicitly.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Annotated, Any

import typer

from assistant.cli.common import (
    DbOption,
    JsonOption,
    LangOption,
    UserOption,
    console,
    err_console,
    friendly,
    open_session,
    remember,
    show_markdown,
)

QuestionOption = Annotated[
    str | None, typer.Option("--question", "-q", help="Ask this first (else: last criteria).")
]
SavedOption = Annotated[str | None, typer.Option("--saved", help="Use this saved query (number or name).")]
NoLlmOption = Annotated[bool, typer.Option("--no-llm", help="Terminology only (fast, may understand less).")]
WaitLlmOption = Annotated[
    bool, typer.Option("--wait-llm", help="Wait for the LLM however long it takes (no deadline).")
]


def _with_llm(s: Any, u: Any, wait: bool, *, quiet: bool) -> Any:
    """The LLM's reading of the words left over, with a spinner saying what it reads (stderr)."""
    from assistant.i18n import t

    if quiet:
        return s.with_llm(u, wait=wait)
    words = ", ".join(f"« {w} »" for w in u.llm_words)
    with err_console.status(t("llm.reading", s.lang, words=words)):
        return s.with_llm(u, wait=wait)


def select(session: Any, question: str | None, saved: str | None) -> None:
    """Make the named criteria current: a new question, a saved query, or the remembered ones."""
    if question:
        session.ask(question, refine=False)
        remember(session)
    elif saved:
        session.run_saved(saved)
        remember(session)
    else:
        session._current()


def register(app: typer.Typer) -> None:
    # Unexpected errors are logged with their traceback for operators (the chat's server log); on the
    # command line the person gets the sentence only, so the engine's log goes nowhere by default.
    logging.getLogger("cohort.assistant").addHandler(logging.NullHandler())

    @app.command("ask")
    @friendly
    def ask(
        question: Annotated[str, typer.Argument(help="The question or a follow-up, in French or English.")],
        db: DbOption = None,
        user: UserOption = None,
        json_out: JsonOption = False,
        lang: LangOption = None,
        refine: Annotated[bool, typer.Option("--refine", help="Refine the last criteria, always.")] = False,
        new: Annotated[bool, typer.Option("--new", help="A new question: forget the last criteria.")] = False,
        page: Annotated[int, typer.Option("--page", min=1, help="Page of patients.")] = 1,
        no_llm: NoLlmOption = False,
        wait_llm: WaitLlmOption = False,
    ) -> None:
        """Ask a question, or follow up on the last one ("seulement les vivantes"): criteria, counts
        (other centres anonymous), first patients (pseudonymised). The answer from the terminology
        comes first; the LLM's refinement follows within the deadline, shown only if it changes it."""
        from assistant import views

        s = open_session(db, user, lang, use_llm=not no_llm)
        u = s.understand(question, refine=True if refine else False if new else None)
        result = s.run(u, page=page)
        remember(s)
        if not json_out:
            show_markdown(views.turn(result))
        if u.llm == "pending":
            refined = _with_llm(s, u, wait_llm, quiet=json_out)
            if refined.llm == "added":
                result = s.run(refined, page=page, same_turn=True)
                remember(s)
                if not json_out:
                    show_markdown(views.llm_note(refined, s.lang) + "\n\n" + views.turn(result))
            elif not json_out:
                show_markdown(views.llm_note(refined, s.lang))
        if json_out:
            console.print_json(json.dumps(result.to_dict(), ensure_ascii=False, default=str))

    _register_saved(app)
    _register_cohorts(app)
    _register_requests(app)

    @app.command("export")
    @friendly
    def export(
        purpose: Annotated[str, typer.Option("--purpose", help="Why (recorded in the audit trail).")],
        out: Annotated[Path, typer.Option("--out", help="File to write (.csv, or .json for FHIR).")],
        fmt: Annotated[
            str,
            typer.Option("--format", help="csv (a column per criterion) or fhir (R4 Bundle, coded record)."),
        ] = "csv",
        db: DbOption = None,
        user: UserOption = None,
        lang: LangOption = None,
        question: QuestionOption = None,
        saved: SavedOption = None,
    ) -> None:
        """Export the current cohort, pseudonymised and audited: as CSV (redacted, one column per criterion)
        or as a FHIR R4 Bundle (pseudonymous Patient, Conditions, Observations, treatments, specimens;
        dates shifted per patient, no text)."""
        s = open_session(db, user, lang)
        select(s, question, saved)
        res = s.export(purpose, out, fmt.strip().lower())
        from assistant.i18n import t

        console.print(t("export.done", s.lang, rows=res.rows, purpose=res.purpose, audit=res.audit_id or "—"))
        console.print(str(out))

    @app.command("timeline")
    @friendly
    def timeline(
        pseudo_id: Annotated[
            str, typer.Argument(help="Pseudonymous id shown in a result (e.g. P-1A2B3C4D5E).")
        ],
        out: Annotated[Path, typer.Option("--out", help="PNG file to write.")],
        db: DbOption = None,
        user: UserOption = None,
        lang: LangOption = None,
    ) -> None:
        """Draw one patient's course (diagnosis, treatment lines, events) as a PNG picture."""
        s = open_session(db, user, lang)
        out.write_bytes(s.timeline(pseudo_id))
        console.print(str(out))


def _register_saved(app: typer.Typer) -> None:
    saved_app = typer.Typer(
        help="Saved queries: save the current criteria, list, re-run.", no_args_is_help=True
    )

    @saved_app.command("list")
    @friendly
    def saved_list(
        db: DbOption = None, user: UserOption = None, lang: LangOption = None, json_out: JsonOption = False
    ) -> None:
        """Queries you own, queries shared in your centre, and answers to your requests."""
        from assistant import views

        s = open_session(db, user, lang)
        items = s.list_saved()
        if json_out:
            data = [{"id": q.id, "name": q.name, "owner": q.owner, "question": q.question,
                     "created_at": q.created_at, "last_run_at": q.last_run_at, "shared": q.shared}
                    for q in items]
            console.print_json(json.dumps(data, ensure_ascii=False))
        else:
            show_markdown(views.saved_queries(items, s.lang))

    @saved_app.command("save")
    @friendly
    def saved_save(
        name: Annotated[str, typer.Argument(help="Name of the query.")],
        db: DbOption = None,
        user: UserOption = None,
        lang: LangOption = None,
        question: QuestionOption = None,
        shared: Annotated[bool, typer.Option("--shared", help="Visible to your centre.")] = False,
    ) -> None:
        """Save the current criteria (or those of --question) under a name."""
        from assistant.i18n import t

        s = open_session(db, user, lang)
        select(s, question, None)
        q = s.save_query(name, shared=shared)
        console.print(t("query.saved", s.lang, name=q.name, id=q.id))

    @saved_app.command("run")
    @friendly
    def saved_run(
        ref: Annotated[str, typer.Argument(help="Number or name of the saved query.")],
        db: DbOption = None,
        user: UserOption = None,
        lang: LangOption = None,
        json_out: JsonOption = False,
    ) -> None:
        """Re-run a saved query on today's data."""
        from assistant import views

        s = open_session(db, user, lang)
        result = s.run_saved(ref)
        remember(s)
        if json_out:
            console.print_json(json.dumps(result.to_dict(), ensure_ascii=False, default=str))
        else:
            show_markdown(views.turn(result))

    app.add_typer(saved_app, name="saved")


def _register_cohorts(app: typer.Typer) -> None:
    cohorts_app = typer.Typer(
        help="Saved cohorts (frozen patient sets) and their combinations.", no_args_is_help=True
    )

    @cohorts_app.command("list")
    @friendly
    def cohorts_list(db: DbOption = None, user: UserOption = None, lang: LangOption = None) -> None:
        """Your saved cohorts."""
        from assistant import views

        s = open_session(db, user, lang)
        show_markdown(views.cohorts(s.list_cohorts(), s.lang))

    @cohorts_app.command("save")
    @friendly
    def cohorts_save(
        name: Annotated[str, typer.Argument(help="Name of the cohort.")],
        db: DbOption = None,
        user: UserOption = None,
        lang: LangOption = None,
        question: QuestionOption = None,
        saved: SavedOption = None,
    ) -> None:
        """Freeze the patients of the current criteria as a named cohort."""
        from assistant.i18n import t

        s = open_session(db, user, lang)
        select(s, question, saved)
        c = s.save_cohort(name)
        console.print(t("cohort.saved", s.lang, name=c.name, id=c.id, size=c.size))

    @cohorts_app.command("combine")
    @friendly
    def cohorts_combine(
        a: Annotated[str, typer.Argument(help="First cohort (number or name).")],
        op: Annotated[str, typer.Argument(help="union, intersection or difference.")],
        b: Annotated[str, typer.Argument(help="Second cohort (number or name).")],
        name: Annotated[str | None, typer.Option("--name", help="Name of the result.")] = None,
        db: DbOption = None,
        user: UserOption = None,
        lang: LangOption = None,
    ) -> None:
        """Combine two cohorts into a new saved cohort."""
        from assistant.core.operations import parse_combination
        from assistant.i18n import t

        s = open_session(db, user, lang)
        _a, op_name, _b, _n = parse_combination(f"x {op} y")
        c = s.combine(a, op_name, b, name)
        console.print(t("cohort.saved", s.lang, name=c.name, id=c.id, size=c.size) + f" ({c.origin})")

    app.add_typer(cohorts_app, name="cohorts")


def _register_requests(app: typer.Typer) -> None:
    req_app = typer.Typer(help="Ask a referent: send, list, answer.", no_args_is_help=True)

    @req_app.command("list")
    @friendly
    def requests_list(
        db: DbOption = None,
        user: UserOption = None,
        lang: LangOption = None,
        mine: Annotated[bool, typer.Option("--mine", help="Your own requests.")] = False,
    ) -> None:
        """Pending requests of your centre (referents), or your own requests with --mine."""
        from assistant import views

        s = open_session(db, user, lang)
        from privacy.roles import Permission

        if mine or not s.can(Permission.EDIT_CRITERIA):
            show_markdown(views.requests_list(s.my_requests(), s.lang, mine=True))
        else:
            show_markdown(views.requests_list(s.pending_requests(), s.lang, mine=False))

    @req_app.command("send")
    @friendly
    def requests_send(
        comment: Annotated[str, typer.Option("--comment", help="What looks wrong or missing.")],
        db: DbOption = None,
        user: UserOption = None,
        lang: LangOption = None,
        question: QuestionOption = None,
    ) -> None:
        """Send the current question and criteria to your centre's referents."""
        from assistant.i18n import t

        s = open_session(db, user, lang)
        select(s, question, None)
        req = s.send_to_referent(comment)
        console.print(t("request.sent", s.lang, id=req.id, centre=s.centre_name))

    @req_app.command("answer")
    @friendly
    def requests_answer(
        request_id: Annotated[int, typer.Argument(help="Request number.")],
        comment: Annotated[str, typer.Option("--comment", help="Your answer to the novice.")],
        criteria: Annotated[
            str | None, typer.Option("--criteria", help="Corrected criteria (compact or JSON).")
        ] = None,
        criteria_file: Annotated[
            Path | None, typer.Option("--criteria-file", help="...or read them from a file.")
        ] = None,
        name: Annotated[str | None, typer.Option("--name", help="Name of the saved query.")] = None,
        db: DbOption = None,
        user: UserOption = None,
        lang: LangOption = None,
    ) -> None:
        """Answer a request with (corrected) criteria saved as a query the novice can run."""
        from assistant.i18n import t

        s = open_session(db, user, lang)
        text = criteria_file.read_text(encoding="utf-8") if criteria_file else criteria
        req, q = s.answer_request(request_id, text, comment, name)
        console.print(t("request.answered", s.lang, id=req.id, query_id=q.id))

    app.add_typer(req_app, name="requests")
