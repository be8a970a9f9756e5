"""Flags (重点/疑难/积案) set and cleared with a reason by the supervision section, audited; the
leader's list with last and next checks; the flagged list with its filters."""
import pytest

from engine.core.errors import NotFound
from engine.leadership import flags, lists, records
from engine.leadership.errors import RecordInvalid
from engine.models import CaseFlag
from engine.org.scopes import flag_scope, leader_case_scope
from engine.vocabulary import events
from tests.engine.leadership.conftest import staff


def test_flags_are_set_and_cleared_with_a_reason_and_audited(env, owned):
    supervisor = staff(env, "supervisor")
    env.run(flags.set_flag, owned.id, "key", actor="supervisor", reason="群众反映强烈", scope=flag_scope(supervisor))
    env.run(flags.set_flag, owned.id, "backlog", actor="supervisor", reason="超过三个月", scope=flag_scope(supervisor))
    with pytest.raises(RecordInvalid) as refused:
        env.run(flags.set_flag, owned.id, "key", actor="supervisor", reason="again", scope=flag_scope(supervisor))
    assert refused.value.codes("flag") == ["already_flagged"]
    with env.db.read() as s:
        assert [f.flag for f in flags.flags_of(s, [owned.id])[owned.id]] == ["key", "backlog"]
    with pytest.raises(RecordInvalid) as refused:
        env.run(flags.clear_flag, owned.id, "key", actor="leader", reason=" ", scope=flag_scope(staff(env, "leader")))
    assert refused.value.codes("reason") == ["required"]
    env.run(flags.clear_flag, owned.id, "key", actor="leader", reason="已基本解决", scope=flag_scope(staff(env, "leader")))
    assert env.count(CaseFlag) == 1
    texts = [events.render(e.kind, detail=e.detail) for e in env.audit(owned) if e.kind.startswith("case_")]
    assert texts == ["标记为「重点」，理由：群众反映强烈", "标记为「积案」，理由：超过三个月",
                     "取消「重点」标记，理由：已基本解决"]
    assert events.told("case_flagged") is None


@pytest.mark.parametrize("username", ["town", "handler", "lead", "intake"])
def test_below_the_supervision_section_nobody_flags(env, owned, username):
    with pytest.raises(NotFound):
        env.run(flags.set_flag, owned.id, "key", actor=username, reason="r", scope=flag_scope(staff(env, username)))
    assert env.count(CaseFlag) == 0


def test_an_unknown_flag_is_refused(env, owned):
    with pytest.raises(RecordInvalid) as refused:
        env.run(flags.set_flag, owned.id, "urgent", actor="admin", reason="r", scope=flag_scope(staff(env, "admin")))
    assert refused.value.codes("flag") == ["unknown_flag"]


def test_the_leaders_list_shows_last_and_next_check_and_overdue_next_checks(env, owned):
    other = env.register(title="第二件")
    leader = staff(env, "leader")
    env.run(records.record_check, owned.id, actor="leader", scope=leader_case_scope(leader), held_on="2026-03-02",
            decisions="d", next_check="2026-03-04")
    with env.db.read() as s:
        rows = lists.leader_cases(s, leader_case_scope(leader), now=env.clock.now(), timezone="Asia/Shanghai")
    assert [(r.case.id, r.last_check.isoformat(), r.next_check.isoformat(), r.check_overdue) for r in rows] == [
        (owned.id, "2026-03-02", "2026-03-04", False)]
    assert other.id not in [r.case.id for r in rows]
    env.clock.set(env.clock.now().replace(day=5))
    with env.db.read() as s:
        [row] = lists.leader_cases(s, leader_case_scope(leader), now=env.clock.now(), timezone="Asia/Shanghai")
    assert row.check_overdue and row.owner == "分管局领导 郑国华"
    # Another supervisor owns nothing.
    with env.db.read() as s:
        assert lists.leader_cases(s, leader_case_scope(staff(env, "supervisor")), now=env.clock.now(),
                                  timezone="Asia/Shanghai") == []


def test_the_flagged_list_filters_by_flag_colour_department_and_owner(env, owned):
    other = env.register(title="第二件")
    admin = staff(env, "admin")
    env.run(flags.set_flag, owned.id, "difficult", actor="admin", reason="r", scope=flag_scope(admin))
    env.run(flags.set_flag, other.id, "backlog", actor="admin", reason="r", scope=flag_scope(admin))
    scope = flag_scope(staff(env, "supervisor"))

    def ids(**filters):
        with env.db.read() as s:
            page = lists.flagged_cases(s, scope, lists.FlagFilters(**filters), now=env.clock.now(),
                                       timezone="Asia/Shanghai")
        return sorted(r.case.id for r in page.items)

    assert ids() == sorted([owned.id, other.id])
    assert ids(flag="difficult") == [owned.id]
    assert ids(flag="key") == []
    assert ids(colour="blue") == sorted([owned.id, other.id])
    assert ids(colour="red") == []
    assert ids(department_id=owned.department_id) == [owned.id]
    assert ids(owner_id=staff(env, "leader").id) == [owned.id]
    with env.db.read() as s:
        page = lists.flagged_cases(s, flag_scope(staff(env, "handler")), lists.FlagFilters(), now=env.clock.now(),
                                   timezone="Asia/Shanghai")
    assert page.items == []
