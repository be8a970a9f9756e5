"""Turning a running SpiffWorkflow into the JSON stored on its process_instance row, and back.

SpiffWorkflow embeds the whole process spec (here ~100 KB) in every serialized instance. The
spec belongs to the deployed definition version, which is immutable, so it is left out of the
stored state and the cached parsed spec of that version is attached again on load.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from contextvars import ContextVar
from typing import TYPE_CHECKING
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

if TYPE_CHECKING:
    from engine.core.specs import ParsedBundle

_loading_bundle: ContextVar[ParsedBundle | None] = ContextVar("greenloop_loading_bundle", default=None)


class _SpecFreeWorkflowConverter(BpmnWorkflowConverter):
    def to_dict(self, workflow):
        dct = super(BpmnWorkflowConverter, self).to_dict(workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct):
        bundle = _loading_bundle.get()
        if bundle is None:
            raise RuntimeError("load a greenloop workflow through workflow_io.load")
        dct["spec"], dct["subprocess_specs"] = None, {}
        workflow = self.target_class(bundle.spec, bundle.subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _configure():
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = _SpecFreeWorkflowConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


# The default serializer fails on specs parsed with the spiff parser (docs/spiffworkflow.md).
SERIALIZER = _configure()


def dump(workflow: BpmnWorkflow) -> str:
    return SERIALIZER.serialize_json(workflow)


# Workflows that finished a step, by the exact state they were stored as: the next step of the same
# instance (a case worked several times in a row, the demo's simulation) takes the object instead of
# deserializing it again (about a tenth of a step). Only an exact match of the state read from the
# row is taken, whoever wrote it, and taking removes it: an object a step went on to change (or
# whose transaction rolled back) is never handed out again. Bounded: least recently kept go first.
KEPT_MAX = 256
_kept: OrderedDict[str, BpmnWorkflow] = OrderedDict()
_kept_lock = threading.Lock()


def keep(state: str, workflow: BpmnWorkflow) -> None:
    """Offer ``workflow``, which ``state`` was dumped from and which nothing will change any more,
    to the next ``load`` of that state."""
    # The finished step's script engine holds its context (session, case): not kept alive here.
    workflow.script_engine = None
    with _kept_lock:
        _kept[state] = workflow
        _kept.move_to_end(state)
        while len(_kept) > KEPT_MAX:
            _kept.popitem(last=False)


def _take(state: str, bundle: ParsedBundle) -> BpmnWorkflow | None:
    with _kept_lock:
        workflow = _kept.pop(state, None)
    # Against the same parsed specs only (an instance migrated to another version keeps its state).
    if workflow is None or workflow.spec is not bundle.spec or workflow.subprocess_specs != bundle.subprocess_specs:
        return None
    return workflow


def load(state: str, bundle: ParsedBundle, script_engine) -> BpmnWorkflow:
    workflow = _take(state, bundle)
    if workflow is None:
        token = _loading_bundle.set(bundle)
        try:
            workflow = SERIALIZER.deserialize_json(state)
        finally:
            _loading_bundle.reset(token)
    # The script engine is not part of the serialized state; without this the default
    # (unrestricted) engine would run the next script. Sub-workflows read the top one's.
    workflow.script_engine = script_engine
    return workflow
