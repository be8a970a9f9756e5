"""History pruning keeps a looping workflow's task tree short and the workflow intact
(engine/core/history.py), on the loops of tests/fixtures/bpmn/loops.bpmn."""
from __future__ import annotations

from SpiffWorkflow.util.task import TaskState

from engine.core import history
from engine.core.runtime import tree_depth
from engine.core.scripting import make_script_engine
from engine.core.workflow_io import dump, load
from tests.unit.spiff import bundle, complete, ready, start

FAR = "2099-01-01T00:00:00+00:00"  # the loops' timers never fire in these tests


def _loop(workflow, spec: str, times: int, cut: bool = True) -> list[int]:
    """Complete ``spec`` ``times`` times, each time sent round again, cutting history after
    every step as Runtime._run does; the tree depth after each step."""
    depths = []
    for n in range(times):
        complete(workflow, spec, {"round": n + 1, "again": True})
        if cut:
            history.prune_finished_subprocesses(workflow)
            history.compact_main_tree(workflow)
        depths.append(tree_depth(workflow))
    return depths


def _unfinished(workflow) -> dict:
    return {t.id: (t.task_spec.bpmn_id, t.state, dict(t.data))
            for t in workflow.get_tasks() if not t.has_state(TaskState.FINISHED_MASK)}


def test_a_task_sent_round_300_times_keeps_a_shallow_tree_and_still_finishes(clock):
    workflow = start("loops.bpmn", "task_loop", {"remind_at": FAR})
    depths = _loop(workflow, "tl_work", 300)
    # Each round adds three levels (task, gateway, task again): uncut, 300 rounds would be
    # 900 deep, near the depth where SpiffWorkflow's iterator silently stops.
    assert max(depths) < history.COMPACT_ABOVE_TASKS
    assert len(workflow.tasks) <= history.COMPACT_ABOVE_TASKS
    # The cut tree still serializes, loads and runs to its ordinary end.
    again = load(dump(workflow), bundle("loops.bpmn", "task_loop"), make_script_engine({}))
    [task] = ready(again, "tl_work")
    assert task.data["round"] == 300
    complete(again, "tl_work", {"again": False})
    assert again.completed
    ends = [t.task_spec.bpmn_id for t in again.get_tasks(state=TaskState.COMPLETED)
            if t.task_spec.bpmn_id in ("tl_end", "tl_end_late")]
    assert ends == ["tl_end"]


def test_finished_sub_process_trees_are_dropped(clock):
    kept = start("loops.bpmn", "stage_loop", {"remind_at": FAR})
    _loop(kept, "sl_work", 5, cut=False)
    # SpiffWorkflow itself keeps every finished stage.
    assert len(kept.subprocesses) == 6

    workflow = start("loops.bpmn", "stage_loop", {"remind_at": FAR})
    depths = _loop(workflow, "sl_work", 100)
    # Uncut, the main tree would hold ~200 tasks by now: it was compacted as well.
    assert len(workflow.tasks) <= history.COMPACT_ABOVE_TASKS
    [current] = workflow.subprocesses.values()
    assert not current.completed
    assert [t.task_spec.bpmn_id for t in ready(workflow)] == ["sl_work"]
    assert max(depths) < history.COMPACT_ABOVE_TASKS
    again = load(dump(workflow), bundle("loops.bpmn", "stage_loop"), make_script_engine({}))
    complete(again, "sl_work", {"again": False})
    assert again.completed


def test_compacting_keeps_ready_and_waiting_tasks_with_their_data(clock):
    workflow = start("loops.bpmn", "task_loop", {"remind_at": FAR})
    _loop(workflow, "tl_work", 30, cut=False)
    before = _unfinished(workflow)
    assert {(spec, state) for spec, state, _ in before.values()} >= {
        ("tl_work", TaskState.READY), ("tl_late", TaskState.WAITING)}
    deep = tree_depth(workflow)

    removed = history.compact_main_tree(workflow, threshold=0)

    assert removed > 0
    assert _unfinished(workflow) == before
    assert tree_depth(workflow) < deep
    # What is left hangs directly under the root, and every task left is reachable from it.
    [top] = workflow.task_tree.children
    assert top.parent is workflow.task_tree
    reachable, stack = set(), [workflow.task_tree]
    while stack:
        task = stack.pop()
        reachable.add(task.id)
        stack.extend(task.children)
    assert reachable == set(workflow.tasks)
    assert workflow.last_task.id in workflow.tasks
    [task] = ready(workflow, "tl_work")
    assert task.data["round"] == 30
    complete(workflow, "tl_work", {"again": False})
    assert workflow.completed


def test_a_small_tree_is_left_alone(clock):
    workflow = start("loops.bpmn", "task_loop", {"remind_at": FAR})
    _loop(workflow, "tl_work", 3, cut=False)
    tasks = set(workflow.tasks)
    assert history.compact_main_tree(workflow) == 0
    assert set(workflow.tasks) == tasks


def test_a_finished_workflow_is_left_alone(clock):
    workflow = start("loops.bpmn", "task_loop", {"remind_at": FAR})
    _loop(workflow, "tl_work", 2, cut=False)
    complete(workflow, "tl_work", {"again": False})
    assert workflow.completed
    assert history.compact_main_tree(workflow, threshold=0) == 0
