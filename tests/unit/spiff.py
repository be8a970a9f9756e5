"""Real SpiffWorkflow workflows in memory, from the small diagrams in tests/fixtures/bpmn, run in
greenloop's sandboxed script engine — no database, no runtime."""
from __future__ import annotations

from functools import cache
from pathlib import Path

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine.core.scripting import make_script_engine
from engine.core.specs import ParsedBundle, parse_bundle

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "bpmn"


@cache
def bundle(file: str, process_id: str) -> ParsedBundle:
    # Parsed once per test session, as engine/core/specs.py caches a deployed version's specs.
    return parse_bundle({file: (FIXTURES / file).read_text(encoding="utf-8")}, {}, process_id)


def start(file: str, process_id: str, data: dict | None = None, helpers: dict | None = None) -> BpmnWorkflow:
    """A new workflow with ``data`` on its start event, run up to its first waits."""
    parsed = bundle(file, process_id)
    workflow = BpmnWorkflow(parsed.spec, parsed.subprocess_specs)
    workflow.script_engine = make_script_engine(helpers or {})
    workflow.get_tasks(state=TaskState.READY)[0].data.update(data or {})
    workflow.do_engine_steps()
    return workflow


def ready(workflow: BpmnWorkflow, spec: str | None = None) -> list:
    return [t for t in workflow.get_tasks(state=TaskState.READY, manual=True)
            if spec is None or t.task_spec.bpmn_id == spec]


def complete(workflow: BpmnWorkflow, spec: str, data: dict | None = None) -> None:
    """Complete the one ready user task ``spec`` as engine/work/tasks.py does, then run on."""
    [task] = ready(workflow, spec)
    task.set_data(**(data or {}))
    task.run()
    workflow.do_engine_steps()
