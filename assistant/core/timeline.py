"""A patient's course as one picture: diagnoses, treatment bars by line, events as markers.

The x axis is years since the first diagnosis, not calendar dates: the picture is shown for a
pseudonymous patient and exact dates are identifying, while intervals are what a clinician reads
("metastasis 3 years after diagnosis, second line 6 months later"). Labels are clinical
vocabulary only (site codes, treatment classes and drug names, event types), never report text.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from assistant.i18n import t
from retrieval.vocab import EVENT_TYPES, METASTASIS_SITES, TREATMENT_CLASSES, label

_CLASS_COLOURS = {
    "surgery": "#6b7280",
    "chemotherapy": "#2563eb",
    "radiotherapy": "#f59e0b",
    "hormone_therapy": "#db2777",
    "targeted_therapy": "#16a34a",
    "immunotherapy": "#7c3aed",
    "cell_therapy": "#dc2626",
}
_EVENT_MARKERS = {
    "local_recurrence": ("o", "#ea580c"),
    "metastasis": ("X", "#b91c1c"),
    "progression": ("v", "#9333ea"),
    "relapse": ("s", "#c2410c"),
    "second_primary": ("D", "#0f766e"),
}


def _d(value: Any) -> date | None:
    if not value:
        return None
    return date.fromisoformat(str(value)[:10])


def _years(origin: date, value: date) -> float:
    return (value - origin).days / 365.25


def _lane(tr: dict[str, Any]) -> tuple[int, Any]:
    """Systemic lines first (line 1, 2...), then treatments without a line (surgery, radiotherapy)."""
    return (0, int(tr["line"])) if tr.get("line") else (1, tr["class"])


def _lane_name(tr: dict[str, Any], lang: str) -> str:
    if tr.get("line"):
        return t("timeline.line", lang, n=tr["line"])
    name = label(TREATMENT_CLASSES, tr["class"], lang)
    return name[:1].upper() + name[1:]


def render_timeline(course: dict[str, Any], *, title: str, lang: str = "fr") -> bytes:
    """PNG bytes of the course (matplotlib, Agg backend, no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tumours, treatments, events = course["tumours"], course["treatments"], course["events"]
    patient = course["patient"]
    dated = [_d(r["diagnosis_date"]) for r in tumours] + [_d(r["start_date"]) for r in treatments]
    dated += [_d(r["date"]) for r in events]
    dated = [d for d in dated if d]
    origin = min(dated) if dated else date.today()
    end_candidates = [d for d in dated] + [_d(r.get("end_date")) for r in treatments]
    end_candidates += [_d(patient.get("death_date")), _d(patient.get("last_news_date"))]
    end = max([d for d in end_candidates if d] or [origin])

    # One row per diagnosis, per treatment line (or class when no line), and one for events.
    rows: list[str] = []
    diag_row = t("timeline.diagnosis", lang)
    rows.append(diag_row)
    lanes: dict[tuple[int, Any], str] = {}
    for tr in treatments:
        lanes.setdefault(_lane(tr), _lane_name(tr, lang))
    lane_names = [lanes[k] for k in sorted(lanes, key=lambda k: (k[0], str(k[1]).zfill(3)))]
    rows.extend(lane_names)
    event_row = t("timeline.events", lang)
    rows.append(event_row)
    y = {name: len(rows) - 1 - i for i, name in enumerate(rows)}

    height = 1.2 + 0.55 * len(rows)
    fig, ax = plt.subplots(figsize=(9, max(2.6, height)), dpi=110)
    for tu in tumours:
        x = _years(origin, _d(tu["diagnosis_date"]))
        ax.scatter([x], [y[diag_row]], marker="*", s=220, color="#111827", zorder=3)
        text = tu["icd10"] + (f" {tu['stage']}" if tu.get("stage") else "")
        ax.annotate(text, (x, y[diag_row]), xytext=(6, 6), textcoords="offset points", fontsize=8)
    seen_classes: set[str] = set()
    labels: dict[tuple[str, date], list[str]] = {}  # drugs started together: one label "a + b"
    for tr in treatments:
        start = _d(tr["start_date"])
        stop = _d(tr.get("end_date")) or end
        key = _lane_name(tr, lang)
        x0, x1 = _years(origin, start), _years(origin, stop)
        width = max(x1 - x0, 0.04)
        colour = _CLASS_COLOURS.get(tr["class"], "#374151")
        legend = label(TREATMENT_CLASSES, tr["class"], lang) if tr["class"] not in seen_classes else None
        seen_classes.add(tr["class"])
        ax.barh(y[key], width, left=x0, height=0.5, color=colour, alpha=0.85, label=legend)
        if tr.get("name"):
            names = labels.setdefault((key, start), [])
            if tr["name"] not in names:
                names.append(tr["name"].replace("_", " "))
    for i, ((key, start), names) in enumerate(sorted(labels.items(), key=lambda kv: kv[0][1])):
        ax.annotate(
            " + ".join(names),
            (_years(origin, start), y[key]),
            xytext=(2, 9 if i % 2 == 0 else -15),
            textcoords="offset points",
            fontsize=7,
        )
    for i, ev in enumerate(events):
        x = _years(origin, _d(ev["date"]))
        marker, colour = _EVENT_MARKERS.get(ev["type"], ("o", "#111827"))
        ax.scatter([x], [y[event_row]], marker=marker, s=80, color=colour, zorder=3)
        text = label(EVENT_TYPES, ev["type"], lang)
        if ev.get("site"):
            text += f" ({label(METASTASIS_SITES, ev['site'], lang)})"
        # alternate above/below so that events close in time stay readable
        ax.annotate(
            text,
            (x, y[event_row]),
            xytext=(4, 8 if i % 2 == 0 else -16),
            textcoords="offset points",
            fontsize=7,
            rotation=15,
        )
    death = _d(patient.get("death_date"))
    if death:
        ax.axvline(_years(origin, death), color="#111827", linestyle="--", linewidth=1)
        ax.annotate(t("timeline.death", lang), (_years(origin, death), len(rows) - 0.6), fontsize=8)
    else:
        news = _d(patient.get("last_news_date"))
        if news:
            ax.axvline(_years(origin, news), color="#9ca3af", linestyle=":", linewidth=1)
            ax.annotate(
                t("timeline.last_news", lang),
                (_years(origin, news), len(rows) - 0.6),
                fontsize=7,
                color="#6b7280",
            )
    ax.set_yticks([y[r] for r in rows], rows)
    ax.set_ylim(-0.8, len(rows) - 0.2)
    span = max(_years(origin, end), 1.0)
    ax.set_xlim(-0.05 * span, span * 1.12)
    ax.set_xlabel(t("timeline.years", lang))
    ax.set_title(title, fontsize=11)
    ax.grid(axis="x", alpha=0.3)
    if seen_classes:
        ax.legend(
            loc="upper center",
            bbox_to_anchor=(0.5, -0.18 if len(rows) > 3 else -0.28),
            ncol=4,
            fontsize=7,
            frameon=False,
        )
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()
