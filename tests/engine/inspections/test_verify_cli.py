"""`greenloop draw verify PLAN` against a recorded plan: verified; after tampering with the stored
draw, NOT VERIFIED and exit 1; the published file (as the portal offers it) verifies too."""
import json

from engine.inspections import recording
from engine.models.inspection import InspectionPlan
from tests.engine.inspections.conftest import make_plan
from webapp.cli import main


def test_verify_a_recorded_plan_and_a_tampered_one(env, county, database_url, monkeypatch, capsys, tmp_path):
    _ids, people = county
    plan = make_plan(env, people)
    env.run(recording.fix_seed, plan.id, "3312.45", "上证指数收盘", "supervisor")
    env.run(recording.run_draw, plan.id, "supervisor")
    monkeypatch.setenv("GREENLOOP_DATABASE_URL", database_url)
    monkeypatch.delenv("GREENLOOP_FAKE_NOW", raising=False)

    assert main(["draw", "verify", str(plan.id)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("verified: ") and "NOT VERIFIED" not in out

    with env.db.read() as s:
        document = s.get(InspectionPlan, plan.id).draw_document
    published = tmp_path / "draw.json"
    published.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    assert main(["draw", "verify", str(published)]) == 0
    assert capsys.readouterr().out.startswith("verified: ")

    def tamper(s, _rt):
        row = s.get(InspectionPlan, plan.id)
        inputs = {**row.draw_document["inputs"], "objects": row.draw_document["inputs"]["objects"][1:]}
        row.draw_document = {**row.draw_document, "inputs": inputs}

    env.run(tamper)
    assert main(["draw", "verify", str(plan.id)]) == 1
    out = capsys.readouterr().out
    assert "NOT VERIFIED: the fingerprint does not match" in out and "verified:" not in out.replace("NOT VERIFIED", "")
    assert main(["draw", "verify", "99999"]) == 2
