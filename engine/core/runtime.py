"""One step = one transaction: lock, deserialize, act, run engine steps, serialize, project, audit.

Every change to a process instance goes through ``Runtime.step``; if anything in it raises, the
caller's transaction rolls back and the instance, its tasks and its audit trail stay exactly as
they were. The runtime knows no domain: what a diagram may call, which working calendar applies
and what else happens after a step (notifications, documents) are lent to it as ``Bindings``,
put together once in engine/bootstrap.py (docs/architecture.md).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.task import Task as SpiffTask
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.core import history, projection, reference_cache, spiff_clock
from engine.core.clock import Clock, SystemClock, active_clock
from engine.core.db import Database
from engine.core.errors import NotFound, WorkflowFault
from engine.core.scripting import ScriptLimitExceeded, ScriptRejected, make_script_engine
from engine.core.specs import DefinitionRef, ParsedBundle, bundle_by_id, bundle_for, latest_ref
from engine.core.step_context import StepContext
from engine.core.workflow_io import dump, keep, load
from engine.models import Case, ProcessDefinition, ProcessInstance, Task

# SpiffWorkflow's task iterator silently stops 1000 levels down (docs/spiffworkflow.md): a case looping that deep would stall with no error. Refuse the step well before.
MAX_TREE_DEPTH = 900

Action = Callable[[BpmnWorkflow, StepContext], None]


@dataclass(frozen=True)
class StepOutcome:
    """What a finished step hands to the hooks that run after it, inside its transaction."""

    context: StepContext
    workflow: BpmnWorkflow
    new_tasks: list[Task]
    # The ids of the tasks already completed before the action ran (``finished``): what is
    # completed now and not among them, this step finished — exactly, whatever the wall clock did.
    finished_before: frozenset
    # The runtime that ran the step: a hook that starts another process in the same transaction
    # (engine/enforcement/start.py: a violation found while handling) starts it with this.
    runtime: Any = None

    def finished(self) -> list[SpiffTask]:
        """The tasks, of the process and its subprocesses, that this step completed."""
        return [task for task in _completed(self.workflow) if task.id not in self.finished_before]


def _completed(workflow: BpmnWorkflow) -> list[SpiffTask]:
    return [task for wf in (workflow, *workflow.subprocesses.values()) for task in wf.tasks.values()
            if task.state == TaskState.COMPLETED]


@dataclass(frozen=True)
class Bindings:
    """What the domain packages lend the runtime."""

    # The functions a diagram's scripts and expressions may call, for one step.
    functions: Callable[[StepContext], Mapping[str, Callable[..., Any]]]
    # The working calendar a step counts deadlines with (session, timezone name) → calendar.
    calendar: Callable[[Session, str], Any]
    # Run in order after the engine steps and the task projection, inside the step's transaction.
    after_step: Sequence[Callable[[StepOutcome], None]] = ()


@dataclass
class StepResult:
    instance: ProcessInstance
    new_tasks: list[Task]
    context: StepContext


class Runtime:
    def __init__(self, db: Database, clock: Clock | None, timezone: str, bindings: Bindings):
        self.db = db
        self.clock = clock or SystemClock()
        self.timezone = timezone
        self.bindings = bindings
        # SpiffWorkflow's timers must read this clock, not the wall clock.
        spiff_clock.install()

    def now(self) -> datetime:
        return self.clock.now()

    # ------------------------------------------------------------------ locking

    def lock_instance(self, session: Session, instance_id: int) -> ProcessInstance:
        # FOR UPDATE on PostgreSQL; on SQLite the write session already holds the database
        # write lock from BEGIN IMMEDIATE, which is stricter still.
        instance = session.scalars(
            select(ProcessInstance).where(ProcessInstance.id == instance_id).with_for_update()
            .execution_options(populate_existing=True)
        ).first()
        if instance is None:
            raise WorkflowFault(f"process instance {instance_id} does not exist")
        return instance

    def lock_instance_and_case(self, session: Session, instance_id: int | None = None, *,
                               task_id: str | None = None) -> tuple[ProcessInstance, Case | None]:
        """Lock the instance (``instance_id``, or the one ``task_id`` belongs to) and its case, both
        read as they stand once the locks are held: one statement for a process with a case.

        Both rows are locked (FOR UPDATE OF both): a PostgreSQL session that waited re-reads only
        the rows it locks (READ COMMITTED), so a case merely joined to the locked instance would
        come back as it was before the step it waited for, and the step would decide on a stale
        stage, status or deadline. The step writes its case anyway, after its instance: the same
        order as before, only earlier."""
        if task_id is not None:
            wanted = ProcessInstance.id == select(Task.instance_id).where(Task.id == task_id).scalar_subquery()
        else:
            wanted = ProcessInstance.id == instance_id
        row = session.execute(
            select(ProcessInstance, Case, reference_cache.token_column())
            .join(Case, Case.id == ProcessInstance.case_id).where(wanted)
            .with_for_update(of=[ProcessInstance, Case]).execution_options(populate_existing=True)).first()
        if row is not None:
            reference_cache.prime(session, row[2])
            return row[0], row[1]
        # No case (a patrol's process), or nothing there at all.
        if task_id is not None:
            instance_id = session.scalar(select(Task.instance_id).where(Task.id == task_id))
            if instance_id is None:
                raise NotFound(f"任务 {task_id} 不存在 (no such task)")
        return self.lock_instance(session, instance_id), None

    def ready_rows(self, session: Session, instance: ProcessInstance) -> dict[str, Task]:
        """The instance's ready task rows as they stand now (read again if already loaded): taken
        under the instance's lock, they are the rows its next step starts from (``step``)."""
        return {row.id: row for row in session.scalars(
            select(Task).where(Task.instance_id == instance.id, Task.state == "ready")
            .execution_options(populate_existing=True))}

    # ------------------------------------------------------------------ loading

    def context(self, session: Session, case: Case | None, instance_id: int | None, actor: str) -> StepContext:
        return StepContext(session=session, case=case, instance_id=instance_id, actor=actor,
                           now_value=self.clock.now(), calendar=self.bindings.calendar(session, self.timezone),
                           timezone=ZoneInfo(self.timezone))

    def script_engine(self, ctx: StepContext):
        """The sandboxed engine every expression and script of a step runs in, with the diagram's functions."""
        return make_script_engine(dict(self.bindings.functions(ctx)))

    def load(self, session: Session, instance: ProcessInstance, *, case: Case | None = None, actor: str = "reader",
             bundle: ParsedBundle | None = None) -> tuple[BpmnWorkflow, StepContext]:
        """The instance's workflow, ready to run (script engine with the diagram's functions
        attached), against its own version's specs or ``bundle``; and the context it runs in."""
        ctx = self.context(session, case, instance.id, actor)
        if bundle is None:
            # A version assigned but not yet flushed (engine/definitions/migration.py) is the one
            # to load; otherwise the instance's version id says it, with no read of its row.
            assigned = instance.__dict__.get("definition")
            bundle = bundle_for(assigned) if assigned is not None else bundle_by_id(session, instance.definition_id)
        return load(instance.state, bundle, self.script_engine(ctx)), ctx

    # ------------------------------------------------------------------ steps

    def start(self, session: Session, case: Case | None, data: dict, actor: str,
              definition: ProcessDefinition | None = None, started: str = "process_started") -> StepResult:
        """Start an instance of ``definition`` (the newest complaint loop by default). ``started`` is
        the audit event that records it: a process running beside a case's own loop (a leader's
        reminder) names its own, so the case is not told it was registered again."""
        # Callers may hand in a definition read in another session; its deferred files load
        # only through this one.
        if definition is not None:
            definition = session.get(ProcessDefinition, definition.id)
            bundle = bundle_for(definition)
            version = DefinitionRef(definition.id, definition.process_id, definition.version, definition.checksum)
        else:
            version = latest_ref(session)
            bundle = bundle_by_id(session, version.id)
        now = self.clock.now()
        instance = ProcessInstance(definition_id=version.id, case_id=case.id if case else None, state="",
                                   status="running", created_at=now, updated_at=now, row_version=0)
        # Written once the first step has run (``_steps``), with its state: one INSERT, no UPDATE.
        session.add(instance)

        def begin(workflow: BpmnWorkflow, ctx: StepContext) -> None:
            start = workflow.get_tasks(state=TaskState.READY)[0]
            start.data.update(data)
            ctx.record(started, definition=version.process_id, version=version.version)

        return self._run(session, instance, case, actor, begin,
                         workflow=BpmnWorkflow(bundle.spec, bundle.subprocess_specs), fresh=True)

    def step(self, session: Session, instance: ProcessInstance, case: Case | None, actor: str, action: Action,
             completed_task_id: str | None = None, ready: dict[str, Task] | None = None) -> StepResult:
        """Apply ``action`` to a locked instance (see lock_instance) inside the caller's transaction;
        ``ready``: its ready rows, if the caller read them under the lock (``ready_rows``)."""
        return self._run(session, instance, case, actor, action, completed_task_id=completed_task_id, ready=ready)

    def _run(self, session, instance, case, actor, action, completed_task_id=None, workflow=None,
             fresh=False, ready=None) -> StepResult:
        token = active_clock.set(self.clock)
        with reference_cache.scope(session):
            try:
                return self._steps(session, instance, case, actor, action, completed_task_id, workflow,
                                   {} if fresh else ready)
            finally:
                active_clock.reset(token)

    def _steps(self, session, instance, case, actor, action, completed_task_id, workflow, ready) -> StepResult:
        """``ready``: the instance's ready rows if known ({} for an instance this step created)."""
        if workflow is None:
            workflow, ctx = self.load(session, instance, case=case, actor=actor)
        else:
            ctx = self.context(session, case, instance.id, actor)
            workflow.script_engine = self.script_engine(ctx)
        finished_before = frozenset(task.id for task in _completed(workflow))
        try:
            action(workflow, ctx)
            workflow.do_engine_steps()
        except WorkflowTaskException as err:
            raise _fault(err) from err
        except SpiffWorkflowException as err:
            raise WorkflowFault(str(err)) from err
        # Events no outer process catches (a stage's terminate end) would pile up forever.
        workflow.get_events()
        history.prune_finished_subprocesses(workflow)
        history.compact_main_tree(workflow)
        _check_depth(workflow)
        instance.state = dump(workflow)
        instance.row_version += 1
        instance.updated_at = ctx.now()
        if workflow.completed:
            instance.status = "completed"
        new_tasks = projection.sync(session, workflow, instance, case, ctx.now(), actor, completed_task_id,
                                    ready=ready)
        if ctx.instance_id is None:  # a new instance, written by sync: its id for the audit trail
            ctx.instance_id = instance.id
            for event in ctx.audit:
                event.instance_id = instance.id
        for task in new_tasks:
            ctx.record("task_ready", stage=task.stage, task_id=task.id, task=task.spec,
                       group=task.candidate_group, due=task.due_at.isoformat() if task.due_at else None)
        outcome = StepOutcome(ctx, workflow, new_tasks, finished_before, self)
        for hook in self.bindings.after_step:
            hook(outcome)
        session.add_all(ctx.audit)
        session.flush()
        keep(instance.state, workflow)
        return StepResult(instance, new_tasks, ctx)


def in_transaction(runtime: Runtime, service: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call one service, ``service(session, runtime, *args, **kwargs)``, as one write transaction of
    its own: how the CLI, the demo, benchmarks and tests drive the engine (a web request composes
    several services in webapp.transaction instead)."""
    with runtime.db.write() as session:
        return service(session, runtime, *args, **kwargs)


def _fault(err: WorkflowTaskException) -> WorkflowFault:
    element = err.task_spec.bpmn_id if getattr(err, "task_spec", None) is not None else None
    # SpiffWorkflow re-raises script errors as a new exception; the original is its context.
    cause = err.__cause__ or err.__context__
    while cause is not None and not isinstance(cause, (WorkflowFault, ScriptRejected)):
        cause = cause.__cause__ or cause.__context__
    if isinstance(cause, WorkflowFault):
        return cause
    if isinstance(cause, ScriptLimitExceeded):
        return WorkflowFault(f"脚本超出运行限制，已停止 (script stopped at its limit): {cause}", element=element)
    if isinstance(cause, ScriptRejected):
        return WorkflowFault(f"脚本被拒绝 (script rejected): {cause}", element=element)
    return WorkflowFault(str(err), element=element)


def tree_depth(workflow: BpmnWorkflow) -> int:
    deepest = 0
    for wf in [workflow, *workflow.subprocesses.values()]:
        stack = [(wf.task_tree, 1)]
        while stack:
            task, depth = stack.pop()
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in task.children)
    return deepest


def _check_depth(workflow: BpmnWorkflow) -> None:
    depth = tree_depth(workflow)
    if depth > MAX_TREE_DEPTH:
        raise WorkflowFault(
            f"案件流转历史过长（任务树深度 {depth}），为防止流程引擎静默停止，本次操作已拒绝；请联系管理员 "
            f"(history too deep: task tree depth {depth} exceeds {MAX_TREE_DEPTH})"
        )
