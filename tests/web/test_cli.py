"""The `greenloop` command as a new user runs it: init-db, deploy, demo, run, worker."""
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from sqlalchemy import func, select

from engine.core.db import Database
from engine.definitions.deploy import shipped_processes
from engine.demo_agencies import JOINT_CASE, TRANSFER_CASE
from engine.models import Case, Patrol, ProcessDefinition, User
from engine.models.enforcement import EnforcementCase
from engine.models.geo import MapBoundaries
from tests.web.conftest import Browser
from webapp import create_app
from webapp.cli import main


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("GREENLOOP_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("GREENLOOP_DATABASE_URL", raising=False)
    monkeypatch.delenv("GREENLOOP_FAKE_NOW", raising=False)
    return tmp_path


def test_init_deploy_demo_and_overview(data_dir, capsys):
    assert main(["init-db"]) == 0
    assert main(["deploy"]) == 0
    assert "deployed as new version v1" in capsys.readouterr().out
    assert main(["deploy"]) == 0
    assert "unchanged, still v1" in capsys.readouterr().out
    assert main(["demo", "--password", "pw-123456", "--cases", "6"]) == 0
    out = capsys.readouterr().out
    assert "admin" in out and "pw-123456" in out and "6 demo cases" in out
    assert main(["demo", "--password", "other"]) == 0  # idempotent: nothing duplicated
    db = Database(f"sqlite:///{data_dir / 'greenloop.db'}")
    with db.read() as s:
        # The 6 simulated cases; the problem a demo patrol found (engine/demo_patrols.py); the
        # violation the demo's random inspection found (engine/inspections/sample.py); the two
        # complaints waiting for the outside agencies (engine/demo_agencies.py).
        from_patrols = select(Patrol.case_id).where(Patrol.case_id.is_not(None))
        from_inspections = select(EnforcementCase.case_id).where(EnforcementCase.source == "inspection")
        for_agencies = Case.title.in_((TRANSFER_CASE["title"], JOINT_CASE["title"]))
        assert s.scalar(select(func.count()).select_from(Case).where(
            Case.id.not_in(from_patrols), Case.id.not_in(from_inspections), ~for_agencies)) == 6
        assert s.scalar(select(func.count()).select_from(Case).where(Case.id.in_(from_patrols))) == 1
        assert s.scalar(select(func.count()).select_from(Case).where(Case.id.in_(from_inspections))) == 1
        assert s.scalar(select(func.count()).select_from(Case).where(for_agencies)) == 2
        # One version of each shipped process (the complaint loop, the leader's reminder, …).
        assert s.scalar(select(func.count()).select_from(ProcessDefinition)) == len(shipped_processes())
        assert s.scalar(select(func.count()).select_from(User).where(User.username == "admin")) == 1
        open_case = s.scalars(select(Case).where(Case.stage.is_not(None))).first()
        # The demo county has its map: generated boundaries, and cases near their villages.
        shapes = s.scalar(select(MapBoundaries))
        positions = s.execute(select(Case.longitude, Case.latitude).where(Case.longitude.is_not(None))).all()
    assert shapes.source == "generated" and len(shapes.anchors) == 1 + 14 + 105
    west, south, east, north = shapes.bbox
    assert positions and all(west < lon < east and south < lat < north for lon, lat in positions)
    app = create_app()
    health = app.test_client().get("/healthz").get_json()
    assert health["status"] == "ok" and health["instances_in_error"] == 0
    page = Browser(app, "admin", password="pw-123456").get("/overview").get_data(as_text=True)
    if open_case is not None:
        assert open_case.number in page
    # The 12345 platform's demo token, printed once, really submits through Open311.
    token = re.search(r"12345 热线平台 \(demo\)\s+(glt_\S+)", out).group(1)
    answer = app.test_client().post("/open311/v2/requests.json", data={
        "api_key": token, "service_code": "noise", "description": "夜间施工噪声", "address_string": "城关镇人民路 1 号"})
    assert answer.status_code == 201, answer.get_data(as_text=True)
    assert answer.get_json()[0]["service_request_id"].startswith("环字")


def test_overview_escapes_complaint_text(data_dir):
    from engine.bootstrap import make_runtime
    from engine.cases.intake import register_case
    from engine.core.runtime import in_transaction
    from engine.definitions.deploy import deploy_shipped
    from engine.org.seed import seed_departments, seed_grid, seed_staff

    main(["init-db"])
    runtime = make_runtime()
    with runtime.db.write() as s:
        seed_departments(s)
        seed_grid(s, areas=14, villages=14)
        deploy_shipped(s, runtime)
    with runtime.db.write() as s:
        seed_staff(s, "pw-123456")
    in_transaction(runtime, register_case, {"channel": "hotline", "category": "noise",
                                            "title": "<script>alert(1)</script>", "complainant_anonymous": True},
                   "intake")
    page = Browser(create_app(runtime=runtime), "admin", password="pw-123456").get("/overview").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_deploy_of_a_broken_file_fails_with_the_element_named(data_dir, tmp_path, capsys):
    main(["init-db"])
    broken = tmp_path / "complaint.bpmn"
    from engine.definitions.deploy import shipped_files

    broken.write_text(shipped_files()[0]["complaint.bpmn"].replace(
        '<spiffworkflow:property name="form" value="handle" />', ""), encoding="utf-8")
    assert main(["deploy", "--bpmn", str(broken)]) == 1
    assert "handle: 用户任务没有指定表单" in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_run_serves_the_app_with_an_in_process_worker(data_dir):
    assert main(["init-db"]) == 0 and main(["deploy"]) == 0
    port = _free_port()
    env = dict(os.environ, GREENLOOP_DATA_DIR=str(data_dir))
    proc = subprocess.Popen([sys.executable, "-m", "webapp.cli", "run", "--port", str(port), "--poll", "1"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as resp:
                    body = json.loads(resp.read())
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(proc.stdout.read() if proc.poll() is not None else "server did not start")
                time.sleep(0.2)
        assert body["status"] == "ok"
    finally:
        proc.terminate()
        proc.wait(10)


def test_worker_once_fires_due_timers(data_dir, monkeypatch, capsys):
    from engine.bootstrap import make_runtime
    from engine.cases.intake import register_case
    from engine.core.runtime import in_transaction
    from engine.definitions.deploy import deploy_shipped

    main(["init-db"])
    monkeypatch.setenv("GREENLOOP_FAKE_NOW", "2026-03-02T02:00:00+00:00")
    runtime = make_runtime()
    with runtime.db.write() as s:
        deploy_shipped(s, runtime)
    case = in_transaction(runtime, register_case, {"channel": "hotline", "category": "air", "title": "异味",
                                                   "complainant_anonymous": True}, "intake")
    monkeypatch.setenv("GREENLOOP_FAKE_NOW", "2026-03-18T16:00:01+00:00")  # receive warning is due
    assert main(["worker", "--once"]) == 0
    assert "fired 1 due instance(s)" in capsys.readouterr().out
    with runtime.db.read() as s:
        assert s.get(Case, case.id).colour == "yellow"


def test_reinspection_draw_records_its_seed_and_check_draws_it_again(data_dir, monkeypatch, capsys):
    from engine.bootstrap import make_runtime
    from engine.definitions.deploy import deploy_shipped

    main(["init-db"])
    runtime = make_runtime()
    with runtime.db.write() as s:
        deploy_shipped(s, runtime)
    assert main(["reinspection-draw", "--from", "2026-03-01", "--to", "2026-04-01", "--share", "0.5",
                 "--seed", "42", "--by", "supervisor"]) == 0
    assert "draw 1 seed=42 candidates=0" in capsys.readouterr().out
    assert main(["reinspection-draw", "--check", "1"]) == 0
    assert main(["reinspection-draw", "--check", "99"]) == 1
