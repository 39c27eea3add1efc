"""What the chat does for one message or one button: steps, answers, buttons (chainlit side).

The engine (``assistant.core.Session``) does the work in a worker thread; this module only shows
it. A turn streams three steps, then one answer message carrying the action buttons. Buttons that
need words (refine, edit, names, export purpose, pasted case, comment) set a *pending input*: the
next message answers it, so a slow parse always runs inside Chainlit's message task and the stop
button can cancel it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import chainlit as cl

from assistant import views
from assistant.core.errors import explain
from assistant.core.results import TurnResult, Understanding
from assistant.core.session import Session
from assistant.i18n import t
from privacy.roles import Permission
from retrieval.settings import get_settings

TICK_SECONDS = 2.0


def session() -> Session:
    return cl.user_session.get("session")


def lang() -> str:
    s = cl.user_session.get("session")
    return s.lang if s else "fr"


async def say(
    content: str, actions: list[cl.Action] | None = None, elements: list[Any] | None = None
) -> None:
    await cl.Message(content=content, actions=actions or [], elements=elements or []).send()


async def say_error(exc: BaseException) -> None:
    await cl.ErrorMessage(content=explain(exc, lang()), author=t("app.name", lang())).send()


def _forget(task: asyncio.Future) -> None:
    """A worker whose turn was cancelled finishes alone; its result or error is dropped quietly."""
    task.add_done_callback(lambda f: f.cancelled() or f.exception())


async def _work(
    fn: Callable[[], Any],
    step: cl.Step | None = None,
    slow_message: str | None = None,
    *,
    progress: Callable[[int], str] | None = None,
    tick: float = TICK_SECONDS,
) -> Any:
    """Run ``fn`` in a thread; every few seconds tell the user it is still working."""
    task = asyncio.ensure_future(asyncio.to_thread(fn))
    started = time.monotonic()
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=tick)
            if done:
                return task.result()
            elapsed = int(time.monotonic() - started)
            if step is not None and (progress or slow_message):
                step.output = progress(elapsed) if progress else f"{slow_message} — {elapsed} s"
                await step.update()
    except asyncio.CancelledError:
        _forget(task)
        raise


async def staged(name: str, fn: Callable[[], Any], done: Callable[[Any], str], *, slow: bool = False) -> Any:
    """One visible step around a piece of engine work; errors become the step's (localised) output."""
    error: BaseException | None = None
    result = None
    async with cl.Step(name=name, type="tool", show_input=False, default_open=False) as step:
        try:
            result = await _work(fn, step, t("step.slow", lang()) if slow else None)
            step.output = done(result)
        except Exception as exc:  # noqa: BLE001 - shown as a sentence, re-raised below
            error = exc
            step.output = explain(exc, lang())
            step.is_error = True
    if error is not None:
        raise error
    return result


async def run_turn(kind: str, text: str) -> TurnResult:
    """understanding → searching → anonymising → answer, at once; then, when words were left over,
    the LLM's reading in the background (its own step, with progress), shown only if it changes the
    answer. ``kind``: "ask" (the parser decides: follow-up or new question), "refine" (a follow-up),
    "new" (a new question), "edit" (a referent's criteria), "reread_new" / "reread_refine" (the last
    message read again the other way). Nothing is stored until the last stage."""
    s = session()
    lg = s.lang
    same_turn = kind.startswith("reread")
    if kind == "edit":
        understanding = await staged(
            t("step.understanding", lg),
            lambda: s.understand_edit(text),
            lambda u: t("step.understanding.done", lg, seconds=0.0),
        )
    else:
        refine = {"refine": True, "new": False, "reread_refine": True, "reread_new": False}.get(kind)

        def read() -> Any:
            return s.reread(refine=bool(refine)) if same_turn else s.understand(text, refine=refine)

        understanding = await staged(
            t("step.understanding", lg), read, lambda u: t("step.understanding.done", lg, seconds=u.seconds)
        )
    found = await staged(
        t("step.searching", lg),
        lambda: s.search(understanding),
        lambda f: t("step.searching.done", lg, n=f.count),
    )
    result = await staged(
        t("step.anonymising", lg),
        lambda: s.anonymise(found),
        lambda r: t("step.anonymising.done", lg, n=len(r.rows)),
    )
    s.commit(result, found, same_turn=same_turn)
    await show_turn(result)
    if understanding.llm == "pending":
        _forget(asyncio.ensure_future(refine_with_llm(s, result)))  # the user may type on meanwhile
    return result


async def refine_with_llm(s: Session, shown: TurnResult) -> None:
    """The LLM reads the words the terminology left over, in the background and under the deadline;
    the chat shows its step, then a new answer only when the criteria changed. A newer question, or
    the stop button, cancels it (the conversation never goes back to an older question)."""
    lg = s.lang
    u = shown.understanding
    words = ", ".join(f"« {w} »" if lg == "fr" else f"“{w}”" for w in u.llm_words)
    deadline = int(round(get_settings().llm_deadline))
    refined: Understanding | None = None
    async with cl.Step(name=t("step.llm", lg), type="tool", show_input=False, default_open=False) as step:
        step.output = t("step.llm.progress", lg, words=words, elapsed=0, deadline=deadline)
        await step.update()
        try:
            refined = await _work(
                lambda: s.with_llm(u),
                step,
                progress=lambda e: t("step.llm.progress", lg, words=words, elapsed=e, deadline=deadline),
                tick=1.0,
            )
        except Exception as exc:  # noqa: BLE001 - the first answer stands; say why
            step.output = explain(exc, lg)
            return
        if refined.llm == "cancelled" or s.state.result is not shown:
            step.output = t("llm.stale", lg)
            return
        step.output = views.llm_note(refined, lg).strip("_*")
        if refined.llm != "added":
            return
        found = await asyncio.to_thread(s.search, refined)
        result = await asyncio.to_thread(s.anonymise, found)
        if s.state.result is not shown:
            step.output = t("llm.stale", lg)
            return
        s.commit(result, found, same_turn=True)
    await say(views.llm_note(refined, lg) + "\n\n" + views.turn(result), turn_actions(result, s))


def turn_actions(result: TurnResult, s: Session) -> list[cl.Action]:
    lg = s.lang
    u = result.understanding

    def a(name: str, key: str, icon: str, **payload: Any) -> cl.Action:
        return cl.Action(name=name, payload=payload, label=t(key, lg), icon=icon)

    actions = [a("refine", "action.refine", "filter")]
    if u.message and u.followup is True:
        actions.append(a("reread", "action.as_new", "rotate-ccw", refine=False))
    elif u.message and u.followup is False and s.state.before is not None:
        actions.append(a("reread", "action.as_followup", "rotate-ccw", refine=True))
    if s.can(Permission.EDIT_CRITERIA):
        actions += [a("edit", "action.edit", "pencil"), a("sql", "action.sql", "code")]
    actions += [a("save_query", "action.save_query", "bookmark"), a("saved", "action.saved", "list")]
    if s.can(Permission.VIEW_ROWS):
        actions += [a("save_cohort", "action.save_cohort", "users"), a("combine", "action.combine", "merge")]
    if s.can(Permission.EXPORT):
        actions.append(a("export", "action.export", "download", format="csv"))
        actions.append(a("export", "action.export_fhir", "file-json", format="fhir"))
    if result.rows:
        actions += [
            a("similar", "action.similar", "git-compare"),
            a("timeline", "action.timeline", "chart-gantt"),
        ]
    if result.has_more:
        actions.append(a("next_page", "action.next_page", "chevron-right"))
    if not s.can(Permission.EDIT_CRITERIA):
        actions.append(a("ask_referent", "action.ask_referent", "life-buoy"))
    return actions


async def show_turn(result: TurnResult) -> None:
    text = views.turn(result)
    if result.understanding.llm == "pending":
        text = views.llm_note(result.understanding, result.lang) + "\n\n" + text
    await say(text, turn_actions(result, session()))


def patient_choices(name: str, s: Session, limit: int = 10) -> list[cl.Action]:
    rows = s.state.result.rows if s.state.result else ()
    return [
        cl.Action(name=name, payload={"pseudo": r.pseudo_id}, label=r.pseudo_id, icon="user")
        for r in rows[:limit]
    ]


async def show_timeline(pseudo: str) -> None:
    s = session()
    png = await _work(lambda: s.timeline(pseudo))
    image = cl.Image(content=png, name=f"timeline-{pseudo.strip()}.png", display="inline", size="large")
    await say(f"### {t('timeline.title', s.lang, pseudo=pseudo.strip())}", elements=[image])


async def show_similar(pseudo: str | None = None, case: str | None = None) -> None:
    s = session()
    result = await staged(
        t("step.searching", s.lang),
        lambda: s.similar(pseudo=pseudo, case=case),
        lambda r: t("step.searching.done", s.lang, n=len(r.rows)),
    )
    actions = [
        cl.Action(
            name="timeline_for",
            payload={"pseudo": r.pseudo_id},
            label=f"{t('action.timeline', s.lang)} {r.pseudo_id}",
            icon="chart-gantt",
        )
        for r in result.rows[:5]
    ]
    await say(views.similar(result, s.lang), actions)


async def export(purpose: str, fmt: str = "csv") -> None:
    s = session()
    res = await _work(lambda: s.export(purpose, fmt=fmt))
    stem = "cohorte" if s.lang == "fr" else "cohort"
    fhir = fmt == "fhir"
    name, mime = (f"{stem}.fhir.json", "application/fhir+json") if fhir else (f"{stem}.csv", "text/csv")
    file = cl.File(content=res.content.encode("utf-8"), name=name, mime=mime, display="inline")
    await say(
        t("export.done", s.lang, rows=res.rows, purpose=res.purpose, audit=res.audit_id or "—"),
        elements=[file],
    )
