"""Scripts in diagrams run in a sandbox: no imports, no dunder tricks, no files."""
import pytest
from sqlalchemy import select

from engine.core.errors import WorkflowFault
from engine.core.scripting import RestrictedEnvironment, ScriptRejected
from engine.definitions.deploy import checksum, shipped_files
from engine.models import ProcessDefinition


@pytest.fixture
def sandbox():
    return RestrictedEnvironment({"double": lambda x: x * 2})


@pytest.mark.parametrize("expression", [
    "__import__('os').system('id')",
    "().__class__.__bases__[0].__subclasses__()",
    "double.__globals__",
    "open('/etc/passwd').read()",
    "getattr(double, '__globals__')",
    "eval('1+1')",
    "globals()",
])
def test_escapes_are_refused(sandbox, expression):
    with pytest.raises((ScriptRejected, NameError)):
        sandbox.evaluate(expression, {})


def test_import_statement_is_refused(sandbox):
    with pytest.raises(ScriptRejected, match="import"):
        sandbox.execute("import os\nos.listdir('/')", {})


def test_helpers_and_plain_python_still_work(sandbox):
    data = {"n": 2, "items": {"a": 1}}
    sandbox.execute("m = double(n)\nitems['b'] = m\ntotal = sum(v for v in items.values())\nn += 1", data)
    assert data == {"n": 3, "items": {"a": 1, "b": 4}, "m": 4, "total": 5}
    assert sandbox.evaluate("double(n) if n > 2 else 0", data) == 6


def test_a_hostile_diagram_that_skipped_validation_still_cannot_run(env, tmp_path):
    # Store a definition directly, as if validation had been bypassed, then run it.
    target = tmp_path / "pwned"
    bpmn, dmn = shipped_files()
    text = bpmn["complaint.bpmn"].replace(
        "<bpmn:script>close_case()</bpmn:script>", "<bpmn:script>close_case()</bpmn:script>", 1)
    text = text.replace(
        'stage = "receive"',
        f"stage = \"receive\"\n__import__('os').system('touch {target}')", 1)
    bpmn = {"complaint.bpmn": text}
    with env.db.write() as s:
        s.add(ProcessDefinition(process_id="complaint", version=2, bpmn_files=bpmn, dmn_files=dmn,
                                checksum=checksum(bpmn, dmn), deployed_at=env.clock.now()))
    with pytest.raises(WorkflowFault, match="stage_receive_enter"):
        env.register()
    assert not target.exists()
    with env.db.read() as s:
        assert s.scalars(select(ProcessDefinition).where(ProcessDefinition.version == 2)).one()
