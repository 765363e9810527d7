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
    if not isinstance(expression, str) or not 0 < len(expression) <= MAX_EXPRESSION:
        raise RatioSyntaxError(
            f"ratio {ratio_id}: expression must be 1..{MAX_EXPRESSION} characters"
        )
    tokens = _tokenize(ratio_id, expression)
    position = 0

    def side() -> Linear:
        nonlocal position
        coefficients: dict[str, int] = {}
        constant = 0
        sign = 1
        expect_term = True
        while position < len(tokens):
            kind, text = tokens[position]
            if kind == "op":
                break
            if expect_term and kind == "sign":
                sign = -sign if text == "-" else sign
                position += 1
                continue
            if not expect_term:
                if kind != "sign":
                    raise RatioSyntaxError(f"ratio {ratio_id}: expected + or - before {text!r}")
                sign = -1 if text == "-" else 1
                expect_term = True
                position += 1
                continue
            factor = 1
            if kind == "int" and position + 1 < len(tokens) and tokens[position + 1][0] == "times":
                factor = int(text)
                position += 2
                if position >= len(tokens):
                    raise RatioSyntaxError(f"ratio {ratio_id}: '*' must be followed by a line")
                kind, text = tokens[position]
                if kind not in ("line", "word"):
                    raise RatioSyntaxError(f"ratio {ratio_id}: '*' must be followed by a line")
            if kind == "int":
                constant += sign * int(text)
            elif kind == "line":
                name = text[1:-1]
                if name not in known_lines:
                    raise RatioSyntaxError(f"ratio {ratio_id}: unknown line {{{name}}}")
                coefficients[name] = coefficients.get(name, 0) + sign * factor
            elif kind == "word" and text == CANDIDATES:
                coefficients[CANDIDATES] = coefficients.get(CANDIDATES, 0) + sign * factor
            else:
                raise RatioSyntaxError(f"ratio {ratio_id}: unexpected {text!r}")
            sign = 1
            expect_term = False
            position += 1
        if expect_term:
            raise RatioSyntaxError(f"ratio {ratio_id}: a side ends without a term")
        terms = tuple(sorted((k, v) for k, v in coefficients.items() if v != 0))
        return Linear(terms, constant)

    left = side()
    if position >= len(tokens) or tokens[position][0] != "op":
        raise RatioSyntaxError(f"ratio {ratio_id}: needs one of = >= <= > <")
    operator = _OPERATORS[tokens[position][1]]
    position += 1
    right = side()
    if position != len(tokens):
        raise RatioSyntaxError(f"ratio {ratio_id}: only one comparison is allowed")
    return Ratio(ratio_id, expression, left, operator, right, derived, note)


def _tokenize(ratio_id: str, expression: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    stripped = expression.rstrip()
    while position < len(stripped):
        match = _TOKEN.match(stripped, position)
        if match is None or match.end() == position:
            raise RatioSyntaxError(
                f"ratio {ratio_id}: cannot read {stripped[position : position + 12]!r} "
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
