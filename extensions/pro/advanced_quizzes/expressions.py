"""Mathematical expressions from students, parsed without ``eval`` and compared
symbolically with SymPy under a size and a time limit.

A student's answer is untrusted text. It is parsed by Python's own parser into a
syntax tree (which runs nothing) and only a whitelist of nodes becomes SymPy
objects: numbers, the question's variables, ``pi`` and ``e``, ``+ - * / ^`` and a
few functions. Sizes are bounded before SymPy sees anything (characters, nodes,
literal magnitudes, constant exponents), and the comparison itself runs in a
child process that is killed when it takes longer than its budget, so no answer
can hold a server thread.
"""

from __future__ import annotations

import ast
import math
import multiprocessing
import random
import re
import threading
from multiprocessing.pool import Pool
from typing import Any, Optional

import sympy

__all__ = ["ExpressionError", "parse", "equivalent", "evaluate", "MAX_LENGTH"]

MAX_LENGTH = 200
MAX_NODES = 80
MAX_LITERAL = 10**9
MAX_CONSTANT_EXPONENT = 16
TIME_LIMIT_SECONDS = 2.0
SAMPLE_POINTS = 6
NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,15}$")

FUNCTIONS: dict[str, Any] = {
    "sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan, "asin": sympy.asin, "acos": sympy.acos,
    "atan": sympy.atan, "sinh": sympy.sinh, "cosh": sympy.cosh, "tanh": sympy.tanh,
    "exp": sympy.exp, "log": sympy.log, "ln": sympy.log, "sqrt": sympy.sqrt, "abs": sympy.Abs,
}
CONSTANTS: dict[str, Any] = {"pi": sympy.pi, "e": sympy.E}
OPERATORS: dict[type, Any] = {
    ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b, ast.Pow: lambda a, b: a ** b,
}


class ExpressionError(ValueError):
    """The text is not an expression this module accepts; the message says why."""


def _implicit_products(text: str) -> str:
    """``2x`` → ``2*x``, ``2(x+1)``, ``x y``, ``)(`` → products (how people write)."""
    text = re.sub(r"(\d)\s*(?=[A-Za-z(])", r"\1*", text)
    text = re.sub(r"\)\s*(?=[A-Za-z0-9(])", ")*", text)

    def spaced(match: re.Match[str]) -> str:
        word = re.search(r"[A-Za-z_][A-Za-z0-9_]*$", text[:match.start()])
        return match.group(0) if word and word.group(0) in FUNCTIONS else "*"

    return re.sub(r"(?<=[A-Za-z0-9_])\s+(?=[A-Za-z0-9(])", spaced, text)


def parse(text: str, variables: list[str]) -> Any:
    """``text`` as a SymPy expression over ``variables``.

    :raises ExpressionError: too long, not an expression, or using anything outside
        the whitelist (a name, a function, an operator, a number too large).
    """
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("Write an expression.")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"An expression has at most {MAX_LENGTH} characters.")
    source = _implicit_products(text.replace("^", "**").replace("×", "*").replace("·", "*"))
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise ExpressionError("This is not a valid expression.") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise ExpressionError("This expression is too long.")
    symbols = {name: sympy.Symbol(name) for name in variables}
    return _build(tree.body, symbols)


def _build(node: ast.AST, symbols: dict[str, Any]) -> Any:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        value: float = node.value  # type: ignore[assignment]  # narrowed just above
        if not math.isfinite(value) or abs(value) > MAX_LITERAL:
            raise ExpressionError(f"Numbers are at most {MAX_LITERAL:,} in size.")
        return sympy.Integer(value) if isinstance(value, int) else sympy.Rational(repr(value))
    if isinstance(node, ast.Name):
        if node.id in symbols:
            return symbols[node.id]
        if node.id in CONSTANTS:
            return CONSTANTS[node.id]
        raise ExpressionError(f"Unknown name {node.id!r}; use {', '.join(sorted([*symbols, *CONSTANTS]))}.")
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
        operand = _build(node.operand, symbols)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp) and type(node.op) in OPERATORS:
        left, right = _build(node.left, symbols), _build(node.right, symbols)
        if isinstance(node.op, ast.Pow) and right.is_number and (
                not right.is_real or abs(float(right)) > MAX_CONSTANT_EXPONENT):
            raise ExpressionError(f"Constant exponents are at most {MAX_CONSTANT_EXPONENT}.")
        return OPERATORS[type(node.op)](left, right)
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS
            and len(node.args) == 1 and not node.keywords):
        return FUNCTIONS[node.func.id](_build(node.args[0], symbols))
    raise ExpressionError("Use numbers, the question's variables, + - * / ^ and "
                          f"{', '.join(sorted(FUNCTIONS))}.")


def _numerically_equal(difference: Any, symbols: list[Any], seed: int) -> bool:
    """The difference vanishes at random points (where both sides are defined)."""
    rng = random.Random(seed)
    checked = 0
    for _ in range(SAMPLE_POINTS * 3):
        point = {symbol: sympy.Rational(rng.randint(1100, 2900), 1000) for symbol in symbols}
        value = complex(difference.evalf(30, subs=point))
        if not (math.isfinite(value.real) and math.isfinite(value.imag)):
            continue
        if abs(value) > 1e-9:
            return False
        checked += 1
        if checked >= SAMPLE_POINTS:
            return True
    return checked > 0


def _compare(expected: str, given: str, variables: list[str]) -> Optional[bool]:
    """Runs in the child process: True, False, or None when ``given`` does not parse."""
    a = parse(expected, variables)
    try:
        b = parse(given, variables)
    except ExpressionError:
        return None
    difference = a - b
    if sympy.simplify(difference) == 0:
        return True
    symbols = sorted(difference.free_symbols, key=str)
    return _numerically_equal(difference, symbols, seed=len(expected) * 7919 + len(given))


def _ready() -> bool:
    return True


class _Sandbox:
    """One child process for SymPy work; replaced when a comparison runs out of time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pool: Optional[Pool] = None

    def run(self, function: Any, *args: Any, timeout: float) -> Any:
        with self._lock:
            if self._pool is None:
                # spawn, not fork: the server's threads and connections stay out of the child.
                self._pool = multiprocessing.get_context("spawn").Pool(1)
                # The child's start (importing SymPy) is not the answer's time.
                self._pool.apply(_ready)
            pool = self._pool
        pending = pool.apply_async(function, args)
        try:
            return pending.get(timeout)
        except multiprocessing.TimeoutError:
            with self._lock:
                if self._pool is pool:
                    self._pool = None
            pool.terminate()
            raise


SANDBOX = _Sandbox()


def equivalent(expected: str, given: str, variables: list[str],
               timeout: float = TIME_LIMIT_SECONDS) -> Optional[bool]:
    """Whether ``given`` is the same expression as ``expected`` (symbolically).

    :returns: True or False; None when ``given`` does not parse or the comparison
        took longer than ``timeout`` seconds (the caller decides what that earns).
    """
    try:
        parse(given, variables)  # refuse cheaply here what the child would refuse
    except ExpressionError:
        return None
    try:
        result: Optional[bool] = SANDBOX.run(_compare, expected, given, list(variables), timeout=timeout)
        return result
    except multiprocessing.TimeoutError:
        return None


def evaluate(formula: str, values: dict[str, float]) -> float:
    """``formula`` evaluated at ``values`` (a calculated question's answer).

    :raises ExpressionError: the formula does not parse or has no finite real value there.
    """
    expression = parse(formula, list(values))
    result = complex(expression.evalf(30, subs={sympy.Symbol(k): sympy.Rational(repr(float(v)))
                                               for k, v in values.items()}))
    if result.imag or not math.isfinite(result.real):
        raise ExpressionError("The formula has no finite real value for these variables.")
    return result.real
