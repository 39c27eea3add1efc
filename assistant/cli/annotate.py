"""`cohort annotate FILE|-`: what the annotator understood in a text, and why (an "explain" for referents).

A referent who wonders why a report did or did not match a text criterion pastes it here and sees
the concepts found, each with its qualifiers, and the text cut into the segments a search reads,
each flagged segment with the cue that flagged it ("pas de" → negated, "évoquant" →
hypothetical). Nothing is read from or written to a store: the text given is the only input.

``cohort annotate --jsonl IN`` is the batch form for outside evaluation tools: one
``{"id", "text"}`` object a line in, one ``{"id", "segments", "mentions"}`` a line out (stdout),
in input order, offsets in characters of the input text.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from assistant.cli.common import JsonOption, UserError, console

FLAGS = ("negated", "hypothetical", "family", "history")
LABELS = {"negated": "négation", "hypothetical": "hypothèse", "family": "famille", "history": "antécédent"}
COLOURS = {"negated": "red", "hypothetical": "yellow", "family": "magenta", "history": "cyan"}


def _read(source: str) -> str:
    if source == "-":
        return sys.stdin.read()
    path = Path(source)
    if not path.is_file():
        raise UserError(f"{source} is not a file: give a text file, or '-' to read the text from stdin.")
    return path.read_text(encoding="utf-8")


def mention_row(m: Any) -> dict[str, Any]:
    return {
        "concept": m.concept,
        "start": m.start,
        "end": m.end,
        "text": m.text,
        **{f: getattr(m, f) for f in FLAGS},
    }


def segment_row(s: Any) -> dict[str, Any]:
    return {"start": s.start, "end": s.end, **{f: getattr(s, f) for f in FLAGS}}


def why_rows(why: tuple) -> list[dict[str, Any]]:
    return [
        {"qualifier": w.qualifier, "cue": w.cue, "start": w.start, "end": w.end, "rule": w.rule} for w in why
    ]


def explain(text: str) -> dict[str, Any]:
    """The annotation of one text with the cue of every flag (the ``--json`` output)."""
    from retrieval.ingest.annotate import get_annotator

    ann = get_annotator().annotate([text], explain=True)[0]
    return {
        "mentions": [{**mention_row(m), "why": why_rows(m.why)} for m in ann.mentions],
        "segments": [
            {**segment_row(s), "text": text[s.start : s.end], "why": why_rows(s.why)} for s in ann.segments
        ],
    }


def batch(lines: Any, out: Any) -> int:
    """``{"id", "text"}`` lines → ``{"id", "segments", "mentions"}`` lines, in order; returns the count."""
    from retrieval.ingest.annotate import get_annotator

    annotator = get_annotator()
    n = 0
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            doc_id, text = item["id"], item["text"]
        except (ValueError, KeyError, TypeError):
            raise UserError(
                f'line {number} is not a JSON object with "id" and "text" (one document a line).'
            ) from None
        if not isinstance(text, str):
            raise UserError(f'line {number}: "text" must be a string.')
        ann = annotator.annotate([text])[0]
        row = {
            "id": doc_id,
            "segments": [segment_row(s) for s in ann.segments],
            "mentions": [mention_row(m) for m in ann.mentions],
        }
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        n += 1
    return n


def _flags(row: dict[str, Any]) -> str:
    return ", ".join(f"[{COLOURS[f]}]{LABELS[f]}[/{COLOURS[f]}]" for f in FLAGS if row[f]) or "affirmé"


def _show(text: str, result: dict[str, Any]) -> None:
    shown = Table(title="Concepts", title_justify="left")
    for col in ("concept", "texte", "position", "qualificatifs", "indice (cue)"):
        shown.add_column(col)
    for m in result["mentions"]:
        cues = "; ".join(f"«{w['cue']}» ({LABELS[w['qualifier']]}, {w['rule']})" for w in m["why"])
        shown.add_row(m["concept"], m["text"], f"{m['start']}-{m['end']}", _flags(m), cues)
    console.print(shown if result["mentions"] else "Aucun concept de la terminologie dans ce texte.")
    flagged = [s for s in result["segments"] if any(s[f] for f in FLAGS)]
    table = Table(title="Segments qualifiés (ce qu'une recherche « affirmés seulement » ne compte pas)")
    for col in ("position", "segment", "qualificatifs", "indice (cue)"):
        table.add_column(col)
    for s in flagged:
        cues = "; ".join(f"«{w['cue']}» ({w['rule']})" for w in s["why"])
        table.add_row(f"{s['start']}-{s['end']}", s["text"], _flags(s), cues)
    console.print(table if flagged else "Aucun segment nié, hypothétique, familial ou antécédent.")
    marked = ""
    pos = 0
    for s in flagged:
        colour = next(COLOURS[f] for f in FLAGS if s[f])
        marked += (
            _escape(text[pos : s["start"]]) + f"[{colour}]{_escape(text[s['start'] : s['end']])}[/{colour}]"
        )
        pos = s["end"]
    console.print(marked + _escape(text[pos:]))


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def register(app: typer.Typer) -> None:
    @app.command("annotate")
    def annotate_cmd(
        source: Annotated[
            str | None, typer.Argument(help="Text file to annotate, or '-' for stdin.", show_default=False)
        ] = None,
        jsonl: Annotated[
            Path | None,
            typer.Option("--jsonl", help='Batch: a file of {"id", "text"} lines (\'-\' for stdin).'),
        ] = None,
        json_out: JsonOption = False,
    ) -> None:
        """Show the concepts, qualifiers and flagged segments of a text, with the cue behind each flag."""
        if jsonl is not None:
            if source is not None:
                raise UserError("Give either a text (FILE or -) or --jsonl FILE, not both.")
            if str(jsonl) == "-":
                batch(sys.stdin, sys.stdout)
            elif not jsonl.is_file():
                raise UserError(f'{jsonl} is not a file: --jsonl needs a file of {{"id", "text"}} lines.')
            else:
                with jsonl.open(encoding="utf-8") as fh:
                    batch(fh, sys.stdout)
            return
        if source is None:
            raise UserError("Give a text file to annotate, '-' to read stdin, or --jsonl FILE.")
        text = _read(source)
        result = explain(text)
        if json_out:
            typer.echo(json.dumps({"text": text, **result}, ensure_ascii=False, indent=2))
        else:
            _show(text, result)
