"""The compact text form of Criteria: what a referent reads and edits, and parses back exactly.

    ALL(sex=F; tumour(site=C50, metastatic=yes, age=50..50); NOT text("pas de"))

Grammar (whitespace and ``# comments`` are free; ``from_compact(to_compact(c)) == c``):

- ``ALL(a; b; ...)``, ``ANY(a; b; ...)``, ``NOT a``; a time relation is
  ``SEQ(first=<atom>, then=<atom>, relation=after|before|within, months=6..24)``;
- an atom is ``kind(field=value, ...)`` with the field names of the JSON model, except that a pair
  of bounds is one field holding a range ``lo..hi`` (``lo..`` / ``..hi`` for an open side):
  ``age(years=..)``, ``survival(months=..)``, ``tumour(age=.., diagnosed=..)``,
  ``event(dates=..)``, ``treatment(line=.., started=..)``, ``treatment_lines(count=..)``,
  ``stay_diagnosis(dates=..)``, ``text(dates=..)``;
- shorthands: ``sex=F``, ``vital_status=alive``, ``centre=C1``; text terms are positional:
  ``text("ovocytes congelés", "cryopréservation ov*", include=negated)``; a biomarker value is
  compared in place: ``biomarker(marker=PD-L1, value>=50)``;
- a value is a bare word (letters, digits and ``_ - / + .``, e.g. ``C50.4``, ``8500/3``,
  ``2011-01-01``), a ``"quoted string"`` (``\\"`` and ``\\\\`` escape a quote and a backslash),
  ``yes`` / ``no``, or a list ``[a, b]`` (one item may be written without brackets).

Errors name the line and column and show the place with a caret.
"""

from __future__ import annotations

import re
import typing
from dataclasses import dataclass
from datetime import date
from typing import Any

from query_compiler import criteria as C

KINDS = {m.model_fields["kind"].default: m for m in C.ATOM_TYPES}
RANGES: dict[str, dict[str, tuple[str, str]]] = {
    "age": {"years": ("min", "max")},
    "survival": {"months": ("min_months", "max_months")},
    "tumour": {"age": ("age_min", "age_max"), "diagnosed": ("diagnosed_from", "diagnosed_to")},
    "event": {"dates": ("date_from", "date_to")},
    "treatment": {"line": ("line_min", "line_max"), "started": ("started_from", "started_to")},
    "treatment_lines": {"count": ("min", "max")},
    "stay_diagnosis": {"dates": ("date_from", "date_to")},
    "text": {"dates": ("date_from", "date_to")},
    "sequence": {"months": ("min_months", "max_months")},
}
SHORTHAND = {"sex": "value", "vital_status": "value", "centre": "ids"}
POSITIONAL = {"text": "terms"}
COMPARATORS = (">=", "<=", ">", "<", "=")
WIDTH = 100

_BARE = re.compile(r"-?[A-Za-z0-9_](?:[A-Za-z0-9_\-/+]|\.(?!\.))*")
_TOKEN = re.compile(
    r'(?P<ws>\s+|#[^\n]*)|(?P<str>"(?:[^"\\]|\\.)*")|(?P<range>\.\.)|(?P<op>>=|<=|[()\[\],;=<>])|'
    r"(?P<bare>-?[A-Za-z0-9_](?:[A-Za-z0-9_\-/+]|\.(?!\.))*)"
)


class CompactError(C.CriteriaError):
    """A compact text that cannot be read, with the line, column and a caret under the place."""

    def __init__(self, text: str, pos: int, message: str) -> None:
        line = text.count("\n", 0, pos) + 1
        start = text.rfind("\n", 0, pos) + 1
        end = text.find("\n", pos)
        src = text[start : end if end >= 0 else len(text)]
        col = pos - start + 1
        super().__init__(f"line {line}, column {col}: {message}\n  {src}\n  {' ' * (col - 1)}^")
        self.line, self.column = line, col


# -- writing ---------------------------------------------------------------------------------------
def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, (int, date)):
        return str(value) if isinstance(value, int) else value.isoformat()
    text = str(value)
    if _BARE.fullmatch(text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _value(value: Any) -> str:
    if isinstance(value, list):
        return _scalar(value[0]) if len(value) == 1 else "[" + ", ".join(_scalar(v) for v in value) + "]"
    return _scalar(value)


def _range(lo: Any, hi: Any) -> str:
    return f"{'' if lo is None else _scalar(lo)}..{'' if hi is None else _scalar(hi)}"


def _atom_args(node: C.Node) -> list[str]:
    kind = node.kind
    pairs = RANGES.get(kind, {})
    first_of = {lo: (name, hi) for name, (lo, hi) in pairs.items()}
    second = {hi for _, hi in pairs.values()}
    args: list[str] = []
    if kind in POSITIONAL:
        args += [_scalar(t) for t in getattr(node, POSITIONAL[kind])]
    for name in type(node).model_fields:
        if name == "kind" or name == POSITIONAL.get(kind) or name in second:
            continue
        value = getattr(node, name)
        if name in first_of:
            alias, hi = first_of[name]
            if value is not None or getattr(node, hi) is not None:
                args.append(f"{alias}={_range(value, getattr(node, hi))}")
            continue
        if kind == "biomarker" and name in ("op", "value"):
            if name == "op" and value is not None:
                args.append(f"value{value}{_scalar(node.value)}")  # type: ignore[attr-defined]
            continue
        if value is None or value == [] or (name == "at" and value == "diagnosis"):
            continue
        if kind == "sequence" and name == "relation" and value == "after":
            continue
        args.append(f"{name}={to_compact(value) if isinstance(value, C.Node) else _value(value)}")
    return args


def _one_line(node: C.Node) -> str:
    if isinstance(node, (C.All, C.AnyOf)):
        return f"{node.kind.upper()}(" + "; ".join(_one_line(i) for i in node.items) + ")"
    if isinstance(node, C.Not):
        return "NOT " + _one_line(node.item)
    if isinstance(node, C.Sequence):
        return "SEQ(" + ", ".join(_atom_args(node)) + ")"
    if node.kind in SHORTHAND:
        return f"{node.kind}={_value(getattr(node, SHORTHAND[node.kind]))}"
    return f"{node.kind}(" + ", ".join(_atom_args(node)) + ")"


def _pretty(node: C.Node, indent: int) -> str:
    line = _one_line(node)
    if len(line) + 2 * indent <= WIDTH or not isinstance(node, (C.All, C.AnyOf, C.Not)):
        return line
    pad = "  " * (indent + 1)
    if isinstance(node, C.Not):
        return "NOT " + _pretty(node.item, indent)
    inner = ";\n".join(pad + _pretty(i, indent + 1) for i in node.items)
    return f"{node.kind.upper()}(\n{inner}\n{'  ' * indent})"


def to_compact(node: C.Node, *, pretty: bool = True) -> str:
    """The compact text of a tree (indented over several lines when it is long, if ``pretty``)."""
    return _pretty(node, 0) if pretty else _one_line(node)


# -- reading ---------------------------------------------------------------------------------------
@dataclass
class Tok:
    kind: str
    text: str
    pos: int


@dataclass
class Range:
    lo: Any
    hi: Any


def _lex(text: str) -> list[Tok]:
    toks, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            if text[pos] == '"':
                raise CompactError(text, pos, "this quoted string is never closed")
            raise CompactError(
                text, pos, f"unexpected character {text[pos]!r} (quote values with spaces or accents)"
            )
        kind = m.lastgroup or ""
        if kind != "ws":
            toks.append(Tok(kind, m.group(), pos))
        pos = m.end()
    toks.append(Tok("end", "", len(text)))
    return toks


def _unquote(s: str) -> str:
    return re.sub(r"\\(.)", r"\1", s[1:-1])


def _list_fields(model: type[C.Node]) -> set[str]:
    out = set()
    for name, f in model.model_fields.items():
        ann = f.annotation
        while typing.get_origin(ann) is typing.Annotated:
            ann = typing.get_args(ann)[0]
        if typing.get_origin(ann) is list:
            out.add(name)
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _lex(text)
        self.i = 0

    def peek(self, k: int = 0) -> Tok:
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def take(self, *texts: str, kind: str | None = None) -> Tok:
        tok = self.peek()
        if (texts and tok.text not in texts) or (kind and tok.kind != kind) or tok.kind == "end" and texts:
            want = " or ".join(repr(t) for t in texts) if texts else kind
            got = "the end of the text" if tok.kind == "end" else repr(tok.text)
            raise self.error(tok, f"expected {want}, found {got}")
        self.i += 1
        return tok

    def error(self, tok: Tok, message: str) -> CompactError:
        return CompactError(self.text, tok.pos, message)

    def node(self) -> dict[str, Any]:
        tok = self.peek()
        if tok.kind != "bare":
            raise self.error(tok, "expected a criterion (ALL, ANY, NOT, SEQ or an atom such as tumour(...))")
        word = tok.text
        if word in ("ALL", "ANY"):
            self.take()
            self.take("(")
            items = [self.node()]
            while self.peek().text == ";":
                self.take()
                if self.peek().text == ")":
                    break
                items.append(self.node())
            if self.peek().text != ")":
                raise self.error(self.peek(), f"expected ';' between criteria or ')' to close {word}(")
            self.take(")")
            return {"kind": word.lower(), "items": items}
        if word == "NOT":
            self.take()
            return {"kind": "not", "item": self.node()}
        if word == "SEQ":
            self.take()
            return self.atom(tok, "sequence")
        if word in KINDS:
            self.take()
            if word in SHORTHAND and self.peek().text == "=":
                self.take()
                value = self.value()
                if SHORTHAND[word] in _list_fields(KINDS[word]) and not isinstance(value, list):
                    value = [value]
                return self.check(tok, {"kind": word, SHORTHAND[word]: value})
            return self.atom(tok, word)
        raise self.error(
            tok, f"unknown criterion {word!r}; the kinds are ALL, ANY, NOT, SEQ, {', '.join(KINDS)}"
        )

    def atom(self, start: Tok, kind: str) -> dict[str, Any]:
        model = C.Sequence if kind == "sequence" else KINDS[kind]
        lists = _list_fields(model)
        ranges = RANGES.get(kind, {})
        data: dict[str, Any] = {"kind": kind}
        self.take("(")
        while self.peek().text != ")":
            name_tok, nxt = self.peek(), self.peek(1)
            if kind == "biomarker" and name_tok.text == "value" and nxt.text in COMPARATORS:
                self.take()
                data["op"] = self.take().text
                data["value"] = self.scalar()
            elif name_tok.kind == "bare" and nxt.text == "=":
                self.take()
                self.take("=")
                self.field(data, model, name_tok.text, name_tok, lists, ranges)
            elif kind in POSITIONAL:
                data.setdefault(POSITIONAL[kind], []).append(self.scalar())
            else:
                raise self.error(name_tok, f"expected field=value in {kind}(...)")
            if self.peek().text != ",":
                break
            self.take(",")
        self.take(")")
        return self.check(start, data)

    def field(
        self,
        data: dict[str, Any],
        model: type[C.Node],
        name: str,
        tok: Tok,
        lists: set[str],
        ranges: dict[str, tuple[str, str]],
    ) -> None:
        kind = data["kind"]
        if name in ranges:
            value = self.value()
            lo, hi = ranges[name]
            data[lo], data[hi] = (value.lo, value.hi) if isinstance(value, Range) else (value, value)
            return
        if name not in model.model_fields or name == "kind" or any(name in pair for pair in ranges.values()):
            names = [
                n for n in model.model_fields if n != "kind" and not any(n in p for p in ranges.values())
            ]
            raise self.error(
                tok, f"{kind} has no field {name!r}; its fields are {', '.join([*names, *ranges])}"
            )
        if name in data:
            raise self.error(tok, f"the field {name!r} is given twice")
        if kind == "sequence" and name in ("first", "then"):
            data[name] = self.node()
            return
        value = self.value()
        if isinstance(value, Range):
            raise self.error(tok, f"{name!r} takes a value, not a range")
        data[name] = value if name not in lists or isinstance(value, list) else [value]

    def value(self) -> Any:
        tok = self.peek()
        if tok.text == "[":
            self.take()
            items = []
            while self.peek().text != "]":
                items.append(self.scalar())
                if self.peek().text != ",":
                    break
                self.take(",")
            self.take("]")
            return items
        if tok.kind == "range":
            self.take()
            return Range(None, self.scalar() if self.peek().kind in ("bare", "str") else None)
        first = self.scalar()
        if self.peek().kind == "range":
            self.take()
            return Range(first, self.scalar() if self.peek().kind in ("bare", "str") else None)
        return first

    def scalar(self) -> Any:
        tok = self.peek()
        if tok.kind == "str":
            self.take()
            return _unquote(tok.text)
        if tok.kind == "bare":
            self.take()
            return tok.text  # pydantic turns "yes", "50", "2011-01-01" into the field's type
        raise self.error(tok, 'expected a value (a word, a "quoted text" or [a list])')

    def check(self, tok: Tok, data: dict[str, Any]) -> dict[str, Any]:
        """Validate an atom where it stands, so its error points at it."""
        try:
            C.parse_criteria(data)
        except C.CriteriaError as exc:
            raise self.error(tok, str(exc).removeprefix("Invalid criteria:\n- ")) from None
        return data


def from_compact(text: str) -> C.Node:
    """Parse the compact form into a validated Criteria tree (CompactError says where it fails)."""
    if not text.strip():
        raise CompactError(text, 0, "the text is empty; write a criterion such as sex=F")
    parser = _Parser(text)
    data = parser.node()
    tail = parser.peek()
    if tail.kind != "end":
        raise parser.error(
            tail, f"unexpected {tail.text!r} after the end of the criteria (use ALL(a; b) to combine)"
        )
    return C.parse_criteria(data)
