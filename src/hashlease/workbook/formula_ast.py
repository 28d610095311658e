"""Excel formulas as syntax trees: openpyxl's tokenizer, then operator precedence.

The compiled engine (:mod:`hashlease.workbook.compiled`) reads formulas through :func:`parse`. Tokens come from
openpyxl's :class:`~openpyxl.formula.tokenizer.Tokenizer` (the maintained reader of Excel's formula grammar); this
module only orders them by Excel's operator precedence (Microsoft, "Calculation operators and precedence in
Excel"): reference operators, negation, percent, exponentiation, multiplication and division, addition and
subtraction, concatenation, comparison; binary operators associate to the left (``2^3^2`` is 64 in Excel).

Nodes are tuples:

- ``("num", float)``, ``("str", text)``, ``("bool", flag)``, ``("err", "#N/A")``, ``("missing",)`` (an omitted
  argument, ``IF(A1,,2)``);
- ``("ref", sheet_or_None, text)`` a cell or range reference as written (``$A$1:B7``, ``Sheet2!A1``);
- ``("name", name)`` a defined name;
- ``("call", NAME, (args...))`` with ``_xlfn.``/``_xlws.``/``_xldudf_`` prefixes removed and the name upper-cased;
- ``("op", symbol, left, right)``, ``("neg", operand)``, ``("pct", operand)``;
- ``("array", ((node, ...), ...))`` an array constant, rows of nodes.

Examples
--------
>>> parse("=-2^2+SUM(A1:A3,4)%")
('op', '+', ('op', '^', ('neg', ('num', 2.0)), ('num', 2.0)), ('pct', ('call', 'SUM', (('ref', None, 'A1:A3'), ('num', 4.0)))))
>>> parse("='AI Lease'!B4&\\" MW\\"")
('op', '&', ('ref', 'AI Lease', 'B4'), ('str', ' MW'))
"""

from __future__ import annotations

import re
from typing import Any

from openpyxl.formula.tokenizer import Token, Tokenizer, TokenizerError
from openpyxl.utils.cell import column_index_from_string, get_column_letter

from hashlease.models import ErrorKind, HashleaseError

__all__ = ["parse", "parse_at", "FormulaSyntaxError", "split_sheet", "function_calls"]

#: Binary operators by precedence (higher binds tighter).
_PRECEDENCE = {"=": 1, "<>": 1, "<": 1, ">": 1, "<=": 1, ">=": 1, "&": 2, "+": 3, "-": 3, "*": 4, "/": 4, "^": 5}
_PREFIXES = ("_xlfn._xlws.", "_xlfn.", "_xlws.", "_xldudf_")
_NAME = re.compile(r"^[A-Za-z_\\][A-Za-z0-9_.\\?]*$")
_CELLISH = re.compile(r"^\$?[A-Za-z]{1,3}\$?[0-9]+(:\$?[A-Za-z]{1,3}\$?[0-9]+)?$|^\$?[A-Za-z]{1,3}:\$?[A-Za-z]{1,3}$"
                      r"|^\$?[0-9]+:\$?[0-9]+$")


class FormulaSyntaxError(HashleaseError):
    """A formula the parser cannot read (a #VALUE!-kind error naming the formula)."""


def split_sheet(text: str) -> tuple[str | None, str]:
    """(sheet or None, the rest) of a reference written ``Sheet!A1`` or ``'My sheet'!A1``.

    >>> split_sheet("'AI Lease'!$B$4"), split_sheet("A1:B2")
    (('AI Lease', '$B$4'), (None, 'A1:B2'))
    """
    if "!" not in text:
        return None, text
    sheet, _, rest = text.rpartition("!")
    if sheet.startswith("'") and sheet.endswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    return sheet, rest


def _function_name(value: str) -> str:
    name = value[:-1].strip()
    for prefix in _PREFIXES:
        if name.lower().startswith(prefix.lower()):
            name = name[len(prefix):]
            break
    return name.upper()


class _Parser:
    def __init__(self, formula: str, tokens: list[Token]) -> None:
        self.formula = formula
        self.tokens = tokens
        self.i = 0

    def fail(self, why: str) -> FormulaSyntaxError:
        return FormulaSyntaxError("formula", self.formula, "a formula in Excel's grammar", detail=why,
                                  kind=ErrorKind.VALUE)

    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise self.fail("it ends too early")
        self.i += 1
        return token

    def expression(self, floor: int = 1) -> tuple:
        left = self.unary()
        while True:
            token = self.peek()
            if token is None or token.type != Token.OP_IN:
                return left
            if token.value == ":" or token.value == ",":
                raise self.fail(f"the operator {token.value!r} between expressions is not supported")
            level = _PRECEDENCE.get(token.value)
            if level is None:
                raise self.fail(f"unknown operator {token.value!r}")
            if level < floor:
                return left
            self.take()
            right = self.expression(level + 1)
            left = ("op", token.value, left, right)

    def unary(self) -> tuple:
        token = self.peek()
        if token is not None and token.type == Token.OP_PRE:
            self.take()
            operand = self.unary()
            return ("neg", operand) if token.value == "-" else operand
        return self.postfix(self.primary())

    def postfix(self, node: tuple) -> tuple:
        while (token := self.peek()) is not None and token.type == Token.OP_POST:
            self.take()
            node = ("pct", node)
        # exponentiation binds tighter than negation's operand only on its right: -2^2 = 4 in Excel
        return node

    def primary(self) -> tuple:
        token = self.take()
        if token.type == Token.OPERAND:
            return self.operand(token)
        if token.type == Token.FUNC and token.subtype == Token.OPEN:
            return self.call(_function_name(token.value))
        if token.type == Token.PAREN and token.subtype == Token.OPEN:
            node = self.expression()
            close = self.take()
            if close.type != Token.PAREN:
                raise self.fail("a parenthesis is not closed")
            return node
        if token.type == Token.ARRAY and token.subtype == Token.OPEN:
            return self.array()
        raise self.fail(f"unexpected {token.value!r}")

    def operand(self, token: Token) -> tuple:
        value, kind = token.value, token.subtype
        if kind == Token.NUMBER:
            return ("num", float(value))
        if kind == Token.TEXT:
            return ("str", value[1:-1].replace('""', '"'))
        if kind == Token.LOGICAL:
            return ("bool", value.upper() == "TRUE")
        if kind == Token.ERROR:
            return ("err", value.upper())
        sheet, rest = split_sheet(value)
        if "[" in value:
            raise self.fail(f"{value}: references to other workbooks and structured references are not supported")
        if _CELLISH.match(rest):
            return ("ref", sheet, rest)
        if sheet is None and _NAME.match(rest):
            return ("name", rest)
        if rest.upper() == "#REF!":
            return ("err", "#REF!")
        raise self.fail(f"{value} is no reference the engine can read")

    def call(self, name: str) -> tuple:
        args: list[tuple] = []
        token = self.peek()
        if token is not None and token.type == Token.FUNC and token.subtype == Token.CLOSE:
            self.take()
            return ("call", name, ())
        while True:
            token = self.peek()
            if token is not None and (token.type == Token.SEP or (token.type == Token.FUNC
                                                                  and token.subtype == Token.CLOSE)):
                args.append(("missing",))
            else:
                args.append(self.expression())
            token = self.take()
            if token.type == Token.FUNC and token.subtype == Token.CLOSE:
                return ("call", name, tuple(args))
            if token.type != Token.SEP or token.subtype != Token.ARG:
                raise self.fail(f"unexpected {token.value!r} in the arguments of {name}")

    def array(self) -> tuple:
        rows: list[list[tuple]] = [[]]
        while True:
            rows[-1].append(self.expression())
            token = self.take()
            if token.type == Token.ARRAY and token.subtype == Token.CLOSE:
                break
            if token.type == Token.SEP and token.subtype == Token.ROW:
                rows.append([])
            elif not (token.type == Token.SEP and token.subtype == Token.ARG):
                raise self.fail(f"unexpected {token.value!r} in an array constant")
        if len({len(r) for r in rows}) != 1:
            raise self.fail("the rows of an array constant have different lengths")
        return ("array", tuple(tuple(r) for r in rows))


def parse(formula: str) -> tuple:
    """The syntax tree of ``formula`` (with or without its leading ``=``).

    Raises
    ------
    FormulaSyntaxError
        A formula openpyxl's tokenizer rejects, or one using a construct the engine does not read (an
        intersection by space, a union by comma outside a function, a reference to another workbook).
    """
    text = formula if formula.startswith("=") else "=" + formula
    try:
        items = Tokenizer(text).items
    except (TokenizerError, ValueError, IndexError) as exc:
        raise FormulaSyntaxError("formula", formula, "a formula in Excel's grammar", detail=str(exc),
                                 kind=ErrorKind.VALUE) from None
    tokens: list[Token] = []
    for n, token in enumerate(items):
        if token.type == Token.WSPACE:
            before = tokens[-1] if tokens else None
            after = items[n + 1] if n + 1 < len(items) else None
            if (before is not None and after is not None and before.type == Token.OPERAND
                    and after.type == Token.OPERAND and before.subtype == after.subtype == Token.RANGE):
                raise FormulaSyntaxError("formula", formula, "a formula in Excel's grammar",
                                         detail="the intersection operator (a space between references) is not "
                                                "supported", kind=ErrorKind.VALUE)
            continue
        tokens.append(token)
    if not tokens:
        raise FormulaSyntaxError("formula", formula, "a formula in Excel's grammar", detail="it is empty",
                                 kind=ErrorKind.VALUE)
    parser = _Parser(formula, tokens)
    node = parser.expression()
    if parser.peek() is not None:
        raise parser.fail(f"unexpected {parser.peek().value!r}")
    return node


#: Text kept as written when copies of a formula are matched: string literals and quoted sheet names (a sheet
#: named 'Q1' or 'FY2024' is no cell reference, and copies reading 'Q1'!B2 and 'Q2'!B3 are different formulas).
_STRING_LITERAL = re.compile(r'"(?:[^"]|"")*"|\'(?:[^\']|\'\')*\'')
_A1 = re.compile(r"(?<![A-Za-z0-9_.$\\])(\$?)([A-Za-z]{1,3})(\$?)([0-9]{1,7})(?![0-9A-Za-z_(.!])")
_SAME_SHAPE: dict[str, tuple[tuple, int, int]] = {}
_SAME_SHAPE_LIMIT = 50_000


def _relative_key(formula: str, row: int, col: int) -> str:
    """The formula with each A1 reference written relative to (row, col): copies of one formula share it."""
    def one(found: re.Match) -> str:
        c_abs, letters, r_abs, digits = found.groups()
        c = column_index_from_string(letters.upper())
        r = int(digits)
        return (f"\x01{'C' + str(c) if c_abs else 'c' + str(c - col)}"
                f"{'R' + str(r) if r_abs else 'r' + str(r - row)}\x01")

    parts = _STRING_LITERAL.split(formula)
    strings = _STRING_LITERAL.findall(formula)
    out = [_A1.sub(one, part) for part in parts]
    return "".join(p + (strings[k] if k < len(strings) else "") for k, p in enumerate(out))


def _shift_text(text: str, dr: int, dc: int) -> str:
    def one(found: re.Match) -> str:
        c_abs, letters, r_abs, digits = found.groups()
        c = column_index_from_string(letters.upper()) + (0 if c_abs else dc)
        r = int(digits) + (0 if r_abs else dr)
        return f"{c_abs}{get_column_letter(c)}{r_abs}{r}"
    return _A1.sub(one, text)


def _shift(node: Any, dr: int, dc: int) -> Any:
    if not isinstance(node, tuple) or not node:
        return node
    if node[0] == "ref":
        return ("ref", node[1], _shift_text(node[2], dr, dc))
    if node[0] == "call":
        return ("call", node[1], tuple(_shift(a, dr, dc) for a in node[2]))
    if node[0] == "array":
        return node
    if node[0] in ("num", "str", "bool", "err", "missing", "name"):
        return node
    return (node[0],) + tuple(_shift(part, dr, dc) if isinstance(part, tuple) else part for part in node[1:])


def parse_at(formula: str, row: int, column: int) -> tuple:
    """:func:`parse` of the formula of cell (``row``, ``column``); copies of a formula down a column or across a
    row (the same formula relative to their cells) are parsed once and the copy's references shifted.

    >>> parse_at("=B2*(1+$A$1)", 2, 3), parse_at("=B3*(1+$A$1)", 3, 3)
    (('op', '*', ('ref', None, 'B2'), ('op', '+', ('num', 1.0), ('ref', None, '$A$1'))), ('op', '*', ('ref', None, 'B3'), ('op', '+', ('num', 1.0), ('ref', None, '$A$1'))))
    """
    key = _relative_key(formula, row, column)
    cached = _SAME_SHAPE.get(key)
    if cached is not None:
        tree, r0, c0 = cached
        return _shift(tree, row - r0, column - c0)
    tree = parse(formula)
    if len(_SAME_SHAPE) > _SAME_SHAPE_LIMIT:
        _SAME_SHAPE.clear()
    _SAME_SHAPE[key] = (tree, row, column)
    return tree


def function_calls(node: Any) -> list[str]:
    """Names of the functions a syntax tree calls, in order of appearance (with repeats).

    >>> function_calls(parse("=IF(A1,SUM(B1:B2),MAX(1,ROUND(2.5,0)))"))
    ['IF', 'SUM', 'MAX', 'ROUND']
    """
    out: list[str] = []

    def walk(n: Any) -> None:
        if not isinstance(n, tuple) or not n:
            return
        if n[0] == "call":
            out.append(n[1])
            for a in n[2]:
                walk(a)
        elif n[0] == "array":
            for row in n[1]:
                for a in row:
                    walk(a)
        else:
            for part in n[1:]:
                walk(part)

    walk(node)
    return out
