"""`cohort login` / `logout` / `whoami`, `cohort users`, `cohort audit`, `cohort opposition`,
`cohort reidentify` and `cohort redact`.

Thin: every command acts as the person signed in with ``cohort login`` through the same ``Session``
as the chat (``--as`` only checks who that is), and every rule — rights, audit, redaction — is the
privacy layer's. The one exception is ``users bootstrap``, which creates the first administrator of
a centre that has none (whoever can write the store file can do that much, and no more).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.common import (
    DbOption,
    JsonOption,
    UserError,
    console,
    err_console,
    friendly,
    open_db,
    open_session,
    read_token,
    signed_in,
    token_file,
    write_token,
)
from privacy.roles import Permission

AsOption = Annotated[
    str | None,
    typer.Option("--as", envvar="COHORT_USER",
                 help="Check that this is the signed-in user (`cohort login NAME`); never chooses who acts."),
]

users_app = typer.Typer(help="Personal accounts: role, centre, language.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit trail.", no_args_is_help=True)
opposition_app = typer.Typer(help="Patients' opposition to research use.", no_args_is_help=True)


def _password(given: str | None, prompt: str) -> str:
    return given if given is not None else typer.prompt(prompt, hide_input=True, confirmation_prompt=True)


# -- signing in -----------------------------------------------------------------------------------
@friendly
def login(
    username: Annotated[str, typer.Argument(help="Your personal account.")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin",
                                                 help="Read the password from standard input "
                                                      "(first line) instead of a prompt.")] = False,
    db: DbOption = None,
) -> None:
    """Sign in: every later command on this store acts as you until `cohort logout` or inactivity."""
    from privacy.sessions import open_session as open_sign_in
    from privacy.users import authenticate
    from retrieval.settings import get_settings


    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True)
    store = open_db(db, secret=True)
    user = authenticate(store, username.strip(), password)
    if user is None:
        raise UserError("Wrong username or password (or too many failed attempts: wait 15 minutes).")
    try:
        previous = read_token(store)
    except UserError:
        previous = None
    if previous and previous.get("token"):
        from privacy.sessions import revoke

        revoke(store, previous["token"])
    opened = open_sign_in(store, user, via="cli")
    write_token(store, user.username, opened.token)
    hours = get_settings().session_max_hours
    console.print(f"Signed in as [bold]{user.username}[/bold] ({user.role.value}, centre {user.centre_id}). "
                  f"The sign-in ends after {opened.idle_minutes} minutes without use, or {hours} h "
                  "after now; "
                  "`cohort logout` ends it at once.")
    err_console.print(f"(token kept in {token_file(store)}, readable by you only)", markup=False,
                      highlight=False)


@friendly
def logout(db: DbOption = None) -> None:
    """End your sign-in on this store now."""
    from privacy.sessions import revoke


    store = open_db(db, secret=True)
    saved = read_token(store)
    who = revoke(store, saved["token"]) if saved and saved.get("token") else None
    token_file(store).unlink(missing_ok=True)
    console.print(f"Signed out ({who})." if who else "You were not signed in on this store.")


@friendly
def whoami(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Who is signed in on this store (role, centre)."""
    user = signed_in(open_db(db, secret=True), function="whoami")
    if as_json:
        console.print_json(json.dumps({"username": user.username, "role": user.role.value,
                                       "centre": user.centre_id, "language": user.language}))
        return
    console.print(f"{user.username} ({user.role.value}, centre {user.centre_id})")


# -- users ----------------------------------------------------------------------------------------
@users_app.command("add")
@friendly
def users_add(
    username: str,
    role: Annotated[str, typer.Option("--role", help="clinician, research_associate, referent, researcher, "
                                                     "dpo or admin.")],
    centre: Annotated[str, typer.Option("--centre", help="Centre id (see `cohort stats`).")],
    lang: Annotated[str, typer.Option("--lang", help="fr or en.")] = "fr",
    password: Annotated[str | None, typer.Option("--password", help="Omit to be prompted.")] = None,
    display_name: Annotated[str | None, typer.Option("--name", help="Name shown in the chat.")] = None,
    db: DbOption = None,
    acting: AsOption = None,
) -> None:
    """Create a personal account (an administrator acts)."""
    s = open_session(db, acting)
    user = s.add_user(username, _password(password, "Password"), role, centre, language=lang,
                      display_name=display_name)
    console.print(f"User [bold]{user.username}[/bold] created: {user.role.value}, centre {user.centre_id}.")


@users_app.command("bootstrap")
@friendly
def users_bootstrap(
    username: str,
    centre: Annotated[str, typer.Option("--centre", help="The centre whose first administrator this is.")],
    password: Annotated[str | None, typer.Option("--password", help="Omit to be prompted.")] = None,
    db: DbOption = None,
) -> None:
    """Create the first administrator of a centre that has none (refused once it has one)."""
    from privacy.users import bootstrap_admin

    user = bootstrap_admin(open_db(db, secret=True), username, _password(password, "Password"), centre)
    console.print(f"Administrator [bold]{user.username}[/bold] created for centre {user.centre_id}.")


@users_app.command("list")
@friendly
def users_list(db: DbOption = None, acting: AsOption = None, as_json: JsonOption = False) -> None:
    """List accounts (never passwords)."""
    from rich.table import Table

    users = open_session(db, acting).list_users()
    if as_json:
        console.print_json(json.dumps([{"username": u.username, "role": u.role.value, "centre": u.centre_id,
                                        "language": u.language, "active": u.active} for u in users]))
        return
    table = Table("username", "role", "centre", "lang", "active")
    for u in users:
        table.add_row(u.username, u.role.value, u.centre_id, u.language, "yes" if u.active else "no")
    console.print(table)


@users_app.command("set-role")
@friendly
def users_set_role(username: str, role: str, db: DbOption = None, acting: AsOption = None) -> None:
    """Change a user's role."""
    user = open_session(db, acting).set_role(username, role)
    console.print(f"{user.username} is now {user.role.value}.")


@users_app.command("deactivate")
@friendly
def users_deactivate(username: str, db: DbOption = None, acting: AsOption = None) -> None:
    """Close an account (it stays in the audit trail)."""
    open_session(db, acting).set_active(username, False)
    console.print(f"{username} deactivated.")


@users_app.command("activate")
@friendly
def users_activate(username: str, db: DbOption = None, acting: AsOption = None) -> None:
    """Reopen an account."""
    open_session(db, acting).set_active(username, True)
    console.print(f"{username} reactivated.")


@users_app.command("password")
@friendly
def users_password(username: str, db: DbOption = None, acting: AsOption = None,
                   password: Annotated[str | None, typer.Option("--password")] = None) -> None:
    """Set a new password."""
    s = open_session(db, acting)
    s.set_password(username, _password(password, "New password"))
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
@audit_app.command("verify")
@friendly
def audit_verify(db: DbOption = None, acting: AsOption = None, as_json: JsonOption = False) -> None:
    """Recompute the hash chain; name the first broken entry. Exit code 2 when broken."""
    report = open_session(db, acting).verify_audit()
    if as_json:
        console.print_json(json.dumps(report.__dict__))
    else:
        console.print(("[green]" if report.ok else "[bold red]") + report.sentence())
    if not report.ok:
        raise typer.Exit(2)


@audit_app.command("anchor")
@friendly
def audit_anchor(
    reason: Annotated[str, typer.Option("--reason", help="Why (e.g. the restore's ticket); recorded.")],
    db: DbOption = None,
    acting: AsOption = None,
) -> None:
    """Accept the trail's current head as its reference (after restoring a backup); recorded."""
    s = open_session(db, acting)
    s.require(Permission.READ_AUDIT)
    report = s.governed.reanchor(reason=reason)
    console.print(("[green]" if report.ok else "[bold red]") + report.sentence())


@audit_app.command("show")
@friendly
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

    entries = open_session(db, acting).audit_entries(username=user, since=since, action=action, limit=limit)
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
@friendly
def opposition_set(
    patient: Annotated[str, typer.Argument(help="Store id, IPP or pseudonymous id (P-...).")],
    withdraw: Annotated[bool, typer.Option("--withdraw", help="The patient withdraws the opposition.")]
    = False,
    note: Annotated[str | None, typer.Option("--note", help="Reference of the request.")] = None,
    db: DbOption = None,
    acting: AsOption = None,
) -> None:
    """Record a patient's opposition to research use (effective at the next query)."""
    pseudo = open_session(db, acting).set_opposition(patient, not withdraw, note=note)
    state = "withdrawn" if withdraw else "recorded"
    console.print(f"Opposition {state} for {pseudo}; it applies to every query from now on.")


@opposition_app.command("list")
@friendly
def opposition_list(
    centre: Annotated[str | None, typer.Option("--centre")] = None, db: DbOption = None,
    acting: AsOption = None, as_json: JsonOption = False,
) -> None:
    """Opposed patients (pseudonymous ids), for the DPO's review."""
    rows = open_session(db, acting).opposed_patients(centre)
    if as_json:
        console.print_json(json.dumps(rows))
        return
    for r in rows:
        console.print(f"{r['patient']}  {r['centre_id']}  since {r['since'] or '?'}")
    console.print(f"{len(rows)} opposed patient(s).")


# -- re-identification ----------------------------------------------------------------------------
@friendly
def reidentify(
    pseudo: Annotated[str, typer.Argument(help="Pseudonymous id as shown in results (P-...).")],
    user: Annotated[str | None, typer.Option("--user", envvar="COHORT_USER",
                                             help="Your account (rights checked, use audited).")] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="Why (kept in the audit trail).")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """The patient behind a pseudonymous id: allowed roles, own centre only, every use audited."""
    who = open_session(db, user).reidentify(pseudo, reason=reason)
    if as_json:
        console.print_json(json.dumps(who))
        return
    console.print(f"{who['pseudo']} = patient {who['patient_id']}, IPP {who.get('ipp')}, "
                  f"{who.get('first_name', '')} {who.get('last_name', '')}")


def register(app: typer.Typer) -> None:
    """Add this area's commands to the root app."""
    app.command("login")(login)
    app.command("logout")(logout)
    app.command("whoami")(whoami)
    app.add_typer(users_app, name="users")
    app.add_typer(audit_app, name="audit")
    app.add_typer(opposition_app, name="opposition")
    app.command("redact")(redact)
    app.command("reidentify")(reidentify)
