"""Keep a long-running workflow's task tree short.

SpiffWorkflow keeps every task ever run as a chain from the root, so each loop of a case
(review rejected, returned, reopened) makes the tree deeper and every step slower; at depth
1000 its task iterator silently stops (docs/spiffworkflow.md). The finished tasks above the point where
all unfinished work branches off are history that the audit trail already holds, so they are
cut away and that point is hung directly under the root. Finished sub-process trees go too.
"""
from __future__ import annotations

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

# Cutting costs a walk over the tree; doing it only past this size keeps it rare.
COMPACT_ABOVE_TASKS = 120


def prune_finished_subprocesses(workflow: BpmnWorkflow) -> None:
    for task_id in list(workflow.subprocesses):
        sub = workflow.subprocesses.get(task_id)
        if sub is None or not sub.completed:
            continue
        parent = sub.parent_workflow.tasks.get(task_id) if sub.parent_workflow is not None else None
        if parent is not None and parent.has_state(TaskState.FINISHED_MASK):
            workflow.delete_subprocess(parent)


def _chain(task) -> list:
    chain = []
    while task is not None:
        chain.append(task)
        task = task.parent
    chain.reverse()
    return chain


def compact_main_tree(workflow: BpmnWorkflow, threshold: int = COMPACT_ABOVE_TASKS) -> int:
    """Cut finished history from the top-level tree; returns how many tasks were removed."""
    if len(workflow.tasks) <= threshold:
        return 0
    root = workflow.task_tree
    unfinished = [t for t in workflow.tasks.values() if not t.has_state(TaskState.FINISHED_MASK)]
    if not unfinished:
        return 0
    common = _chain(unfinished[0])
    for task in unfinished[1:]:
        chain = _chain(task)
        size = 0
        while size < min(len(common), len(chain)) and common[size] is chain[size]:
            size += 1
        common = common[:size]
    if len(common) < 3:  # already hanging (almost) directly under the root
        return 0
    keep_top = common[-1]
    keep = {root.id}
    stack = [keep_top]
    while stack:
        task = stack.pop()
        keep.add(task.id)
        stack.extend(task.children)
    removed = [task_id for task_id in workflow.tasks if task_id not in keep]
    for task_id in removed:
        if task_id in workflow.subprocesses:
            workflow.delete_subprocess(workflow.tasks[task_id])
    for task_id in removed:
        del workflow.tasks[task_id]
    root._children = [keep_top.id]
    keep_top._parent = root.id
    if workflow.last_task is not None and workflow.last_task.id not in keep:
        workflow.last_task = keep_top
    return len(removed)
