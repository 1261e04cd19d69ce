"""A deliberately small SOQL subset:

    SELECT f1, f2 | COUNT() FROM Object
      [WHERE f op value [AND f op value ...]]      op: = != <> < <= > >= IN (..) NOT IN (..) LIKE
      [ORDER BY f [ASC|DESC]] [LIMIT n]

Anything else raises :class:`SoqlError` (the mock answers 400 MALFORMED_QUERY).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


class SoqlError(ValueError):
    pass


TOKEN = re.compile(
    r"""\s*(?:
        (?P<str>'(?:[^'\\]|\\.)*')
      | (?P<date>\d{4}-\d{2}-\d{2}(?:T[\d:.]+(?:Z|[+-]\d{2}:\d{2})?)?)
      | (?P<num>-?\d+(?:\.\d+)?)
      | (?P<op><=|>=|!=|<>|=|<|>)
      | (?P<punct>[(),])
      | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)


@dataclass
class Condition:
    field: str
    op: str
    value: Any


@dataclass
class Query:
    fields: list[str]
    obj: str
    count_only: bool = False
    where: list[Condition] = field(default_factory=list)
    order_by: str | None = None
    descending: bool = False
    limit: int | None = None


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise SoqlError(f"unexpected token at: {text[pos:pos + 20]!r}")
        kind = m.lastgroup
        out.append((kind, m.group(kind)))
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


class _Parser:
    def __init__(self, text: str):
        self.toks = _tokens(text)
        self.i = 0

    def peek(self, k: int = 0) -> tuple[str, str] | None:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def keyword(self, word: str) -> bool:
        tok = self.peek()
        if tok and tok[0] == "ident" and tok[1].upper() == word:
            self.i += 1
            return True
        return False

    def expect_keyword(self, word: str) -> None:
        if not self.keyword(word):
            raise SoqlError(f"expected {word}")

    def take(self, kind: str, value: str | None = None) -> str:
        tok = self.peek()
        if not tok or tok[0] != kind or (value is not None and tok[1] != value):
            raise SoqlError(f"expected {value or kind}, found {tok[1] if tok else 'end of query'}")
        self.i += 1
        return tok[1]

    def value(self) -> Any:
        tok = self.peek()
        if tok is None:
            raise SoqlError("expected a value")
        kind, text = tok
        self.i += 1
        if kind == "str":
            return re.sub(r"\\(.)", r"\1", text[1:-1])
        if kind == "num":
            return float(text) if "." in text else int(text)
        if kind == "date":
            return text
        if kind == "ident" and text.lower() in ("null", "true", "false"):
            return {"null": None, "true": True, "false": False}[text.lower()]
        raise SoqlError(f"unsupported value {text!r}")

    def parse(self) -> Query:
        self.expect_keyword("SELECT")
        fields: list[str] = []
        count_only = False
        tok = self.peek()
        if tok and tok[0] == "ident" and tok[1].upper() == "COUNT" and self.peek(1) == ("punct", "("):
            self.i += 1
            self.take("punct", "(")
            self.take("punct", ")")
            count_only = True
        else:
            while True:
                fields.append(self.take("ident"))
                if self.peek() == ("punct", ","):
                    self.i += 1
                    continue
                break
        self.expect_keyword("FROM")
        query = Query(fields=fields, obj=self.take("ident"), count_only=count_only)
        if self.keyword("WHERE"):
            while True:
                query.where.append(self.condition())
                if self.keyword("AND"):
                    continue
                break
        if self.keyword("ORDER"):
            self.expect_keyword("BY")
            query.order_by = self.take("ident")
            if self.keyword("DESC"):
                query.descending = True
            else:
                self.keyword("ASC")
        if self.keyword("LIMIT"):
            query.limit = int(self.take("num"))
        if self.peek() is not None:
            raise SoqlError(f"unexpected token {self.peek()[1]!r}")
        return query

    def condition(self) -> Condition:
        name = self.take("ident")
        negate = self.keyword("NOT")
        if self.keyword("IN"):
            self.take("punct", "(")
            values = [self.value()]
            while self.peek() == ("punct", ","):
                self.i += 1
                values.append(self.value())
            self.take("punct", ")")
            return Condition(name, "NOT IN" if negate else "IN", values)
        if negate:
            raise SoqlError("NOT is only supported as NOT IN")
        if self.keyword("LIKE"):
            return Condition(name, "LIKE", self.value())
        op = self.take("op")
        return Condition(name, "!=" if op == "<>" else op, self.value())


def parse(text: str) -> Query:
    return _Parser(text).parse()


def lookup(record: dict, name: str) -> Any:
    if name in record:
        return record[name]
    lowered = name.lower()
    for key, value in record.items():
        if key.lower() == lowered:
            return value
    return None


def canonical(records: list[dict], name: str) -> str:
    lowered = name.lower()
    for record in records:
        for key in record:
            if key.lower() == lowered:
                return key
    return name


def _compare(left: Any, op: str, right: Any) -> bool:
    if op == "=":
        return _eq(left, right)
    if op == "!=":
        return not _eq(left, right)
    if op == "IN":
        return any(_eq(left, r) for r in right)
    if op == "NOT IN":
        return not any(_eq(left, r) for r in right)
    if op == "LIKE":
        if left is None:
            return False
        pattern = "^" + re.escape(str(right)).replace("%", ".*").replace("_", ".") + "$"
        return re.match(pattern, str(left), re.IGNORECASE | re.DOTALL) is not None
    if left is None or right is None:
        return False
    try:
        left_v, right_v = (float(left), float(right)) if isinstance(right, (int, float)) else (str(left), str(right))
    except (TypeError, ValueError):
        return False
    return {"<": left_v < right_v, "<=": left_v <= right_v, ">": left_v > right_v, ">=": left_v >= right_v}[op]


def _eq(left: Any, right: Any) -> bool:
    if left is None or right is None:
        return left is None and right is None
    if isinstance(right, bool) or isinstance(left, bool):
        return str(left).lower() == str(right).lower()
    if isinstance(right, (int, float)):
        try:
            return float(left) == float(right)
        except (TypeError, ValueError):
            return False
    return str(left) == str(right)


def run(query: Query, records: list[dict]) -> list[dict]:
    """Filter, order and limit stored records (all fields kept; projection happens later)."""
    out = [r for r in records if all(_compare(lookup(r, c.field), c.op, c.value) for c in query.where)]
    if query.order_by:
        key = query.order_by

        def sort_key(r: dict):
            v = lookup(r, key)
            return (v is None, v if isinstance(v, (int, float)) else str(v) if v is not None else "")

        out.sort(key=sort_key, reverse=query.descending)
    if query.limit is not None:
        out = out[: query.limit]
    return out
