"""`cohort users`, `cohort redact`, `cohort audit`, `cohort opposition`, `cohort reidentify`.

Thin layer over ``privacy``: every rule (rights, audit, redaction) lives there. Without
``--as``/``--user`` an administrative command acts as the local operator of the server's shell
(recorded as ``local:<login>`` in the audit trail); with it, the user's rights are checked.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from assistant.cli.common import DbOption, JsonOption, UserError, console, err_console, open_db

AsOption = Annotated[
    str | None,
    typer.Option("--as", help="Act as this user (their rights are checked and the action audited)."),
]

users_app = typer.Typer(help="Personal accounts: role, centre, language.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit trail.", no_args_is_help=True)
opposition_app = typer.Typer(help="Patients' opposition to research use.", no_args_is_help=True)


def _acting(store: Any, username: str | None) -> Any:
    if not username:
        return None
    from privacy.users import AccessDenied, UserProblem, require_user

    try:
        return require_user(store, username)
    except (UserProblem, AccessDenied) as exc:
        raise UserError(str(exc)) from exc


def _friendly(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a privacy function; its refusals and problems become one readable line."""
    from privacy.users import AccessDenied, UserProblem

    try:
        return fn(*args, **kwargs)
    except (UserProblem, AccessDenied, ValueError) as exc:
        raise UserError(str(exc)) from exc


# -- users ----------------------------------------------------------------------------------------
@users_app.command("add")
def users_add(
    username: str,
    role: Annotated[str, typer.Option("--role", help="clinician, research_associate, referent, researcher, "
                                                     "dpo or admin.")],
    centre: Annotated[str, typer.Option("--centre", help="Centre id (see `cohort users centres`).")],
    lang: Annotated[str, typer.Option("--lang", help="fr or en.")] = "fr",
    password: Annotated[str | None, typer.Option("--password", help="Omit to be prompted.")] = None,
    display_name: Annotated[str | None, typer.Option("--name", help="Name shown in the chat.")] = None,
    db: DbOption = None,
    acting: AsOption = None,
) -> None:
    """Create a personal account."""
    from privacy.users import add_user

    store = open_db(db)
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    user = _friendly(add_user, store, username, password, role, centre, language=lang,
                     display_name=display_name, by=_acting(store, acting))
    console.print(f"User [bold]{user.username}[/bold] created: {user.role.value}, centre {user.centre_id}.")


@users_app.command("list")
def users_list(db: DbOption = None, as_json: JsonOption = False) -> None:
    """List accounts (never passwords)."""
    from rich.table import Table

    from privacy.users import list_users

    users = list_users(open_db(db))
    if as_json:
        console.print_json(json.dumps([{"username": u.username, "role": u.role.value, "centre": u.centre_id,
                                        "language": u.language, "active": u.active} for u in users]))
        return
    table = Table("username", "role", "centre", "lang", "active")
    for u in users:
        table.add_row(u.username, u.role.value, u.centre_id, u.language, "yes" if u.active else "no")
    console.print(table)


@users_app.command("set-role")
def users_set_role(username: str, role: str, db: DbOption = None, acting: AsOption = None) -> None:
    """Change a user's role."""
    from privacy.users import set_role

    store = open_db(db)
    user = _friendly(set_role, store, username, role, by=_acting(store, acting))
    console.print(f"{user.username} is now {user.role.value}.")


@users_app.command("deactivate")
def users_deactivate(username: str, db: DbOption = None, acting: AsOption = None) -> None:
    """Close an account (it stays in the audit trail)."""
    from privacy.users import set_active

    store = open_db(db)
    _friendly(set_active, store, username, False, by=_acting(store, acting))
    console.print(f"{username} deactivated.")


@users_app.command("activate")
def users_activate(username: str, db: DbOption = None, acting: AsOption = None) -> None:
    """Reopen an account."""
    from privacy.users import set_active

    store = open_db(db)
    _friendly(set_active, store, username, True, by=_acting(store, acting))
    console.print(f"{username} reactivated.")


@users_app.command("password")
def users_password(username: str, db: DbOption = None, acting: AsOption = None,
                   password: Annotated[str | None, typer.Option("--password")] = None) -> None:
    """Set a new password."""
    from privacy.users import set_password

    store = open_db(db)
    if password is None:
        password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    _friendly(set_password, store, username, password, by=_acting(store, acting))
    console.print(f"Password of {username} changed.")


@users_app.command("roles")
def users_roles(lang: Annotated[str, typer.Option("--lang")] = "fr") -> None:
    """The permission table of every role (the one place rights are defined)."""
    from rich.table import Table

    from privacy.roles import PERMISSIONS, Permission, Role, permission_label

    table = Table("", *[r.value for r in Role])
    for perm in Permission:
        table.add_row(permission_label(perm, lang),
                      *["✔" if perm in PERMISSIONS[r] else "" for r in Role])
    console.print(table)


@users_app.command("seed-demo")
def users_seed_demo(db: DbOption = None) -> None:
    """One demo account per role and centre (`<role>.<centre>`, password `<role>-demo-2024`)."""
    from privacy.users import seed_demo_users

    created = seed_demo_users(open_db(db))
    for username, password in created:
        console.print(f"{username}  {password}")


# -- redaction ------------------------------------------------------------------------------------
def redact(
    file: Annotated[str, typer.Argument(help="A text file, or - for standard input.")],
    db: DbOption = None,
    mode: Annotated[str, typer.Option("--mode", help="placeholder (display) or pseudonym (exports).")]
    = "placeholder",
    patient: Annotated[int | None, typer.Option("--patient", help="Store id of the text's patient: "
                                                                 "adds their registry identifiers.")] = None,
    lang: Annotated[str, typer.Option("--lang", help="Placeholder language: fr or en.")] = "fr",
    shift_dates: Annotated[bool, typer.Option("--shift-dates", help="Shift dates per patient.")] = False,
    explain: Annotated[bool, typer.Option("--explain", help="List what was masked and by which "
                                                           "recogniser (never the original text).")] = False,
    as_json: JsonOption = False,
) -> None:
    """Mask names, dates, NIR, IPP, phones, e-mails and addresses in a French text."""
    from privacy.redact import MODES, Redactor
    from retrieval.store import StoreError

    if mode not in MODES:
        raise UserError(f"Unknown mode {mode!r}: use placeholder or pseudonym.")
    if file == "-":
        text = sys.stdin.read()
    else:
        path = Path(file)
        if not path.is_file():
            raise UserError(f"No file {file}.")
        text = path.read_text(encoding="utf-8")
    try:
        store = open_db(db)
        redactor = Redactor.for_store(store)
    except StoreError as exc:
        err_console.print(f"[yellow]No store ({exc}); redacting without the registry's names.[/yellow]")
        redactor = Redactor.default()
    out = redactor.redact(text, patient_id=patient, mode=mode, lang=lang,  # type: ignore[arg-type]
                          shift_dates=shift_dates)
    if as_json:
        print(json.dumps(out.to_dict(), ensure_ascii=False, indent=2))
        return
    sys.stdout.write(out.text if out.text.endswith("\n") or not text.endswith("\n") else out.text + "\n")
    if explain:
        for line in out.explain():
            err_console.print(line, markup=False, highlight=False)


# -- audit ----------------------------------------------------------------------------------------
def _audit_reader(store: Any, acting: str | None) -> Any:
    from privacy.audit import AuditLog
    from privacy.roles import Permission
    from privacy.users import system_actor

    user = _acting(store, acting)
    log = AuditLog(store)
    if user is not None and not user.can(Permission.READ_AUDIT):
        log.record(user, "denied", details={"function": "read_audit"})
        raise UserError(f"The role {user.role.value} cannot read the audit trail.")
    return log, user or system_actor()


@audit_app.command("verify")
def audit_verify(db: DbOption = None, acting: AsOption = None, as_json: JsonOption = False) -> None:
    """Recompute the hash chain; name the first broken entry. Exit code 2 when broken."""
    log, who = _audit_reader(open_db(db), acting)
    report = log.verify()
    log.record(who, "audit_verify", details={"ok": report.ok, "checked": report.checked})
    if as_json:
        console.print_json(json.dumps(report.__dict__))
    else:
        console.print(("[green]" if report.ok else "[bold red]") + report.sentence())
    if not report.ok:
        raise typer.Exit(2)


@audit_app.command("show")
def audit_show(
    user: Annotated[str | None, typer.Option("--user", help="Only this user's entries.")] = None,
    since: Annotated[str | None, typer.Option("--since", help="ISO date or time, e.g. 2024-05-01.")] = None,
    action: Annotated[str | None, typer.Option("--action", help="count, list, export, denied...")] = None,
    limit: Annotated[int, typer.Option("--limit", help="Last N entries.")] = 50,
    db: DbOption = None,
    acting: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """List audit entries (reading the trail is itself audited)."""
    from rich.table import Table

    log, who = _audit_reader(open_db(db), acting)
    entries = log.entries(username=user, since=since, action=action, limit=limit)
    log.record(who, "audit_read", details={"user": user, "since": since, "action": action,
                                           "shown": len(entries)})
    if as_json:
        print(json.dumps([e.to_dict() for e in entries], ensure_ascii=False, indent=2))
        return
    table = Table("#", "when (UTC)", "user", "centre", "action", "size", "purpose / details")
    for e in entries:
        extra = e.purpose or (e.details or "")
        table.add_row(str(e.id), e.ts[:19], e.username, e.centre_id or "", e.action,
                      "" if e.result_size is None else str(e.result_size), extra[:80])
    console.print(table)


# -- opposition -----------------------------------------------------------------------------------
@opposition_app.command("set")
def opposition_set(
    patient: Annotated[str, typer.Argument(help="Store id, IPP or pseudonymous id (P-...).")],
    withdraw: Annotated[bool, typer.Option("--withdraw", help="The patient withdraws the opposition.")]
    = False,
    note: Annotated[str | None, typer.Option("--note", help="Reference of the request.")] = None,
    db: DbOption = None,
    acting: AsOption = None,
) -> None:
    """Record a patient's opposition to research use (effective at the next query)."""
    from privacy.opposition import resolve_patient, set_opposition
    from privacy.pseudonym import pseudo_id

    store = open_db(db)
    pid = _friendly(resolve_patient, store, patient)
    _friendly(set_opposition, store, pid, not withdraw, by=_acting(store, acting), note=note)
    state = "withdrawn" if withdraw else "recorded"
    console.print(f"Opposition {state} for {pseudo_id(pid)}; it applies to every query from now on.")


@opposition_app.command("list")
def opposition_list(
    centre: Annotated[str | None, typer.Option("--centre")] = None, db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Opposed patients (pseudonymous ids), for the DPO's review."""
    from privacy.opposition import opposed_patients

    rows = opposed_patients(open_db(db), centre)
    if as_json:
        console.print_json(json.dumps(rows))
        return
    for r in rows:
        console.print(f"{r['patient']}  {r['centre_id']}  since {r['since'] or '?'}")
    console.print(f"{len(rows)} opposed patient(s).")


# -- re-identification ----------------------------------------------------------------------------
def reidentify(
    pseudo: Annotated[str, typer.Argument(help="Pseudonymous id as shown in results (P-...).")],
    user: Annotated[str, typer.Option("--user", envvar="COHORT_USER", help="Your account (rights checked, "
                                                                         "use audited).")],
    reason: Annotated[str | None, typer.Option("--reason", help="Why (kept in the audit trail).")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """The patient behind a pseudonymous id: allowed roles, own centre only, every use audited."""
    from privacy.governed import GovernedEngine

    store = open_db(db)
    gov = GovernedEngine(store, _acting(store, user))
    who = _friendly(gov.reidentify, pseudo, reason=reason)
    if as_json:
        console.print_json(json.dumps(who))
        return
    console.print(f"{who['pseudo']} = patient {who['patient_id']}, IPP {who.get('ipp')}, "
                  f"{who.get('first_name', '')} {who.get('last_name', '')}")


# -- governed queries (used by `cohort query --user`) ----------------------------------------------
def governed_query(
    store: Any, node: Any, username: str, *, page: int, page_size: int, sort: str, lang: str
) -> dict[str, Any]:
    """`cohort query` as a user: own centre, opposed patients out, pseudonymous ids, redacted
    snippets, protected cross-centre counts (roles allowed only), every call audited. Same result
    shape as ``assistant.cli.query.run_query`` (rows carry ``pseudo_id`` instead of ``patient_id``)."""
    from privacy.governed import GovernedEngine
    from privacy.roles import Permission
    from query_compiler.compiler import UnsupportedCriterion

    gov = GovernedEngine(store, _acting(store, username))
    try:
        result = _friendly(gov.list_patients, node, page=page, page_size=page_size, sort=sort, lang=lang)
        if gov.user.can(Permission.CROSS_CENTRE_COUNTS):
            by_centre = {c.centre_id: c.display for c in gov.count_by_centre(node)}
        else:
            by_centre = {gov.user.centre_id: result.total}
    except UnsupportedCriterion as exc:
        raise UserError(str(exc)) from None
    rows = result.rows
    return {
        "count": result.total,
        "by_centre": by_centre,
        "page": {"total": result.total, "page": page, "page_size": page_size, "rows": rows},
    }


def register(app: typer.Typer) -> None:
    """Add this area's commands to the root app."""
    app.add_typer(users_app, name="users")
    app.add_typer(audit_app, name="audit")
    app.add_typer(opposition_app, name="opposition")
    app.command("redact")(redact)
    app.command("reidentify")(reidentify)
