"""OQL: escaping values for the client, and a parser of the subset the sandbox answers.

Subset: ``SELECT Class [AS a] [JOIN Class2 AS b ON a.ext_id = b.id]* [WHERE cond]`` where
``cond`` combines with AND / OR / parentheses comparisons (``= != <> >= <= > <``),
``[NOT] IN (...)`` and ``[NOT] LIKE``.
"""

import re
from dataclasses import dataclass, field


def quote(value: object) -> str:
    """An OQL literal: numbers as they are, text quoted with quotes and backslashes escaped."""
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, int | float):
        return str(value)
    text = str(value).replace("\\", "\\\\").replace("'", "\\'")
    return f"'{text}'"


class OqlSyntaxError(ValueError):
    """The query is not in the supported OQL subset."""

    def __init__(
        self, query: str, token: str | None, position: int, kind: str | None = None
    ) -> None:
        self.query = query
        self.token = token
        self.position = position
        if token is None:
            text = f"Unexpected token End of Input - found '0' at 0 in '{query}'"
        else:
            # iTop's lexer calls an identifier NAME (file 95: "Unexpected token NAME")
            name = "NAME" if kind == "id" else token
            text = f"Unexpected token {name} - found '{token}' at {position} in '{query}'"
        super().__init__(text)


@dataclass(frozen=True)
class FieldRef:
    """An attribute, with the alias it belongs to and where it stood in the query."""

    alias: str | None
    name: str
    position: int


@dataclass
class Join:
    """``JOIN cls AS alias ON left.left_field = alias.right_field``."""

    cls: str
    alias: str
    left: FieldRef
    right: FieldRef


@dataclass
class Query:
    """A parsed SELECT."""

    cls: str
    alias: str
    joins: list[Join] = field(default_factory=list)
    where: tuple | None = None  # ("and"|"or", [..]) ("cmp", f, op, v) ("in"|"like", f, v, neg)


_TOKEN = re.compile(
    r"""\s*(?:(?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")|(?P<num>-?\d+(?:\.\d+)?)"""
    r"""|(?P<id>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)"""
    r"""|(?P<op>!=|<>|>=|<=|=|>|<|\(|\)|,))""",
    re.S,
)
_KEYWORDS = {"SELECT", "AS", "JOIN", "ON", "WHERE", "AND", "OR", "IN", "NOT", "LIKE"}
_COMPARE = {"=", "!=", "<>", ">=", "<=", ">", "<"}


def _tokenize(query: str) -> list[tuple[str, str, int]]:
    """(kind, text, position) triples; kind is str, num, id, kw or op."""
    tokens, pos = [], 0
    while pos < len(query):
        if query[pos:].strip() == "":
            break
        match = _TOKEN.match(query, pos)
        if not match or match.end() == pos:
            start = len(query) - len(query[pos:].lstrip())
            raise OqlSyntaxError(query, query[start], start)
        kind = match.lastgroup
        text = match.group(kind)
        start = match.start(kind)
        if kind == "str":
            text = re.sub(r"\\(.)", r"\1", text[1:-1], flags=re.S)
        elif kind == "id" and text.upper() in _KEYWORDS:
            kind, text = "kw", text.upper()
        tokens.append((kind, text, start))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, query: str) -> None:
        self.query = query
        self.tokens = _tokenize(query)
        self.i = 0

    def peek(self, kind: str, text: str | None = None) -> bool:
        if self.i >= len(self.tokens):
            return False
        tkind, ttext, _ = self.tokens[self.i]
        return tkind == kind and (text is None or ttext == text)

    def take(self, kind: str, text: str | None = None) -> tuple[str, str, int]:
        if not self.peek(kind, text):
            if self.i >= len(self.tokens):
                raise OqlSyntaxError(self.query, None, 0)
            tkind, ttext, pos = self.tokens[self.i]
            raise OqlSyntaxError(self.query, ttext, pos, tkind)
        token = self.tokens[self.i]
        self.i += 1
        return token

    def query_(self) -> Query:
        self.take("kw", "SELECT")
        cls = self.take("id")[1]
        alias = self.take("id")[1] if self._alias() else cls
        result = Query(cls=cls, alias=alias)
        while self.peek("kw", "JOIN"):
            self.take("kw", "JOIN")
            jcls = self.take("id")[1]
            jalias = self.take("id")[1] if self._alias() else jcls
            self.take("kw", "ON")
            left = self.field()
            self.take("op", "=")
            result.joins.append(Join(jcls, jalias, left, self.field()))
        if self.peek("kw", "WHERE"):
            self.take("kw", "WHERE")
            result.where = self.or_()
        if self.i < len(self.tokens):  # e.g. ORDER BY, which OQL does not have (file 95)
            kind, text, pos = self.tokens[self.i]
            raise OqlSyntaxError(self.query, text, pos, kind)
        return result

    def _alias(self) -> bool:
        if self.peek("kw", "AS"):
            self.take("kw", "AS")
            return True
        return False

    def or_(self) -> tuple:
        items = [self.and_()]
        while self.peek("kw", "OR"):
            self.take("kw", "OR")
            items.append(self.and_())
        return items[0] if len(items) == 1 else ("or", items)

    def and_(self) -> tuple:
        items = [self.cond()]
        while self.peek("kw", "AND"):
            self.take("kw", "AND")
            items.append(self.cond())
        return items[0] if len(items) == 1 else ("and", items)

    def cond(self) -> tuple:
        if self.peek("op", "("):
            self.take("op", "(")
            inner = self.or_()
            self.take("op", ")")
            return inner
        ref = self.field()
        negate = self.peek("kw", "NOT")
        if negate:
            self.take("kw", "NOT")
        if self.peek("kw", "IN"):
            self.take("kw", "IN")
            self.take("op", "(")
            values = [self.value()]
            while self.peek("op", ","):
                self.take("op", ",")
                values.append(self.value())
            self.take("op", ")")
            return ("in", ref, values, negate)
        if negate or self.peek("kw", "LIKE"):
            self.take("kw", "LIKE")
            return ("like", ref, self.value(), negate)
        op = self.take("op")
        if op[1] not in _COMPARE:
            raise OqlSyntaxError(self.query, op[1], op[2])
        return ("cmp", ref, "!=" if op[1] == "<>" else op[1], self.value())

    def field(self) -> FieldRef:
        _, text, pos = self.take("id")
        alias, _, name = text.rpartition(".")
        return FieldRef(alias or None, name, pos + (len(alias) + 1 if alias else 0))

    def value(self) -> str:
        for kind in ("str", "num"):
            if self.peek(kind):
                return self.take(kind)[1]
        return self.take("str")[1]


def parse(query: str) -> Query:
    """Parse an OQL SELECT of the supported subset; raises ``OqlSyntaxError``."""
    return _Parser(query).query_()
