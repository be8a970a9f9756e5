"""Deploying diagrams: parse, validate, store a new version only when the content changed.

Validation is the contract between administrators and the runtime: a diagram that deploys will
not fail later for a reason we could have seen now (missing lane or form, a timer expression that
does not evaluate, a script the sandbox refuses).
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.exclusive_gateway import ExclusiveGateway
from SpiffWorkflow.bpmn.specs.mixins.script_task import ScriptTask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import forms
from engine.calendar.workdays import WorkCalendar
from engine.core.config import REPO_ROOT
from engine.core.errors import DeployError
from engine.core.runtime import Runtime
from engine.core.scripting import BUILTIN_NAMES, Budget, ScriptRejected, compile_source
from engine.core.specs import MAIN_PROCESS, ParsedBundle, latest_definition, parse_bundle, properties
from engine.core.step_context import StepContext
from engine.definitions import checks as diagram_checks
from engine.definitions import form_store, task_properties
from engine.models import ProcessDefinition

WORKFLOWS_DIR = REPO_ROOT / "workflows"


def shipped_processes() -> list[str]:
    """The shipped processes, each deployed on its own: every workflows/bpmn/<process id>.bpmn, the
    complaint loop first. (complaint.bpmn also holds the supervision process it calls.)"""
    names = sorted(p.stem for p in (WORKFLOWS_DIR / "bpmn").glob("*.bpmn"))
    return sorted(names, key=lambda name: name != MAIN_PROCESS)


def shipped_files(process_id: str = MAIN_PROCESS) -> tuple[dict[str, str], dict[str, str]]:
    """The files one shipped process is deployed from: its own diagram file and, for the complaint
    loop, the decision tables its routing calls."""
    path = WORKFLOWS_DIR / "bpmn" / f"{process_id}.bpmn"
    bpmn = {path.name: path.read_text(encoding="utf-8")}
    dmn = {p.name: p.read_text(encoding="utf-8") for p in sorted((WORKFLOWS_DIR / "dmn").glob("*.dmn"))} \
        if process_id == MAIN_PROCESS else {}
    return bpmn, dmn


def checksum(bpmn_files: dict[str, str], dmn_files: dict[str, str]) -> str:
    blob = json.dumps({"bpmn": bpmn_files, "dmn": dmn_files}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


# Monday 2 March 2026, 09:00 in Shanghai: the moment sample timer expressions are evaluated at.
_SAMPLE_NOW = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)


def _validation_engine(runtime: Runtime):
    """The runtime's own diagram functions, run against sample data with no case attached."""
    ctx = StepContext(session=None, case=None, instance_id=None, actor="deploy",  # type: ignore[arg-type]
                      now_value=_SAMPLE_NOW, calendar=WorkCalendar(tz=runtime.timezone),
                      timezone=ZoneInfo(runtime.timezone))
    return runtime.script_engine(ctx)


def _sample_data(now: datetime) -> dict[str, Any]:
    iso = now.isoformat()
    return {
        "received_at": iso, "accepted_at": iso, "handle_from": iso, "stage_start": iso, "stage": "handle",
        "extended_days": 0, "reopened": False, "joint_departments": [], "route_tier": 1,
        # a rectification item's clock (the complaint diagram's rectification process)
        "rectify_from": iso, "rectify_days": 1,
        # A meeting's follow-up item: its deadline in working days (workflows/bpmn/leader_follow_up.bpmn).
        "due_days": 5,
        # An enforcement case's correction period in working days (workflows/bpmn/enforcement.bpmn).
        "correction_days": 10,
    }


def validate_bundle(bundle: ParsedBundle, runtime: Runtime, forms_dir: Path | None = None,
                    session: Session | None = None) -> list[tuple[str | None, str]]:
    """Every problem found; with a session (and no ``forms_dir``) user tasks may name forms
    administrators created in the database, as the runtime resolves them the same way."""
    problems: list[tuple[str | None, str]] = []
    engine = _validation_engine(runtime)
    callable_names = callable_names_of(engine)
    sample = _sample_data(_SAMPLE_NOW)
    for _pid, spec in bundle.all_specs():
        for ts in spec.task_specs.values():
            if not getattr(ts, "bpmn_id", None):
                continue
            element = ts.bpmn_id
            if ts.manual:
                problems += _check_user_task(ts, element, forms_dir, session)
            if isinstance(ts, ScriptTask):
                problems += _check_source(element, ts.script, "exec", "脚本 script", callable_names)
            if isinstance(ts, ExclusiveGateway):
                for cond, _target in ts.cond_task_specs:
                    source = getattr(cond, "args", [None])[0] if cond is not None else None
                    if isinstance(source, str):
                        problems += _check_source(element, source, "eval", "条件 condition", callable_names)
            if isinstance(ts, CatchingEvent) and isinstance(ts.event_definition, TimerEventDefinition):
                problems += _check_timer(ts, element, engine, sample, callable_names)
    problems += diagram_checks.check_document_properties(bundle)
    problems += task_properties.check_task_page_properties(bundle, lambda name: _load_form(name, forms_dir, session))
    if bundle.files is not None:
        problems += diagram_checks.check_files(*bundle.files, callable_names=callable_names)
    return problems


def callable_names_of(engine) -> frozenset[str]:
    """What a diagram may call: the runtime's diagram functions and the sandbox's builtins."""
    return frozenset(name for name in engine.environment.globals if not name.startswith("_")) | BUILTIN_NAMES


def _check_user_task(ts, element: str, forms_dir: Path | None,
                     session: Session | None = None) -> list[tuple[str, str]]:
    problems = []
    if not ts.lane:
        problems.append((element, f"用户任务“{ts.bpmn_name or element}”不在任何泳道中 (user task has no lane)"))
    form = properties(ts).get("form")
    if not form:
        problems.append((element, "用户任务没有指定表单 (user task names no form: set property 'form')"))
    else:
        try:
            _load_form(form, forms_dir, session)
        except forms.FormError as err:
            problems.append((element, f"表单 {form} 不可用 (form not usable): {err}"))
    return problems


def _load_form(name: str, forms_dir: Path | None, session: Session | None) -> forms.FormDefinition:
    if session is not None and forms_dir is None:
        return form_store.get_form(session, name)
    return forms.load_form(name, directory=forms_dir)


def _check_source(element: str, source: str, mode: str, what: str,
                  callable_names: frozenset[str]) -> list[tuple[str, str]]:
    source = source.strip() if mode == "eval" else source
    try:
        compile_source(source, mode)
    except ScriptRejected as err:
        return [(element, f"{what}不允许或无法编译 (rejected): {err}")]
    names = diagram_checks.unknown_calls(source, mode, callable_names)
    if names:
        return [(element, f"{what}{diagram_checks.undefined_call_message(names, callable_names)}")]
    return []


def _check_timer(ts, element: str, engine, sample: dict[str, Any],
                 callable_names: frozenset[str]) -> list[tuple[str, str]]:
    expression = ts.event_definition.expression
    problems = _check_source(element, expression, "eval", "定时器表达式 timer expression", callable_names)
    if problems:
        return problems
    try:
        value = _evaluate_with_samples(engine, expression, sample)
        if not isinstance(value, str):
            raise ValueError(f"returns {type(value).__name__}, not an ISO-8601 string")
        parsed = TimerEventDefinition.parse_time_or_duration(value) if not value.upper().startswith("R") \
            else TimerEventDefinition.parse_iso_recurring_interval(value)
        if isinstance(parsed, datetime) and parsed.tzinfo is None:
            raise ValueError("the time has no UTC offset")
        if isinstance(parsed, datetime) and not (sample_now(sample) - timedelta(days=1) <= parsed):
            raise ValueError(f"evaluates to {value}, which is in the past")
    except Exception as err:  # any failure here means the timer would fail at run time
        return [(element, f"定时器表达式无法求值 (timer expression does not evaluate): {expression}: {err}")]
    return []


class _SampleScope(dict):
    """Task data for a trial evaluation: a variable the diagram sets itself (unknown here)
    stands for a moment in time, which is what timer expressions are made of."""

    def __init__(self, sample: dict[str, Any], reserved: set[str]):
        super().__init__(sample)
        self._reserved = reserved

    def __missing__(self, key: str):
        if key in self._reserved:
            raise KeyError(key)
        return self["stage_start"]


def _evaluate_with_samples(engine, expression: str, sample: dict[str, Any]):
    env = engine.environment
    code = compile_source(expression.strip(), "eval")
    reserved = set(env.globals) | set(env.globals["__builtins__"])
    # The budget a timer expression runs on in a case: one that exceeds it is refused now.
    budget = Budget()
    value = eval(code, budget.bind(dict(env.globals)), _SampleScope(sample, reserved))  # noqa: S307 - restricted code
    budget.check()
    return value


def sample_now(sample: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(sample["stage_start"])


# ---------------------------------------------------------------- versions


def deploy(session: Session, runtime: Runtime, bpmn_files: dict[str, str], dmn_files: dict[str, str], *,
           process_id: str = MAIN_PROCESS, deployed_by: str | None = None, comment: str | None = None,
           forms_dir: Path | None = None) -> tuple[ProcessDefinition, bool]:
    """Validate and store; returns (definition, created). Unchanged content reuses the newest version."""
    bundle = parse_bundle(bpmn_files, dmn_files, process_id)
    problems = validate_bundle(bundle, runtime, forms_dir, session=session)
    if problems:
        raise DeployError(problems)
    digest = checksum(bpmn_files, dmn_files)
    latest = latest_definition(session, process_id)
    if latest is not None and latest.checksum == digest:
        return latest, False
    version = (session.scalar(select(func.max(ProcessDefinition.version))
                              .where(ProcessDefinition.process_id == process_id)) or 0) + 1
    definition = ProcessDefinition(
        process_id=process_id, version=version, bpmn_files=bpmn_files, dmn_files=dmn_files, checksum=digest,
        comment=comment, deployed_by=deployed_by, deployed_at=runtime.now(),
    )
    session.add(definition)
    session.flush()
    return definition, True


def deploy_shipped(session: Session, runtime: Runtime, **kwargs) -> tuple[ProcessDefinition, bool]:
    """Deploy every shipped process (each a version of its own); returns the complaint loop's."""
    comment = kwargs.pop("comment", "随系统发布的流程 (shipped diagrams)")
    results = {process_id: deploy(session, runtime, *shipped_files(process_id), process_id=process_id,
                                  comment=comment, **kwargs)
               for process_id in shipped_processes()}
    return results[MAIN_PROCESS]


