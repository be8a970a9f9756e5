"""执法办案 pages: the list and one case (facts, decision, documents, the open step's task), a
violation found on patrol opening an enforcement case, and the task pages working its steps."""
from __future__ import annotations

import io

from sqlalchemy import select

from engine.models.enforcement import EnforcementCase
from tests.engine.enforcement.conftest import VIOLATION, add_agency_officer, enforcement_of
from tests.engine.patrol.conftest import add_point, check_in_task, patrols, set_clock, start
from tests.images import jpeg


def _violating(env):
    case = env.register(subject_enterprise="示范化工有限公司")
    env.accept_and_assign(case, department="enforcement")
    env.complete(case, "handle", VIOLATION, actor="handler2")
    return env.case(case)


def test_the_list_and_the_case_page_follow_the_steps(env, as_user):
    case = _violating(env)
    lead = as_user("lead2")
    listed = lead.get("/enforcement").get_data(as_text=True)
    row = enforcement_of(env, case)
    assert f"/enforcement/{row.id}" in listed and "示范化工有限公司" in listed and "待立案" in listed
    page = lead.get(f"/enforcement/{row.id}").get_data(as_text=True)
    task = env.task(case, "en_file")
    # The lead works the filing task from here.
    assert f"/tasks/{task.id}" in page and case.number in page
    done = lead.post(f"/tasks/{task.id}", {"party": "示范化工有限公司", "violation": "废气直排"},
                     page_url=f"/tasks/{task.id}")
    assert done.status_code in (302, 303)
    row = enforcement_of(env, case)
    assert row.number == "示范县环罚立〔2026〕第1号"
    env.complete(case, "en_investigate", {"findings": "超标"}, actor="handler2")
    env.complete(case, "en_decide", {"fine_yuan": 50000, "production_limit": "none", "correction_order": "限期改正",
                                     "correction_days": 5}, actor="lead2")
    page = lead.get(f"/enforcement/{row.id}").get_data(as_text=True)
    assert "50,000.00" in page and "行政处罚决定书" in page and "责令改正违法行为决定书" in page
    # Filtered by step.
    assert row.number in lead.get("/enforcement?step=rectify_check").get_data(as_text=True)
    assert row.number not in lead.get("/enforcement?step=file").get_data(as_text=True)


def test_a_violation_found_on_patrol_opens_an_enforcement_case(env, as_user):
    set_clock(env, "2026-04-02T10:00:00+08:00")
    add_point(env)
    start(env)
    [patrol] = patrols(env)
    task = check_in_task(env, patrol)
    officer = as_user("gridofficer")
    url = f"/patrol/check-in/{task.id}"
    assert 'name="violation_found"' in officer.get(url).get_data(as_text=True)
    answer = officer.post(url, {"latitude": "30.0003", "longitude": "120", "answer-0": "problem",
                                "problem_found": "on", "problem_category": "air", "problem_title": "废气直排",
                                "problem_description": "废气处理设施停运", "violation_found": "on",
                                "photos": (io.BytesIO(jpeg()), "site.jpg")}, content_type="multipart/form-data")
    assert answer.status_code == 303
    [patrol] = patrols(env)
    with env.db.read() as s:
        row = s.scalars(select(EnforcementCase)).one()
    assert (row.source, row.patrol_id, row.case_id, row.violation) == ("patrol", patrol.id, patrol.case_id,
                                                                       "废气处理设施停运")
    assert [t.spec for t in env.ready(patrol.case_id) if t.stage == "enforcement"] == ["en_file"]


def test_the_police_officer_works_the_decision_on_their_task_page(env, as_user):
    add_agency_officer(env)
    case = _violating(env)
    env.complete(case, "en_file", {"party": "示范化工有限公司", "violation": "偷排"}, actor="lead2")
    env.complete(case, "en_investigate", {"findings": "暗管", "crime_suspected": True}, actor="handler2")
    env.complete(case, "en_handover", {"police_department": "police", "receiver": "王警官", "received_on": "2026-03-03",
                                       "handover_reason": "涉嫌污染环境罪"}, actor="handler2")
    task = env.task(case, "en_police")
    police = as_user("police1")
    assert "公安机关处理决定" in police.get("/inbox").get_data(as_text=True)
    done = police.post(f"/tasks/{task.id}", {"decision": "filed"}, page_url=f"/tasks/{task.id}")
    assert done.status_code in (302, 303)
    assert enforcement_of(env, case).police_decision == "filed"


def test_task_pages_offer_the_outside_agencies_working_in_greenloop(env, as_user):
    case = _violating(env)
    env.complete(case, "en_file", {"party": "示范化工有限公司", "violation": "偷排"}, actor="lead2")
    env.complete(case, "en_investigate", {"findings": "暗管", "crime_suspected": True}, actor="handler2")
    task = env.task(case, "en_handover")
    page = as_user("handler2").get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "公安局（外部单位）" not in page  # nobody works for the police in greenloop yet
    add_agency_officer(env)
    page = as_user("handler2").get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'value="police"' in page and "公安局（外部单位）" in page


def test_the_statistics_page_shows_the_enforcement_counts(env, as_user):
    case = _violating(env)
    env.complete(case, "en_file", {"party": "示范化工有限公司", "violation": "偷排"}, actor="lead2")
    env.complete(case, "en_investigate", {"findings": "超标"}, actor="handler2")
    env.complete(case, "en_decide", {"fine_yuan": 80000, "production_limit": "limit", "limit_start": "2026-03-05",
                                     "limit_end": "2026-03-20", "correction_order": "限产整改", "correction_days": 5},
                 actor="lead2")
    page = as_user("supervisor").get("/stats?from=2026-03-01&to=2026-03-31").get_data(as_text=True)
    cards = page[page.index('id="enforcement-cards"'):]
    cards = cards[:cards.index("</ul>")]
    assert "立案数" in cards and "80,000.00" in cards and "限产停产数" in cards


def test_investigation_evidence_is_uploaded_on_the_task_page_and_listed_in_the_letter(env, as_user, attachments_dir):
    add_agency_officer(env)
    case = _violating(env)
    env.complete(case, "en_file", {"party": "示范化工有限公司", "violation": "偷排"}, actor="lead2")
    task = env.task(case, "en_investigate")
    answer = as_user("handler2").post(f"/tasks/{task.id}", {
        "complete": "1", "findings": "暗管偷排", "crime_suspected": "true",
        "evidence": [(io.BytesIO(jpeg()), "现场检查笔录.jpg")]}, content_type="multipart/form-data")
    assert answer.status_code in (302, 303), answer.get_data(as_text=True)[:500]
    row = enforcement_of(env, case)
    assert len(row.evidence) == 1 and row.crime_suspected is True
    env.complete(case, "en_handover", {"police_department": "police", "receiver": "王警官", "received_on": "2026-03-03",
                                       "handover_reason": "涉嫌污染环境罪"}, actor="handler2")
    from engine.models.documents import Document
    with env.db.read() as s:
        letter = s.scalars(select(Document).where(Document.kind == "case_transfer_letter")).one()
    assert letter.context["enforcement"]["evidence"] == ["现场检查笔录.jpg"]
