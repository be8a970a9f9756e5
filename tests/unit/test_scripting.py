"""The sandbox every diagram script, condition and timer expression runs in
(engine/core/scripting.py); tests/engine/core/test_sandbox.py runs a hostile diagram through the runtime."""
from __future__ import annotations

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.util.task import TaskState

from engine.core.scripting import RestrictedEnvironment, ScriptRejected, compile_source, make_script_engine
from engine.core.specs import parse_bundle
from tests.unit.spiff import FIXTURES, start


@pytest.fixture
def sandbox():
    return RestrictedEnvironment({"double": lambda x: x * 2})


# ---------------------------------------------------------------- refused

@pytest.mark.parametrize("expression", [
    "__import__('os').system('id')",
    "().__class__.__bases__[0].__subclasses__()",
    "double.__globals__",
    "n.__dict__",
    "__builtins__",
    "eval('1+1')",
    "exec('x = 1')",
    "breakpoint()",
    "_secret",  # private names
    "n._private",  # private attributes
])
def test_escapes_are_refused_before_anything_runs(sandbox, expression):
    with pytest.raises(ScriptRejected):
        sandbox.evaluate(expression, {"n": 2})


@pytest.mark.parametrize("name", [
    "open", "getattr", "globals", "locals", "vars", "dir", "compile", "type", "input", "help",
])
def test_dangerous_builtins_are_absent(sandbox, name):
    with pytest.raises(NameError):
        sandbox.evaluate(f"{name}", {})


def test_format_strings_cannot_reach_attributes(sandbox):
    # str.format reads attributes by name inside the string, past the compile-time checks.
    with pytest.raises(NotImplementedError):
        sandbox.evaluate("'{0.__class__}'.format(1)", {})


@pytest.mark.parametrize(("script", "line"), [("import os\nos.listdir('/')", 1), ("x = 1\nfrom os import path", 2)])
def test_import_statements_are_refused_with_their_line(sandbox, script, line):
    with pytest.raises(ScriptRejected, match=f"Line {line}: import is not allowed"):
        sandbox.execute(script, {})


@pytest.mark.parametrize(("script", "data"), [
    ("double.x = 1", {}),  # no writing attributes of what the sandbox lends
    ("pair[0] = 1", {"pair": (1, 2)}),
])
def test_writes_to_objects_that_refuse_them_fail(sandbox, script, data):
    with pytest.raises(TypeError):
        sandbox.execute(script, data)


def test_only_the_plain_in_place_operators_run(sandbox):
    data = {"n": 7}
    sandbox.execute("n += 1\nn -= 2\nn *= 3\nn //= 2\nn %= 5", data)
    assert data["n"] == 4
    with pytest.raises(ScriptRejected, match=r"operator \*\*= is not allowed"):
        sandbox.execute("n **= 2", data)


def test_task_data_may_not_hide_a_helper(sandbox):
    with pytest.raises(ValueError, match="double"):
        sandbox.execute("x = 1", {"double": 3})


# ---------------------------------------------------------------- compile errors

@pytest.mark.parametrize(("source", "mode", "message"), [
    ("x = (1", "exec", "Line 1: '(' was never closed"),
    ("x = 1\ny = = 2", "exec", "Line 2: invalid syntax"),
    ("total >", "eval", "Line 1: invalid syntax"),
    ("x = 1\n_y = 2", "exec", 'Line 2: "_y" is an invalid variable name because it starts with "_"'),
    ("a.__class__", "eval", 'Line 1: "__class__" is an invalid attribute name'),
])
def test_compile_errors_are_rejections_naming_the_line(source, mode, message):
    with pytest.raises(ScriptRejected) as err:
        compile_source(source, mode)
    assert str(err.value).startswith(message)


def test_a_source_is_compiled_once():
    assert compile_source("1 + 1", "eval") is compile_source("1 + 1", "eval")


# ---------------------------------------------------------------- allowed

@pytest.mark.parametrize(("expression", "value"), [
    ("sorted([3, 1, 2])", [1, 2, 3]),
    ("min(3, 1) + max(3, 1) + sum([1, 2]) + abs(-1) + round(1.6)", 10),
    ("any([0, 1]) and all([1, 1])", True),
    ("len(str(12)) + int('3') + float('0.5')", 5.5),
    ("list(reversed(range(3)))", [2, 1, 0]),
    ("dict(zip(['a'], [1]))", {"a": 1}),
    ("list(enumerate('ab'))", [(0, "a"), (1, "b")]),
    ("sorted(set([2, 2, 1])) == list(tuple([1, 2]))", True),
    ("bool(0)", False),
    ("isinstance(n, int)", True),
    ("[i * n for i in range(3) if i]", [2, 4]),
    ("double(n) if n > 1 else 0", 4),
    ("items['a']", 1),
])
def test_plain_python_and_the_helpers_work(sandbox, expression, value):
    assert sandbox.evaluate(expression, {"n": 2, "items": {"a": 1}}) == value


def test_a_script_changes_task_data_and_leaves_no_helpers_behind(sandbox):
    data = {"n": 2, "items": {"a": 1}, "pair": (3, 4)}
    sandbox.execute("m = double(n)\nitems['b'] = m\ntotal = sum(v for v in items.values())\nn += 1\n"
                    "a, b = pair", data)
    assert data == {"n": 3, "items": {"a": 1, "b": 4}, "pair": (3, 4), "m": 4, "total": 5, "a": 3, "b": 4}
    assert sandbox.evaluate("double(n) if n > 2 else 0", data) == 6


def test_expressions_see_external_context_but_task_data_wins(sandbox):
    assert sandbox.evaluate("n + extra", {"n": 1}, {"extra": 10}) == 11
    assert sandbox.evaluate("n", {"n": 1}, {"n": 10}) == 1


# ---------------------------------------------------------------- through SpiffWorkflow

def test_scripts_and_conditions_of_a_real_workflow_run_in_the_sandbox():
    workflow = start("scripts.bpmn", "scripts", {"n": 4, "items": ["b", "a", "c"]},
                     helpers={"double": lambda x: x * 2})
    assert workflow.completed
    [end] = [t for t in workflow.get_tasks(state=TaskState.COMPLETED) if (t.task_spec.bpmn_id or "").startswith("end_")]
    assert end.task_spec.bpmn_id == "end_big"
    assert (end.data["total"], end.data["labels"]) == (11, ["a", "b", "c"])
    assert "double" not in end.data
    assert workflow.script_engine.evaluate(end, "double(total)") == 22


def _workflow_with(script: str | None = None, condition: str | None = None) -> BpmnWorkflow:
    xml = (FIXTURES / "scripts.bpmn").read_text(encoding="utf-8")
    if script is not None:
        xml = xml.replace("total = double(n) + len(items)", script)
    if condition is not None:
        xml = xml.replace("total &gt; 10", condition)
    bundle = parse_bundle({"scripts.bpmn": xml}, {}, "scripts")
    workflow = BpmnWorkflow(bundle.spec, bundle.subprocess_specs)
    workflow.script_engine = make_script_engine({"double": lambda x: x * 2})
    workflow.get_tasks(state=TaskState.READY)[0].data.update({"n": 4, "items": ["a"]})
    return workflow


def _causes(err: BaseException) -> list[BaseException]:
    found = []
    while err is not None:
        found.append(err)
        err = err.__cause__ or err.__context__
    return found


@pytest.mark.parametrize(("script", "condition", "element"), [
    ("import os\ntotal = 1", None, "calc"),
    (None, "().__class__ is not None", "gw"),
])
def test_a_hostile_script_stops_the_workflow_at_its_element(script, condition, element):
    workflow = _workflow_with(script, condition)
    with pytest.raises(WorkflowTaskException) as err:
        workflow.do_engine_steps()
    assert err.value.task_spec.bpmn_id == element
    assert any(isinstance(cause, ScriptRejected) for cause in _causes(err.value))
    assert not workflow.completed


def test_the_default_engine_would_have_run_it():
    # What the sandbox is for: SpiffWorkflow's own engine evaluates anything.
    workflow = _workflow_with(condition="().__class__ is not None")
    workflow.script_engine = PythonScriptEngine(environment=TaskDataEnvironment({"double": lambda x: x * 2}))
    workflow.do_engine_steps()
    assert workflow.completed
