"""Moving running cases from one deployed version of their process to a newer one.

An instance's stored state names task specs, not the diagram (workflow_io keeps it spec-free), so
migrating is loading that state against the newer version's specs. That is safe when every task
in the state still has its spec there, each waiting timer is still a timer, and no task about to
run would find a predicted next step its new outgoing flows no longer lead to. Each instance
moves in its own transaction, under its lock, after a real load-and-save round trip; anything
else leaves it on its version with the reason shown in the dry run.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.core.errors import GreenloopError, NotFound
from engine.core.runtime import Runtime
from engine.core.specs import ParsedBundle, bundle_for, properties
from engine.core.workflow_io import dump, load
from engine.models import AuditEvent, Case, ProcessDefinition, ProcessInstance, Task

_ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED


class MigrationRefused(GreenloopError):
    pass


@dataclass
class Check:
    instance_id: int
    case_id: int | None
    case_number: str | None
    stage: str | None
    from_version: int
    reasons: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.reasons


def _spec_label(spec) -> str:
    name = getattr(spec, "bpmn_name", None)
    return f"{name}（{spec.name}）" if name else spec.name


def incompatibilities(state: str, new: ParsedBundle, old: ParsedBundle | None = None) -> list[str]:
    """Why this stored state cannot run on the new specs (empty: it can); ``old`` names steps."""
    data = json.loads(state)
    reasons: list[str] = []
    _check_tree(data["tasks"], new.spec, old.spec if old else None, "", reasons)
    for sub in data.get("subprocesses", {}).values():
        spec = new.subprocess_specs.get(sub["spec"])
        if spec is None:
            reasons.append(f"子流程 {sub['spec']} 在新版本中不存在 (sub-process removed)")
            continue
        old_spec = old.subprocess_specs.get(sub["spec"]) if old else None
        _check_tree(sub["tasks"], spec, old_spec, f"{sub['spec']} / ", reasons)
    return reasons


def _check_tree(tasks: dict, spec, old_spec, where: str, reasons: list[str]) -> None:
    for task in tasks.values():
        name, state = task["task_spec"], task["state"]
        new_spec = spec.task_specs.get(name)
        if new_spec is None:
            was = old_spec.task_specs.get(name) if old_spec is not None else None
            label = where + (_spec_label(was) if was is not None else name)
            if state & _ACTIVE:
                reasons.append(f"当前步骤 {label} 在新版本中不存在 (current step removed)")
            elif state & TaskState.FINISHED_MASK:
                reasons.append(f"已办步骤 {label} 在新版本中不存在 (a step this case passed was removed)")
            else:
                reasons.append(f"后续步骤 {label} 在新版本中不存在 (a step this case is headed for was removed)")
            continue
        if state & TaskState.WAITING and "event_value" in task.get("internal_data", {}):
            if not isinstance(getattr(new_spec, "event_definition", None), TimerEventDefinition):
                reasons.append(f"等待中的定时器 {where}{_spec_label(new_spec)} 在新版本中已不是定时器 "
                               f"(waiting timer is no longer a timer)")
        if state & TaskState.FINISHED_MASK:
            continue
        # A task that has yet to finish re-syncs its children with its spec's outputs when it
        # does; a definite child whose flow is gone would then fail (SpiffWorkflow refuses).
        outputs = {o.name for o in new_spec.outputs}
        for child_id in task["children"]:
            child = tasks.get(child_id)
            if child and not child["triggered"] and child["state"] & TaskState.DEFINITE_MASK \
                    and not child["state"] & _ACTIVE and child["task_spec"] not in outputs:
                reasons.append(f"{where}{_spec_label(new_spec)} 之后的流向已改变，原定下一步 {child['task_spec']} "
                               f"已不再相连 (the flow after this step changed)")


def _running(session: Session, definition: ProcessDefinition, instance_ids: list[int] | None,
             stage: str | None) -> list[tuple[ProcessInstance, Case | None]]:
    query = (select(ProcessInstance, Case).outerjoin(Case, Case.id == ProcessInstance.case_id)
             .where(ProcessInstance.definition_id == definition.id, ProcessInstance.status == "running")
             .order_by(ProcessInstance.id))
    if instance_ids is not None:
        query = query.where(ProcessInstance.id.in_(instance_ids))
    if stage:
        query = query.where(Case.stage == stage)
    return [(row[0], row[1]) for row in session.execute(query)]


def _target(session: Session, source: ProcessDefinition, to_definition_id: int) -> ProcessDefinition:
    target = session.get(ProcessDefinition, to_definition_id)
    if target is None:
        raise NotFound(f"目标版本 {to_definition_id} 不存在 (no such version)")
    if target.process_id != source.process_id or target.version <= source.version:
        raise MigrationRefused(f"只能迁移到同一流程的更新版本（第 {source.version} 版之后）"
                               f"(migrate only to a newer version of the same process)")
    return target


def dry_run(session: Session, from_definition_id: int, to_definition_id: int, *,
            instance_ids: list[int] | None = None, stage: str | None = None) -> list[Check]:
    """Which running instances of one version could move to another, and why the others cannot."""
    source = session.get(ProcessDefinition, from_definition_id)
    if source is None:
        raise NotFound(f"版本 {from_definition_id} 不存在 (no such version)")
    new, old = bundle_for(_target(session, source, to_definition_id)), bundle_for(source)
    return [Check(instance.id, case.id if case else None, case.number if case else None,
                  case.stage if case else None, source.version, incompatibilities(instance.state, new, old))
            for instance, case in _running(session, source, instance_ids, stage)]


@dataclass
class Outcome:
    moved: list[int] = field(default_factory=list)
    refused: dict[int, list[str]] = field(default_factory=dict)


def migrate(runtime: Runtime, from_definition_id: int, to_definition_id: int, *, actor: str,
            instance_ids: list[int] | None = None, stage: str | None = None) -> Outcome:
    """Move each compatible running instance, one transaction per instance."""
    with runtime.db.read() as session:
        candidates = [c.instance_id for c in dry_run(session, from_definition_id, to_definition_id,
                                                     instance_ids=instance_ids, stage=stage)]
    outcome = Outcome()
    for instance_id in candidates:
        try:
            with runtime.db.write() as session:
                _migrate_one(runtime, session, instance_id, from_definition_id, to_definition_id, actor)
            outcome.moved.append(instance_id)
        except MigrationRefused as err:
            outcome.refused[instance_id] = err.args[0] if isinstance(err.args[0], list) else [str(err)]
    return outcome


def _migrate_one(runtime: Runtime, session: Session, instance_id: int, from_id: int, to_id: int, actor: str) -> None:
    instance = runtime.lock_instance(session, instance_id)
    # Checked again under the lock: a step may have moved the instance since the dry run.
    if instance.definition_id != from_id or instance.status != "running":
        raise MigrationRefused(["案件已变化，请重新检查 (the case changed since the check)"])
    source = session.get(ProcessDefinition, from_id)
    target = _target(session, source, to_id)
    new = bundle_for(target)
    reasons = incompatibilities(instance.state, new)
    if reasons:
        raise MigrationRefused(reasons)
    case = session.get(Case, instance.case_id) if instance.case_id else None
    try:
        workflow, ctx = runtime.load(session, instance, case=case, actor=actor, bundle=new)
        state = dump(workflow)
        load(state, new, workflow.script_engine)  # what we store must load again
    except Exception as err:  # any library failure means this instance cannot move
        raise MigrationRefused([f"按新版本加载失败 (does not load on the new version): {err}"]) from err
    _refresh_ready_rows(session, workflow, instance.id)
    instance.state = state
    instance.definition_id = target.id
    instance.definition = target
    instance.row_version += 1
    instance.updated_at = ctx.now()
    session.add(AuditEvent(case_id=instance.case_id, instance_id=instance.id, at=ctx.now(), actor=actor,
                           kind="instance_migrated", stage=case.stage if case else None,
                           detail={"process": target.process_id, "from_version": source.version,
                                   "to_version": target.version}))
    session.flush()


def _refresh_ready_rows(session: Session, workflow, instance_id: int) -> None:
    """Open tasks show what the new version says about them (name, form, lane, stage)."""
    rows = {row.id: row for row in session.scalars(
        select(Task).where(Task.instance_id == instance_id, Task.state == "ready"))}
    for task in workflow.get_tasks(state=TaskState.READY, manual=True):
        row = rows.get(str(task.id))
        if row is None:
            continue
        spec = task.task_spec
        props = properties(spec)
        row.name = spec.bpmn_name or spec.bpmn_id
        row.form = props.get("form")
        row.stage = props.get("stage")
        row.candidate_group = spec.lane or ""
