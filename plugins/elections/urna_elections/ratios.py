"""Control ratios: small linear (in)equalities over protocol lines, parsed without ``eval``.

A ratio is written the way election law prints it, with line numbers in
braces and ``candidates`` for the sum of the votes for every candidate::

    {2} = {3} + {4} + {5} + {6} + {17} - {18}
    {7} + {8} = {9} + {10}
    {1} >= {3} + {4} + {5}
    {10} = candidates

The grammar is ``side OP side`` with ``OP`` one of ``= == >= <= > <`` and a
side a sum of terms ``[INT *] {line} | INT | candidates``. It is parsed by a
tokenizer and a tiny recursive-descent parser into a linear form (a
coefficient per line and a constant), so evaluating a ratio is a handful of
integer multiply-adds: nothing from the profile file ever reaches Python's
evaluator. Pure code: the verifier evaluates the same ratios from the record.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import attrs

CANDIDATES = "candidates"
LINE_ID = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,31}$")
MAX_EXPRESSION = 400
_TOKEN = re.compile(
    r"\s*(?:(?P<line>\{[0-9A-Za-z][0-9A-Za-z._-]{0,31}\})|(?P<int>[0-9]{1,9})"
    r"|(?P<word>[a-z]+)|(?P<op>>=|<=|==|=|>|<)|(?P<sign>[+-])|(?P<times>\*))"
)
_OPERATORS = {"=": "=", "==": "=", ">=": ">=", "<=": "<=", ">": ">", "<": "<"}


class RatioSyntaxError(ValueError):
    """A ratio expression does not parse; the message says where."""


@attrs.frozen(slots=True)
class Linear:
    """``sum(coefficient * line) + constant``; the key ``candidates`` stands for the vote sum."""

    terms: tuple[tuple[str, int], ...]
    constant: int

    def value(self, lines: Mapping[str, int], candidates: int) -> int:
        total = self.constant
        for line, coefficient in self.terms:
            total += coefficient * (candidates if line == CANDIDATES else lines[line])
        return total

    @property
    def lines(self) -> frozenset[str]:
        return frozenset(line for line, _ in self.terms if line != CANDIDATES)


@attrs.frozen(slots=True)
class Ratio:
    """A named control ratio of a profile: ``left OP right``."""

    id: str
    expression: str
    left: Linear
    operator: str
    right: Linear
    derived: bool = False
    note: str = ""

    def holds(self, lines: Mapping[str, int], candidates: int) -> tuple[bool, int, int]:
        """Whether it holds, with the values of its two sides."""
        left = self.left.value(lines, candidates)
        right = self.right.value(lines, candidates)
        if self.operator == "=":
            return left == right, left, right
        if self.operator == ">=":
            return left >= right, left, right
        if self.operator == "<=":
            return left <= right, left, right
        if self.operator == ">":
            return left > right, left, right
        return left < right, left, right

    def describe_failure(self, left: int, right: int) -> str:
        return (
            f"control ratio {self.id} fails: {self.expression} "
            f"(left {left}, right {right}, differs by {left - right})"
        )

    @property
    def lines(self) -> frozenset[str]:
        return self.left.lines | self.right.lines


def parse_ratio(
    ratio_id: str,
    expression: str,
    known_lines: frozenset[str],
    *,
    derived: bool = False,
    note: str = "",
) -> Ratio:
    """Parse ``expression``; every line it names must be one of ``known_lines``."""
    reader = _Reader(f"ratio {ratio_id}", expression, known_lines)
    left = reader.side()
    if reader.at_end() or reader.tokens[reader.position][0] != "op":
        raise RatioSyntaxError(f"ratio {ratio_id}: needs one of = >= <= > <")
    operator = _OPERATORS[reader.tokens[reader.position][1]]
    reader.position += 1
    right = reader.side()
    if not reader.at_end():
        raise RatioSyntaxError(f"ratio {ratio_id}: only one comparison is allowed")
    return Ratio(ratio_id, expression, left, operator, right, derived, note)


def parse_sum(what: str, expression: str, known_lines: frozenset[str]) -> Linear:
    """Parse one side alone (``{9} + {10}``, ``candidates``): a profile's share base."""
    reader = _Reader(what, expression, known_lines)
    total = reader.side()
    if not reader.at_end():
        raise RatioSyntaxError(f"{what}: a sum of lines, with no comparison")
    return total


class _Reader:
    """Tokens of one expression and where the parser is among them."""

    def __init__(self, name: str, expression: str, known_lines: frozenset[str]) -> None:
        if not isinstance(expression, str) or not 0 < len(expression) <= MAX_EXPRESSION:
            raise RatioSyntaxError(f"{name}: expression must be 1..{MAX_EXPRESSION} characters")
        self.name = name
        self.known_lines = known_lines
        self.tokens = _tokenize(name, expression)
        self.position = 0

    def at_end(self) -> bool:
        return self.position >= len(self.tokens)

    def side(self) -> Linear:
        name, tokens = self.name, self.tokens
        coefficients: dict[str, int] = {}
        constant = 0
        sign = 1
        expect_term = True
        while self.position < len(tokens):
            kind, text = tokens[self.position]
            if kind == "op":
                break
            if expect_term and kind == "sign":
                sign = -sign if text == "-" else sign
                self.position += 1
                continue
            if not expect_term:
                if kind != "sign":
                    raise RatioSyntaxError(f"{name}: expected + or - before {text!r}")
                sign = -1 if text == "-" else 1
                expect_term = True
                self.position += 1
                continue
            factor = 1
            if (
                kind == "int"
                and self.position + 1 < len(tokens)
                and tokens[self.position + 1][0] == "times"
            ):
                factor = int(text)
                self.position += 2
                if self.position >= len(tokens):
                    raise RatioSyntaxError(f"{name}: '*' must be followed by a line")
                kind, text = tokens[self.position]
                if kind not in ("line", "word"):
                    raise RatioSyntaxError(f"{name}: '*' must be followed by a line")
            if kind == "int":
                constant += sign * int(text)
            elif kind == "line":
                line = text[1:-1]
                if line not in self.known_lines:
                    raise RatioSyntaxError(f"{name}: unknown line {{{line}}}")
                coefficients[line] = coefficients.get(line, 0) + sign * factor
            elif kind == "word" and text == CANDIDATES:
                coefficients[CANDIDATES] = coefficients.get(CANDIDATES, 0) + sign * factor
            else:
                raise RatioSyntaxError(f"{name}: unexpected {text!r}")
            sign = 1
            expect_term = False
            self.position += 1
        if expect_term:
            raise RatioSyntaxError(f"{name}: a side ends without a term")
        terms = tuple(sorted((k, v) for k, v in coefficients.items() if v != 0))
        return Linear(terms, constant)


def _tokenize(name: str, expression: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    stripped = expression.rstrip()
    while position < len(stripped):
        match = _TOKEN.match(stripped, position)
        if match is None or match.end() == position:
            raise RatioSyntaxError(
                f"{name}: cannot read {stripped[position : position + 12]!r} "
                f"at character {position + 1}"
            )
        kind = match.lastgroup
        assert kind is not None
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


def failed_ratios(
    ratios: tuple[Ratio, ...], lines: Mapping[str, int], candidates: int
) -> list[str]:
    """A message for every ratio that fails, in profile order (empty when all hold)."""
    messages = []
    for ratio in ratios:
        ok, left, right = ratio.holds(lines, candidates)
        if not ok:
            messages.append(ratio.describe_failure(left, right))
    return messages
