"""`cohort parse "QUESTION"`: show how a plain question becomes Criteria, and why.

Prints the criteria (readable sentences and JSON), where each part came from (terminology, LLM,
previous question), the assumptions made, what was not understood and the questions worth asking
back. Nothing is run against a database here; ``cohort ask`` does that on top of the same parse.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.common import JsonOption, UserError, console


def _previous(value: str | None):  # noqa: ANN202 - returns a Criteria node or None
    if not value:
        return None
    from query_compiler.criteria import parse_criteria

    text = Path(value).read_text(encoding="utf-8") if Path(value).is_file() else value
    data = json.loads(text)
    if isinstance(data, dict) and "criteria" in data and "kind" not in data:
        data = data["criteria"]  # the --json output of a previous `cohort parse`
    return parse_criteria(data)


def register(app: typer.Typer) -> None:
    @app.command("parse")
    def parse_cmd(
        question: Annotated[str, typer.Argument(help="The question, in French or English.")],
        json_out: JsonOption = False,
        model: Annotated[str | None, typer.Option("--model", help="Bundled model name or GGUF path.")] = None,
        no_llm: Annotated[
            bool, typer.Option("--no-llm", help="Terminology only (no model is loaded).")
        ] = False,
        previous: Annotated[
            str | None,
            typer.Option("--previous", help="Criteria JSON (text or file) that this question refines."),
        ] = None,
        lang: Annotated[str | None, typer.Option("--lang", help="fr or en (default: detected).")] = None,
        case: Annotated[
            bool,
            typer.Option("--case", help="Read the text as a patient's case (letter, RCP, summary)."),
        ] = False,
        wait_llm: Annotated[
            bool, typer.Option("--wait-llm", help="Wait for the LLM however long it takes (no deadline).")
        ] = False,
    ) -> None:
        """Turn a question into Criteria and explain the result: the terminology's reading at once,
        then the LLM's, within the deadline (COHORT_LLM_DEADLINE), for the words left over; with --case,
        read a case narrative."""
        from assistant.core.understanding import understand

        if lang not in (None, "fr", "en"):
            raise UserError("--lang must be 'fr' or 'en'.")
        if case:
            _show_case(question, lang, json_out)
            return
        try:
            prev = _previous(previous)
        except (ValueError, OSError) as exc:
            raise UserError(f"--previous is not valid criteria JSON: {exc}") from None
        first = understand(question, prev, use_llm=False, lang=lang, model=model)
        if not json_out:
            _show(first)
        result = first
        if first.llm_words and not no_llm:
            result = _with_llm(question, prev, first, lang, model, wait_llm, quiet=json_out)
        if json_out:
            typer.echo(json.dumps(result.summary(), ensure_ascii=False, indent=2, default=str))


def _with_llm(question, prev, first, lang, model, wait, *, quiet):  # noqa: ANN001, ANN202
    """The LLM's reading of the words left over; the criteria again only when it changed them."""
    import time

    from assistant.cli.common import err_console
    from assistant.core.understanding import describe_change, understand
    from assistant.i18n import t
    from retrieval.settings import get_settings

    deadline = None if wait else time.monotonic() + get_settings().llm_deadline
    lg = first.language
    words = ", ".join(f"« {w} »" if lg == "fr" else f"“{w}”" for w in first.llm_words)
    kwargs = {"lang": lang, "model": model, "followup": first.followup, "deadline": deadline}
    if quiet:
        return understand(question, prev, **kwargs)
    with err_console.status(t("llm.reading", lg, words=words)):
        result = understand(question, prev, **kwargs)
    seconds = result.llm_seconds
    if result.criteria is not None and result.criteria != first.criteria:
        what = "; ".join(describe_change(first.criteria, result.criteria, lg))
        console.print(t("llm.added", lg, what=what, seconds=seconds), markup=False, highlight=False)
        _show(result)
    elif result.llm_timed_out:
        console.print(t("llm.timeout", lg, words=words, seconds=seconds), markup=False, style="yellow")
    elif result.llm_error:
        console.print(f"{t('llm.error', lg, words=words)} ({result.llm_error})", markup=False, style="yellow")
    else:
        console.print(t("llm.unchanged", lg, words=words, seconds=seconds), markup=False, style="dim")
    return result


def _show(result) -> None:  # noqa: ANN001 - a ParseResult
    from query_compiler.criteria import to_json

    fr = result.language == "fr"
    if result.refused:
        console.print(f"[bold red]{'Refusé' if fr else 'Refused'}:[/bold red] {result.refusal}")
        return
    if result.criteria is None:
        console.print(
            "[yellow]" + ("Aucun critère reconnu." if fr else "No criterion recognised.") + "[/yellow]"
        )
    else:
        from query_compiler.render import render

        console.print(render(result.criteria, lang=result.language), markup=False)
        console.print_json(to_json(result.criteria))
    title = {
        "sources": ("Sources", "Sources"),
        "assumptions": ("Hypothèses", "Assumptions"),
        "not_understood": ("Non compris", "Not understood"),
        "clarifications": ("À préciser", "To clarify"),
    }
    if result.sources:
        console.print(f"[bold]{title['sources'][0 if fr else 1]}[/bold]")
        for part in result.sources:
            text = f" « {part.text} »" if part.text else ""
            console.print(f"  {part.source:<11} {part.field} = {part.value}{text}", markup=False)
    for key in ("assumptions", "not_understood", "clarifications"):
        values = getattr(result, key)
        if values:
            console.print(f"[bold]{title[key][0 if fr else 1]}[/bold]")
            for v in values:
                console.print(f"  - {v}", markup=False)
    llm = ("LLM utilisé" if fr else "LLM used") if result.used_llm else ("sans LLM" if fr else "no LLM")
    if result.llm_error:
        llm += f" ({result.llm_error})"
    console.print(
        f"[dim]{'confiance' if fr else 'confidence'} {result.confidence:.2f} · {llm} · "
        f"{result.seconds:.3f} s[/dim]"
    )


def _show_case(text: str, lang: str | None, json_out: bool) -> None:
    """The facts a case narrative gives (what `cohort similar --case` compares), and the words not used."""
    from query_compiler.criteria import to_dict
    from query_compiler.parser.case import read_case
    from query_compiler.render import render

    reading = read_case(text, lang=lang)
    if json_out:
        data = {
            "language": reading.language,
            "criteria": to_dict(reading.criteria) if reading.criteria is not None else None,
            "not_used": reading.not_used,
        }
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    fr = reading.language == "fr"
    if reading.criteria is None:
        console.print("[yellow]" + ("Aucun fait reconnu." if fr else "No fact recognised.") + "[/yellow]")
    else:
        console.print(render(reading.criteria, lang=reading.language), markup=False)
    if reading.not_used:
        title = "Non utilisé" if fr else "Not used"
        console.print(f"[bold]{title}[/bold]: " + ", ".join(reading.not_used))
