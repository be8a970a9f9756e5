"""Claims (认领) hold: a task a colleague has claimed is theirs until they release it or a
supervisor reassigns it (改派). Completing or claiming it is refused with a 409 naming the holder,
in the web app and in the API; an unclaimed task can still be done straight from the inbox, and
the complainant's own rating still completes a follow-up an intake clerk holds for a call."""
from __future__ import annotations

import pytest
from sqlalchemy import select, true

from engine.core.errors import TaskClaimed, TaskConflict
from engine.models import Task, User
from engine.org.api_tokens import create_token
from engine.public.portal import rate, submit
from engine.work.board_actions import reassign
from engine.work.tasks import claim_task, complete_task, release_task

ADMIN_NAME = "系统管理员"  # tests' seed: engine/org/seed.py STAFF


def user_id(env, username: str) -> int:
    with env.db.read() as s:
        return s.scalar(select(User.id).where(User.username == username))


def task_row(env, task_id: str) -> Task:
    with env.db.read() as s:
        return s.get(Task, task_id)


def claimed_by_admin(env):
    case = env.register(title="已被认领")
    task = env.task(case, "receive")
    env.run(claim_task, task.id, user_id(env, "admin"), "admin")
    return case, task


# ---------------------------------------------------------------------------- engine


def test_only_the_holder_completes_a_claimed_task(env):
    case, task = claimed_by_admin(env)
    with pytest.raises(TaskClaimed) as refused:
        env.run(complete_task, task.id, {"decision": "accept"}, "intake", user_id=user_id(env, "intake"))
    assert refused.value.holder == "admin" and refused.value.holder_name == ADMIN_NAME
    assert ADMIN_NAME in str(refused.value)
    assert isinstance(refused.value, TaskConflict)  # callers that catch conflicts keep working
    assert task_row(env, task.id).state == "ready" and not env.audit(case, "task_completed")

    env.run(complete_task, task.id, {"decision": "accept"}, "admin", user_id=user_id(env, "admin"))
    assert task_row(env, task.id).completed_by == "admin"
    # Once done, the old conflict still names who completed it.
    with pytest.raises(TaskConflict) as late:
        env.run(complete_task, task.id, {"decision": "accept"}, "intake", user_id=user_id(env, "intake"))
    assert late.value.completed_by == "admin" and not isinstance(late.value, TaskClaimed)


def test_release_and_reassign_move_a_claimed_task(env):
    case, task = claimed_by_admin(env)
    intake = user_id(env, "intake")
    env.run(release_task, task.id, intake, "intake")  # not theirs: nothing happens
    assert task_row(env, task.id).assignee_id == user_id(env, "admin")
    env.run(reassign, case.id, task.id, intake, actor="supervisor", actor_tier=3, scope=true(),
            may_work=lambda _s, _uid: true())
    with pytest.raises(TaskClaimed) as refused:
        env.run(complete_task, task.id, {"decision": "accept"}, "admin", user_id=user_id(env, "admin"))
    assert refused.value.holder == "intake"
    env.run(complete_task, task.id, {"decision": "accept"}, "intake", user_id=intake)
    assert task_row(env, task.id).completed_by == "intake"


def test_claiming_a_claimed_task_names_the_holder(env):
    _case, task = claimed_by_admin(env)
    with pytest.raises(TaskClaimed, match=ADMIN_NAME):
        env.run(claim_task, task.id, user_id(env, "intake"), "intake")


def test_the_public_rating_completes_a_follow_up_an_intake_clerk_holds(env, tmp_path):
    form = {"category": "noise", "description": "工地每晚十一点后还在打桩", "grid_code": "T01-A01-V01",
            "address": "城关镇幸福路 8 号", "complainant_name": "李四", "complainant_phone": "13900001111"}
    case = env.run(submit, form, [], root=tmp_path)
    env.accept_and_assign(case, "enforcement")
    env.complete(case, "handle", {"outcome": "done", "findings": "已核实"}, actor="handler2")
    env.complete(case, "feedback", {"reply": "已责令停工", "contact_method": "phone"}, actor="handler2")
    env.complete(case, "review", {"approved": True}, actor="lead2")
    follow_up = env.task(case, "follow_up")
    env.run(claim_task, follow_up.id, user_id(env, "intake"), "intake")

    rated = env.run(rate, env.case(case).tracking_code, "satisfied")
    assert rated.status == "closed"
    assert task_row(env, follow_up.id).completed_by == "public"


# ---------------------------------------------------------------------------- web


def test_web_refuses_completing_and_claiming_a_colleagues_task_naming_them(env, as_user):
    case, task = claimed_by_admin(env)
    intake = as_user("intake")
    page = intake.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert ADMIN_NAME in page and 'name="complete"' not in page  # no form to fill in for nothing

    done = intake.post(f"/tasks/{task.id}", {"decision": "accept", "complete": "1"}, page_url="/inbox")
    assert done.status_code == 409
    assert ADMIN_NAME in done.get_data(as_text=True)
    draft = intake.post(f"/tasks/{task.id}", {"decision": "accept", "save_draft": "1"}, page_url="/inbox")
    assert draft.status_code == 409
    claimed = intake.post(f"/tasks/{task.id}/claim", {}, page_url="/inbox")
    assert claimed.status_code == 409
    assert ADMIN_NAME in claimed.get_data(as_text=True)
    row = task_row(env, task.id)
    assert (row.state, row.assignee_id) == ("ready", user_id(env, "admin"))
    assert not env.audit(case, "task_completed")

    # The holder can; after them, the old conflict names who did it.
    assert as_user("admin").post(f"/tasks/{task.id}", {"decision": "accept", "complete": "1"}).status_code == 302
    assert task_row(env, task.id).completed_by == "admin"


def test_web_completes_an_unclaimed_task_directly(env, as_user):
    task = env.task(env.register(), "receive")
    response = as_user("intake").post(f"/tasks/{task.id}", {"decision": "accept", "complete": "1"})
    assert response.status_code == 302 and task_row(env, task.id).completed_by == "intake"


# ---------------------------------------------------------------------------- API


def _token(env, user: str) -> dict:
    _row, token = env.run(create_token, f"claims {user}", ["tasks:read", "tasks:write"], created_by="admin",
                          username=user)
    return {"Authorization": f"Bearer {token}"}


def test_api_refuses_completing_and_claiming_a_colleagues_task_naming_them(env, app):
    case, task = claimed_by_admin(env)
    api = app.test_client()
    intake = _token(env, "intake")

    done = api.post(f"/api/v1/tasks/{task.id}/complete", json={"data": {"decision": "accept"}}, headers=intake)
    assert done.status_code == 409
    body = done.get_json()
    assert body["code"] == "conflict" and ADMIN_NAME in body["message"]
    assert body["errors"] == {"claimed_by": ["admin"]}
    claimed = api.post(f"/api/v1/tasks/{task.id}/claim", headers=intake)
    assert claimed.status_code == 409 and ADMIN_NAME in claimed.get_json()["message"]
    assert task_row(env, task.id).state == "ready" and not env.audit(case, "task_completed")

    mine = api.post(f"/api/v1/tasks/{task.id}/complete", json={"data": {"decision": "accept"}},
                    headers=_token(env, "admin"))
    assert mine.status_code == 200, mine.get_json()
