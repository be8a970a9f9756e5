"""The restricted script engine that runs every expression and script in a diagram.

SpiffWorkflow's default engine is plain eval/exec: a diagram could import os. Diagrams here are
edited by administrators in the browser, so scripts are compiled with RestrictedPython (no
imports, no dunder or private attributes, no open/exec/eval) and see only greenloop's helpers.

Every evaluation also runs on a budget, because it runs inside a request or a timer tick that
holds the case's lock: a source is at most MAX_SOURCE_CHARS long, and each evaluation may take
MAX_STEPS steps (a loop iteration, an element drawn by a ``for`` or a comprehension, a call of a
function the script defines) and MAX_SECONDS. The steps are counted by code the compiler adds
(``_tick_()`` at the top of every ``while`` body, function and lambda; RestrictedPython's own
``_getiter_`` hook for ``for`` and comprehensions), not by a tracer or a timer, so the count is
the same in every thread and under SpiffWorkflow's engine, and nothing but the script's own code
is slowed. What a single C call can do in one step is bounded too: ``range`` is limited to
MAX_ITEMS elements, and ``*``, ``**`` and ``<<`` refuse results beyond MAX_ITEMS elements or
MAX_INT_BITS bits. A script that exceeds its budget raises ScriptLimitExceeded; the budget stays
spent, so a script that catches the error cannot go on, and the evaluation fails when it ends.
"""
from __future__ import annotations

import ast
import copy
import math
import operator
import time
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from RestrictedPython import RestrictingNodeTransformer, compile_restricted, safe_builtins
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

_EXTRA_BUILTINS = {
    name: value
    for name, value in {
        "dict": dict, "list": list, "min": min, "max": max, "sum": sum, "any": any, "all": all,
        "sorted": sorted, "enumerate": enumerate, "reversed": reversed, "str": str, "int": int,
        "float": float, "bool": bool, "len": len, "round": round, "abs": abs, "set": set,
        "tuple": tuple, "zip": zip, "range": range,
    }.items()
}


# What every diagram may call besides the functions the runtime lends it (engine/bootstrap.py).
BUILTIN_NAMES = frozenset(name for name in {**safe_builtins, **_EXTRA_BUILTINS} if not name.startswith("_"))

MAX_SOURCE_CHARS = 10_000
MAX_STEPS = 100_000
MAX_SECONDS = 1.0
MAX_ITEMS = 1_000_000
MAX_INT_BITS = 100_000


class ScriptRejected(Exception):
    """A script or expression broke the sandbox rules or does not compile."""


class ScriptLimitExceeded(ScriptRejected):
    """A script or expression ran past its budget (steps, time, size of a value)."""


_INPLACE: dict[str, Callable[[Any, Any], Any]] = {
    "+=": operator.add, "-=": operator.sub, "/=": operator.truediv, "//=": operator.floordiv, "%=": operator.mod,
}


class Budget:
    """What one evaluation may spend. A fresh one is bound into the scope of every evaluation
    (``bind``), so evaluations in different threads never share a count."""

    def __init__(self, steps: int = MAX_STEPS, seconds: float = MAX_SECONDS):
        self.left = steps
        self.steps = steps
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.exceeded: str | None = None

    def tick(self) -> bool:
        self.left -= 1
        if self.exceeded is None:
            if self.left < 0:
                self.exceeded = (f"脚本运行超过 {self.steps} 步上限，可能是死循环 "
                                 f"(ran more than {self.steps} steps: an endless loop?)")
            elif time.monotonic() > self.deadline:
                self.exceeded = f"脚本运行超过 {self.seconds:g} 秒上限 (ran longer than {self.seconds:g} s)"
        if self.exceeded is not None:
            raise ScriptLimitExceeded(self.exceeded)
        return True

    def iterate(self, ob: Any):
        for item in default_guarded_getiter(ob):
            self.tick()
            yield item

    def refuse(self, message: str):
        self.exceeded = message
        raise ScriptLimitExceeded(message)

    def arith(self, op: str, left: Any, right: Any) -> Any:
        """``*``, ``**`` and ``<<``: one C call each, however large the result; refused when the
        result would be larger than any diagram needs."""
        if op == "**":
            if isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1 and \
                    right * math.log2(abs(left)) > MAX_INT_BITS:
                self.refuse(f"乘方结果过大 (** result larger than {MAX_INT_BITS} bits)")
            return left ** right
        if op == "<<":
            if isinstance(left, int) and isinstance(right, int) and left and \
                    left.bit_length() + right > MAX_INT_BITS:
                self.refuse(f"移位结果过大 (<< result larger than {MAX_INT_BITS} bits)")
            return left << right
        for seq, n in ((left, right), (right, left)):
            if isinstance(n, int) and not isinstance(n, bool) and hasattr(seq, "__len__") and \
                    not isinstance(seq, (int, float)) and len(seq) * n > MAX_ITEMS:
                self.refuse(f"重复结果过大 (* result longer than {MAX_ITEMS} items)")
        if isinstance(left, int) and isinstance(right, int) and \
                left.bit_length() + right.bit_length() > MAX_INT_BITS:
            self.refuse(f"乘积过大 (* result larger than {MAX_INT_BITS} bits)")
        return left * right

    def range(self, *args: int) -> range:
        result = range(*args)
        if len(result) > MAX_ITEMS:
            self.refuse(f"range 过长 (range longer than {MAX_ITEMS} items)")
        return result

    def inplace(self, op: str, target: Any, value: Any) -> Any:
        if op == "*=":
            return self.arith("*", target, value)
        if op not in _INPLACE:
            raise ScriptRejected(f"operator {op} is not allowed")
        return _INPLACE[op](target, value)

    def bind(self, scope: dict[str, Any]) -> dict[str, Any]:
        """Point ``scope``'s hooks at this budget; returns ``scope``."""
        builtins = dict(scope.get("__builtins__") or {})
        builtins["range"] = self.range
        scope.update({"__builtins__": builtins, "_tick_": self.tick, "_getiter_": self.iterate,
                      "_arith_": self.arith, "_inplacevar_": self.inplace})
        return scope

    def check(self) -> None:
        """After the evaluation: fail it if the script caught the limit's error and went on."""
        if self.exceeded is not None:
            raise ScriptLimitExceeded(self.exceeded)


def guard_globals() -> dict[str, Any]:
    builtins = dict(safe_builtins)
    builtins.update(_EXTRA_BUILTINS)
    scope = {
        "__builtins__": builtins,
        "_getattr_": safer_getattr,
        "_getitem_": default_guarded_getitem,
        "_write_": full_write_guard,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_unpack_sequence_": guarded_unpack_sequence,
    }
    # A budget of its own for whoever evaluates with these globals as they are; every
    # evaluation below binds a fresh one.
    return Budget().bind(scope)


def _located(new: ast.AST, old: ast.AST) -> ast.AST:
    """``new`` (and every node it adds) placed where ``old`` stands in the source."""
    for node in ast.walk(new):
        if "lineno" in node._attributes and not hasattr(node, "lineno"):
            ast.copy_location(node, old)
    return new


def _tick_call(node: ast.AST) -> ast.Call:
    return _located(ast.Call(func=ast.Name("_tick_", ast.Load()), args=[], keywords=[]), node)


class _BudgetedTransformer(RestrictingNodeTransformer):
    """RestrictedPython's checks, plus the step counting and arithmetic guard of Budget.

    The added names start with "_", which the checks refuse in a diagram's own code, so a script
    can neither call nor replace them."""

    def visit_While(self, node: ast.While):
        node = super().visit_While(node)
        node.body.insert(0, _located(ast.Expr(_tick_call(node)), node))
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef):
        node = super().visit_FunctionDef(node)
        node.body.insert(0, _located(ast.Expr(_tick_call(node)), node))
        return node

    def visit_Lambda(self, node: ast.Lambda):
        node = super().visit_Lambda(node)
        # _tick_() returns True, so "True and body" is the body.
        node.body = _located(ast.BoolOp(op=ast.And(), values=[_tick_call(node.body), node.body]), node.body)
        return node

    def visit_BinOp(self, node: ast.BinOp):
        node = super().visit_BinOp(node)
        symbol = {ast.Mult: "*", ast.Pow: "**", ast.LShift: "<<"}.get(type(node.op))
        if symbol is None:
            return node
        return _located(ast.Call(func=ast.Name("_arith_", ast.Load()),
                                 args=[ast.Constant(symbol), node.left, node.right], keywords=[]), node)


@lru_cache(maxsize=2048)
def compile_source(source: str, mode: str):
    """Compile once per distinct source text; raises ScriptRejected with the line number."""
    if len(source) > MAX_SOURCE_CHARS:
        raise ScriptRejected(f"脚本超过 {MAX_SOURCE_CHARS} 个字符 (longer than {MAX_SOURCE_CHARS} characters)")
    try:
        _refuse_imports(source, mode)
        code = compile_restricted(source, filename="<diagram>", mode=mode, policy=_BudgetedTransformer)
    except SyntaxError as err:
        raise ScriptRejected(_syntax_message(err)) from None
    except (RecursionError, MemoryError):
        # Python's own parser gives up on deeply nested source (((((…)))))
        raise ScriptRejected("脚本嵌套过深 (nested too deeply)") from None
    return code


def _syntax_message(err: SyntaxError) -> str:
    if err.args and isinstance(err.args[0], tuple):
        # RestrictedPython folds its policy violations into one SyntaxError whose lineno is
        # empty; the messages themselves carry "Line N:".
        return "; ".join(str(p) for p in err.args[0] if p) or "invalid syntax"
    # Python's own: the source does not parse.
    return f"Line {err.lineno}: {err.msg}" if err.lineno else err.msg or "invalid syntax"


def _refuse_imports(source: str, mode: str) -> None:
    # RestrictedPython compiles an import and only fails when it runs; a diagram that imports
    # is refused outright, so deploying it fails instead of a case failing later.
    for node in ast.walk(ast.parse(source, mode=mode)):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            raise ScriptRejected(f"Line {node.lineno}: import is not allowed in a diagram")


class RestrictedEnvironment(TaskDataEnvironment):
    def __init__(self, helpers: dict[str, Callable[..., Any]]):
        env = guard_globals()
        env.update(helpers)
        super().__init__(env)

    def evaluate(self, expression, context, external_context=None):
        code = compile_source(expression.strip(), "eval")
        scope = copy.copy(self.globals)
        scope.update(external_context or {})
        scope.update(context)
        budget = Budget()
        value = eval(code, budget.bind(scope))  # noqa: S307 - compiled by RestrictedPython
        budget.check()
        return value

    def execute(self, script, context, external_context=None):
        code = compile_source(script, "exec")
        self.check_for_overwrite(context, external_context or {})
        context.update(copy.copy(self.globals))
        context.update(external_context or {})
        budget = Budget()
        try:
            exec(code, budget.bind(context))  # noqa: S102 - compiled by RestrictedPython
            budget.check()
        finally:
            self._remove_globals_and_functions_from_context(context, external_context)
            for name in [k for k in context if k.startswith("_")]:
                context.pop(name)
        return True


def make_script_engine(helpers: dict[str, Callable[..., Any]]) -> PythonScriptEngine:
    return PythonScriptEngine(environment=RestrictedEnvironment(helpers))
