"""What the chat and the CLI both show, as Markdown (pure functions over ``assistant.core.results``:
no chainlit import, tested directly; the CLI prints the same Markdown with rich).

Chainlit renders Markdown without raw HTML (``unsafe_allow_html = false``), so anything that looks
like a tag — Presidio placeholders such as ``<PERSON>`` — is shown as ``‹PERSON›`` instead of being
swallowed, and table cells escape ``|``. Highlights from the engine come as ``**bold**``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from assistant.core.results import ReferentRequest, SimilarResult, TurnResult, Understanding
from assistant.i18n import t
from query_compiler.engine.saved import SavedCohort, SavedQuery

_TAG = re.compile(r"<([A-Za-z_][A-Za-z0-9_ -]{0,40})>")
MAX_SNIPPET = 220


def safe(text: object) -> str:
    """Text for a Markdown paragraph: placeholders kept visible, no HTML."""
    s = _TAG.sub(r"‹\1›", str(text))
    return re.sub(r"<(?=[A-Za-z/!?])", "‹", s)  # anything else tag-like; "< 10" stays as it is


def cell(text: object) -> str:
    """Text for a Markdown table cell: one line, pipes escaped."""
    return safe(text).replace("\n", " ").replace("|", "\\|").strip()


def _highlight(snippet: str) -> str:
    """Engine highlight markers (FTS ``[...]``, ``<b>``, ``<mark>``, ``**``) → Markdown bold."""
    s = re.sub(r"</?(?:b|mark|strong|em)>", "**", snippet, flags=re.I)
    s = s.replace("\x02", "**").replace("\x03", "**")
    if len(s) > MAX_SNIPPET:
        s = s[: MAX_SNIPPET - 1] + "…"
    if s.count("**") % 2:
        s += "**"
    return s


def criteria_card(result: TurnResult) -> str:
    lang = result.lang
    u = result.understanding
    lines = [f"### {t('card.title', lang)}", ""]
    if u.question:
        lines += [
            f"*{t('card.question', lang)}* : {safe(u.question)}"
            if lang == "fr"
            else f"*{t('card.question', lang)}*: {safe(u.question)}",
            "",
        ]
    for sentence in result.criteria_text.splitlines():
        text = sentence.rstrip()
        if not text.strip():
            continue
        if text.lstrip().startswith(("-", "*")):
            lines.append(safe(text))
        elif text == text.lstrip() and text.endswith(":"):  # "Toutes les conditions suivantes :"
            lines.append(safe(text))
        else:
            lines.append(f"{text[: len(text) - len(text.lstrip())]}- {safe(text.strip())}")
    lines.append("")
    if u.assumptions:
        lines.append(f"**{t('card.assumptions', lang)}**")
        lines += [f"- {safe(a)}" for a in u.assumptions]
        lines.append("")
    if u.not_understood:
        lines.append(
            f"**{t('card.not_understood', lang)}** : "
            if lang == "fr"
            else f"**{t('card.not_understood', lang)}**: "
        )
        lines[-1] += ", ".join(f"« {safe(f)} »" if lang == "fr" else f"“{safe(f)}”" for f in u.not_understood)
        lines.append("")
    if u.clarifications:
        lines.append(f"**{t('card.clarify', lang)}**")
        lines += [f"- {safe(c)}" for c in u.clarifications]
        lines.append("")
    scope = t("card.scope", lang, centre=result.centre_name) + " ; " + t("card.scope.opposition", lang)
    if lang == "en":
        scope = scope.replace(" ; ", "; ")
    lines.append(f"_{scope}._")
    return "\n".join(lines).strip()


def counts(result: TurnResult) -> str:
    lang = result.lang
    lines = [
        f"### {t('count.title', lang)}",
        "",
        t("count.here", lang, n=result.count, centre=result.centre_name),
    ]
    if result.other_centres:
        lines += ["", f"**{t('count.other.title', lang)}**", ""]
        lines.append(f"_{t('count.other.rule', lang, min=result.min_count)}_")
        lines.append("")
        sep = " : " if lang == "fr" else ": "
        lines += [
            f"- {cell(c.centre_name)}{sep}{cell(c.display)}" if c.centre_id else f"- _{cell(c.centre_name)}_"
            for c in result.other_centres
        ]
    return "\n".join(lines)


def patient_table(result: TurnResult) -> str:
    lang = result.lang
    if not result.rows:
        return t("table.empty", lang) if result.count == 0 else ""
    first = (result.page - 1) * result.page_size + 1
    shown = f"{first}–{first + len(result.rows) - 1}"
    head = [
        t("table.pseudo", lang),
        t("table.site", lang),
        t("table.age_band", lang),
        t("table.sex", lang),
        t("table.vital", lang),
        t("table.facts", lang),
        t("table.snippet", lang),
    ]
    lines = [
        f"### {t('table.title', lang, shown=shown, total=result.count)}",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    for r in result.rows:
        facts = "; ".join(cell(f.label) for f in r.facts if f.label) or "—"
        snippets = " … ".join(cell(_highlight(f.snippet)) for f in r.facts if f.snippet) or "—"
        vital = t(f"vital.{r.vital_status}", lang) if r.vital_status else "—"
        sex = t(f"sex.{r.sex}", lang) if r.sex in ("F", "M") else cell(r.sex)
        cells = [f"`{cell(r.pseudo_id)}`", cell(r.site) or "—", cell(r.age_band), sex, vital, facts, snippets]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def llm_note(u: Understanding, lang: str) -> str:
    """What came of the LLM's reading of the words the terminology left over, in one sentence."""
    words = ", ".join(f"« {safe(w)} »" if lang == "fr" else f"“{safe(w)}”" for w in u.llm_words)
    if u.llm == "pending":
        return f"_{t('llm.pending', lang, words=words)}_"
    if u.llm == "added":
        return f"**{t('llm.added', lang, what=safe('; '.join(u.llm_added)), seconds=u.llm_seconds)}**"
    if u.llm == "timeout":
        return f"_{t('llm.timeout', lang, words=words, seconds=u.llm_seconds)}_"
    if u.llm == "error":
        return f"_{t('llm.error', lang, words=words)}_"
    return f"_{t('llm.unchanged', lang, words=words, seconds=u.llm_seconds)}_"


def turn(result: TurnResult) -> str:
    """The whole answer to one question: criteria card, counts, first patients."""
    parts = [criteria_card(result), counts(result), patient_table(result)]
    return "\n\n".join(p for p in parts if p)


def sql_block(sql: str, params: dict, dialect: str, lang: str) -> str:
    lines = [f"### {t('sql.title', lang, dialect=dialect)}", "", "```sql", sql.strip(), "```"]
    if params:
        lines += ["", f"**{t('sql.params', lang)}**", "", "```json"]
        lines.append(json.dumps(params, ensure_ascii=False, indent=1, default=str))
        lines.append("```")
    return "\n".join(lines)


def compact_block(compact: str | None, criteria_json: str) -> str:
    body = compact if compact else criteria_json
    return f"```\n{body}\n```"


def saved_queries(items: Iterable[SavedQuery], lang: str) -> str:
    items = list(items)
    if not items:
        return t("query.list.empty", lang)
    lines = [f"### {t('query.list.title', lang)}", ""]
    lines += [
        f"- {safe(t('query.list.row', lang, id=q.id, name=q.name, owner=q.owner, created=q.created_at[:10]))}"
        for q in items
    ]
    return "\n".join(lines)


def cohorts(items: Iterable[SavedCohort], lang: str) -> str:
    items = list(items)
    if not items:
        return t("cohort.list.empty", lang)
    lines = [f"### {t('cohort.list.title', lang)}", ""]
    lines += [f"- {safe(t('cohort.list.row', lang, id=c.id, name=c.name, size=c.size))}" for c in items]
    return "\n".join(lines)


def requests_list(items: Iterable[ReferentRequest], lang: str, *, mine: bool) -> str:
    items = list(items)
    title = t("request.mine.title" if mine else "request.list.title", lang)
    if not items:
        return t("request.mine.empty" if mine else "request.list.empty", lang)
    lines = [f"### {title}", ""]
    for r in items:
        if r.status == "answered":
            row = t(
                "request.answer_row",
                lang,
                id=r.id,
                status=t("request.status.answered", lang),
                question=r.question or "",
                query_id=r.saved_query_id,
                answered_by=r.answered_by or "",
                comment=r.answer_comment or "",
            )
        else:
            row = t(
                "request.row",
                lang,
                id=r.id,
                from_user=r.from_user,
                question=r.question or "",
                comment=r.comment or "",
            )
            if mine:
                row += f" · {t('request.status.pending', lang)}"
        lines.append(f"- {safe(row)}")
    return "\n".join(lines)


def similar(result: SimilarResult, lang: str) -> str:
    source = t("similar.case", lang) if result.source == "case" else f"`{result.source}`"
    lines = [f"### {t('similar.title', lang, source=source)}", ""]
    if result.facts:
        lines += [safe(t("similar.facts", lang, facts="; ".join(result.facts[:12]))), ""]
    if not result.rows:
        return lines[0] + "\n\n" + t("table.empty", lang)
    head = [
        t("table.pseudo", lang),
        t("similar.score", lang),
        t("table.age_band", lang),
        t("table.sex", lang),
        t("similar.shared", lang),
        t("similar.differs", lang),
    ]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in result.rows:
        sex = t(f"sex.{r.sex}", lang) if r.sex in ("F", "M") else cell(r.sex)
        lines.append(
            f"| `{cell(r.pseudo_id)}` | {r.score:.2f} | {cell(r.age_band)} | {sex} | "
            f"{cell('; '.join(r.shared)) or '—'} | {cell('; '.join(r.differences)) or '—'} |"
        )
    info = result.index
    if info:
        lines += ["", "_" + safe(t("similar.index", lang, kind=info.get("kind"), size=info.get("size"),
                                   model=info.get("text_model"), summary=info.get("summary"),
                                   weight=float(info.get("structured_weight") or 0))) + "_"]
    return "\n".join(lines)
