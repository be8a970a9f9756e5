"""A patrol point attached to an enterprise: its patrols are in the enterprise's history, and a
problem found there links the new case to the enterprise (and asks a listed one's review)."""
import pytest

from engine.core.errors import AdminError
from engine.enterprises import linking, register
from engine.enterprises.history import history
from engine.models import Case
from tests.engine.enterprises.test_positive_list import listed, ready
from tests.engine.patrol.conftest import patrols, point, start  # noqa: F401 - the fixture
from tests.engine.patrol.test_check_in import NEAR, _check_in


def test_a_problem_at_an_attached_point_links_its_case(env, enterprise, point, tmp_path):  # noqa: F811
    other = env.run(lambda s, _rt: register.save(s, {"credit_code": "9144030071526726XG", "name": "青山造纸厂",
                                                      "grid": "T05", "supervision_class": "一般"}, "admin",
                                                 env.clock.now()))
    with pytest.raises(AdminError):  # a point in another town
        env.run(lambda s, _rt: register.attach_patrol_point(s, other.id, point.id, "admin", env.clock.now()))
    env.run(lambda s, _rt: register.attach_patrol_point(s, enterprise.id, point.id, "admin", env.clock.now()))
    listed(env, enterprise, start="2026-04-02")
    start(env)
    [patrol] = patrols(env)
    _check_in(env, tmp_path, patrol, {**NEAR, "problem_found": "on", "problem_category": "air",
                                      "problem_title": "废气处理设施停运"})
    assert env.run(linking.link_patrol_case, patrols(env)[0].id, "gridofficer") == enterprise.id
    with env.db.read() as s:
        found = history(s, enterprise.id, Case.id.is_not(None))
        assert [p.id for p, _name in found.patrols] == [patrol.id]
        assert [c.title for c in found.complaints] == ["废气处理设施停运"]
    assert len(ready(env, "pl_review")) == 1
