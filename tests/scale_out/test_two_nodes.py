"""Two web processes and two workers on one PostgreSQL, sharing an object store and Redis — the
production layout of docs/deployment.md in miniature, with real processes: `greenloop run`
(waitress) twice and `greenloop worker` twice.

Citizens submit complaints with a photo, each form fetched from one node and posted to the other;
intake signs in on one node and works on the other, and every "accept" is sent to both nodes at
once; one worker is killed with SIGKILL while timers fire. Then: every task was completed once,
every timer fired once and none is left due, every photo comes back byte for byte from both
nodes (and no node kept a file of its own), a session made on one node holds on the other, and the
sign-in limit per address is counted across both.

Time is injected (engine/core/clock.py, GREENLOOP_FAKE_NOW): the web processes live at NOW, the
workers a month later, so every stage timer a web request starts is due for the workers at once.
"""
from __future__ import annotations

import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select, text

from bench.harness import stop_all, tail
from engine.bootstrap import build_runtime
from engine.core.clock import ManualClock
from engine.core.config import REPO_ROOT
from engine.core.db import Database
from engine.core.migrate import upgrade
from engine.models import Attachment, AuditEvent, Case, ProcessInstance, Task
from engine.storage import ATTACHMENTS
from engine.storage.s3 import S3Store
from tests import images
from tests.conftest import TEST_PASSWORD, seed_baseline, truncate_all
from tests.s3_server import s3_server
from tests.web.conftest import csrf_of

PG_URL = os.environ.get("GREENLOOP_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("GREENLOOP_TEST_REDIS_URL") or "redis://127.0.0.1:6379/3"

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.skipif(not PG_URL, reason="several processes on one database need PostgreSQL: "
                                          "set GREENLOOP_TEST_DATABASE_URL"),
]

NOW = "2026-03-02T01:00:00+00:00"  # a Monday, 09:00 in the county
WORKER_NOW = "2026-04-02T01:00:00+00:00"  # past 15 working days: every receive- and assign-stage timer is due
CITIZENS = 16
FORM = {"category": "noise", "subject_type": "construction", "grid_code": "T01-A01-V01",
        "address": "城关镇幸福路 8 号旁工地", "complainant_name": "李四", "complainant_phone": "13900001111"}
CODE_RE = re.compile(r'id="tracking-code">([0-9A-Z]{10})<')
LOGIN_LIMIT = 10  # per address per minute (webapp/__init__.py LOGIN_RATE_LIMIT)
DEADLINE_S = 180.0  # a bound for a hang; the run takes about a minute (the test prints its times)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Cluster:
    """The processes of the test, each with its own data folder, all with one secret key, one
    database, one object store and one Redis."""

    def __init__(self, tmp_path: Path, storage_url: str):
        self.tmp_path = tmp_path
        self.env = dict(os.environ, GREENLOOP_DATABASE_URL=PG_URL, GREENLOOP_STORAGE_URL=storage_url,
                        GREENLOOP_RATE_LIMIT_STORAGE=REDIS_URL, GREENLOOP_SECRET_KEY=secrets.token_urlsafe(48),
                        GREENLOOP_TRUSTED_PROXIES="1")
        self.env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), self.env.get("PYTHONPATH")) if p)
        self.procs: dict[str, tuple[subprocess.Popen, Path]] = {}
        self.nodes: dict[str, str] = {}

    def start(self, name: str, args: list[str], now: str) -> None:
        env = dict(self.env, GREENLOOP_FAKE_NOW=now, GREENLOOP_DATA_DIR=str(self.tmp_path / name),
                   PGAPPNAME=f"greenloop-test-{name}")
        log = self.tmp_path / f"{name}.log"
        with log.open("wb") as out:
            self.procs[name] = (subprocess.Popen([sys.executable, "-m", "webapp.cli", *args], cwd=REPO_ROOT, env=env,
                                                 stdin=subprocess.DEVNULL, stdout=out, stderr=out), log)

    def web(self, name: str) -> None:
        port = _free_port()
        self.start(name, ["run", "--no-worker", "--host", "127.0.0.1", "--port", str(port)], NOW)
        self.nodes[name] = f"http://127.0.0.1:{port}"

    def check_alive(self, *, but: set[str] = frozenset()) -> None:
        for name, (proc, log) in self.procs.items():
            if name not in but and proc.poll() is not None:
                pytest.fail(f"{name} exited ({proc.returncode}):\n{tail(log)}")

    def wait_until_serving(self, deadline: float) -> None:
        for name, url in self.nodes.items():
            while True:
                self.check_alive()
                try:
                    if requests.get(f"{url}/healthz", timeout=2).status_code == 200:
                        break
                except requests.ConnectionError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"{name} did not answer:\n{tail(self.procs[name][1])}")
                time.sleep(0.1)

    def kill(self, name: str) -> None:
        proc = self.procs[name][0]
        assert proc.poll() is None, f"{name} stopped by itself:\n{tail(self.procs[name][1])}"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def stop_all(self) -> None:
        stop_all(proc for proc, _log in self.procs.values())


class Browser:
    """One person's browser at one address, behind the reverse proxy (X-Forwarded-For)."""

    def __init__(self, address: str):
        self.http = requests.Session()
        self.http.headers["X-Forwarded-For"] = address

    def tab(self) -> Browser:
        """Another tab of the same browser: the same cookies, its own connection (one per thread)."""
        other = Browser(self.http.headers["X-Forwarded-For"])
        other.http.cookies.update(self.http.cookies)
        return other

    def csrf(self, url: str) -> str:
        response = self.http.get(url, timeout=30)
        assert response.status_code == 200, (url, response.status_code)
        return csrf_of(response.text)

    def sign_in(self, node: str, username: str, password: str) -> int:
        token = self.csrf(f"{node}/login")
        return self.http.post(f"{node}/login", data={"username": username, "password": password, "csrf_token": token},
                              allow_redirects=False, timeout=30).status_code


def _address() -> str:
    # A fresh address per run and person: the per-address limits in Redis start from nothing.
    return f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"


def _submit(form_node: str, post_node: str, n: int) -> tuple[str, bytes]:
    """A citizen fetches the form from one node and posts it, with a photo, to the other; the
    tracking code is read back from the first. Returns (code, photo)."""
    citizen = Browser(_address())
    photo = images.jpeg((40 + n, 30))
    token = citizen.csrf(f"{form_node}/public/new")
    data = dict(FORM, description=f"工地每晚十一点后还在打桩，第 {n} 位市民投诉", csrf_token=token)
    response = citizen.http.post(f"{post_node}/public/new", data=data, files={"attachments": (f"现场{n}.jpg", photo,
                                                                                               "image/jpeg")},
                                 allow_redirects=False, timeout=60)
    assert response.status_code == 303, (response.status_code, response.text[:500])
    page = citizen.http.get(f"{form_node}/public/submitted", timeout=30).text
    return CODE_RE.search(page).group(1), photo


def _accept_on_both(staff: Browser, task_id: str, nodes: list[str]) -> list[int]:
    """Send the same "accept" to both nodes at once (a double submit through the load balancer)."""
    tabs = [staff.tab() for _ in nodes]
    token = tabs[0].csrf(f"{nodes[0]}/tasks/{task_id}")
    data = {"decision": "accept", "note": "属实", "complete": "1", "csrf_token": token}
    with ThreadPoolExecutor(len(nodes)) as pool:
        answers = pool.map(lambda tab, node: tab.http.post(f"{node}/tasks/{task_id}", data=data, allow_redirects=False,
                                                           timeout=60).status_code, tabs, nodes)
    return sorted(answers)


@pytest.fixture(scope="module")
def pg() -> Database:
    upgrade(PG_URL)
    db = Database(PG_URL)
    truncate_all(db)
    seed_baseline(build_runtime(db, ManualClock(datetime.fromisoformat(NOW)), "Asia/Shanghai"))
    yield db
    truncate_all(db)
    db.dispose()


def _fired(db: Database) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.kind == "timer_fired"))


def _due(db: Database) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(ProcessInstance).where(
            ProcessInstance.status == "running", ProcessInstance.next_timer_due <= datetime.fromisoformat(WORKER_NOW)))


def test_two_web_nodes_and_two_workers_share_one_database_files_sessions_and_limits(pg, tmp_path):
    started = time.monotonic()
    deadline = started + DEADLINE_S
    with s3_server() as storage_url:
        cluster = Cluster(tmp_path, storage_url)
        try:
            cluster.web("web_a")
            cluster.web("web_b")
            cluster.start("worker_victim", ["worker", "--poll", "0.2"], WORKER_NOW)
            cluster.start("worker_survivor", ["worker", "--poll", "0.2"], WORKER_NOW)
            cluster.wait_until_serving(deadline)
            serving = time.monotonic()
            a, b = cluster.nodes["web_a"], cluster.nodes["web_b"]

            # A session made on node A is good on node B.
            intake = Browser(_address())
            assert intake.sign_in(a, "intake", TEST_PASSWORD) == 302
            inbox = intake.http.get(f"{b}/inbox", allow_redirects=False, timeout=30)
            assert inbox.status_code == 200 and "intake" in inbox.text

            # Citizens, half through each node; the first worker is killed while timers fire.
            with ThreadPoolExecutor(4) as pool:
                first = list(pool.map(lambda n: _submit(a if n % 2 else b, b if n % 2 else a, n),
                                      range(CITIZENS // 2)))
            while _fired(pg) < 3:
                cluster.check_alive()
                assert time.monotonic() < deadline, "no timer fired"
                time.sleep(0.05)
            cluster.kill("worker_victim")
            fired_at_kill = _fired(pg)
            with ThreadPoolExecutor(4) as pool:
                submitted = first + list(pool.map(lambda n: _submit(a if n % 2 else b, b if n % 2 else a, n),
                                                  range(CITIZENS // 2, CITIZENS)))

            # Intake accepts every case, each "accept" sent to both nodes at once.
            with pg.read() as s:
                cases = dict(s.execute(select(Case.tracking_code, Case.id)).all())
                receive = dict(s.execute(select(Task.case_id, Task.id).where(Task.spec == "receive",
                                                                             Task.state == "ready")).all())
            assert sorted(cases) == sorted(code for code, _ in submitted)
            with ThreadPoolExecutor(3) as pool:
                answers = list(pool.map(lambda case_id: _accept_on_both(intake, receive[case_id], [a, b]),
                                        cases.values()))
            assert all(pair == [302, 409] for pair in answers), answers

            # The survivor fires everything left, including what the victim held.
            while _due(pg):
                cluster.check_alive(but={"worker_victim"})
                assert time.monotonic() < deadline, f"{_due(pg)} instances still have a due timer"
                time.sleep(0.1)

            # Every photo back, byte for byte, from both nodes: to the citizen and to intake.
            with pg.read() as s:
                files = {code: s.execute(select(Attachment.id, Attachment.stored_path).join(Case)
                                         .where(Case.tracking_code == code)).one() for code in cases}
            for code, photo in submitted:
                attachment_id, key = files[code]
                for node in (a, b):
                    public = requests.get(f"{node}/public/track/{code}/files/{attachment_id}",
                                          headers={"X-Forwarded-For": _address()}, timeout=30)
                    assert public.status_code == 200 and public.content == photo
                    staff = intake.http.get(f"{node}/cases/{cases[code]}/attachments/{attachment_id}", timeout=30)
                    assert staff.status_code == 200 and staff.content == photo
                    assert staff.headers["X-Content-Type-Options"] == "nosniff"
            objects = S3Store.from_url(storage_url).child(ATTACHMENTS)
            assert sorted(objects.keys()) == sorted(key for _id, key in files.values())

            # The sign-in limit per address is one count across the nodes (Redis).
            attacker = Browser(_address())
            tries = [attacker.sign_in(a if i % 2 else b, f"nobody{i}", "wrong-password") for i in range(LOGIN_LIMIT)]
            assert tries == [401] * LOGIN_LIMIT
            assert [attacker.sign_in(node, "nobody-more", "wrong-password") for node in (a, b)] == [429, 429]
            cluster.check_alive(but={"worker_victim"})
        finally:
            cluster.stop_all()

    # Each accept happened once; each timer fired once; nothing is left due.
    with pg.read() as s:
        completed = dict(s.execute(select(AuditEvent.task_id, func.count()).where(
            AuditEvent.kind == "task_completed").group_by(AuditEvent.task_id)).all())
        fired = s.execute(text(
            "SELECT instance_id, detail->>'element', detail->>'due', count(*) FROM audit_event "
            "WHERE kind = 'timer_fired' GROUP BY 1, 2, 3")).all()
        instances = set(s.scalars(select(ProcessInstance.id).where(ProcessInstance.case_id.in_(cases.values()))))
        errors = s.scalar(select(func.count()).select_from(ProcessInstance).where(ProcessInstance.status == "error"))
    assert set(completed) == set(receive.values()) and set(completed.values()) == {1}
    assert fired and all(count == 1 for *_, count in fired), [row for row in fired if row[3] != 1][:10]
    assert {row[0] for row in fired} >= instances  # every case's stage timers fired
    assert 0 < fired_at_kill < len(fired)  # the victim died with work left
    assert errors == 0
    # No node kept a file of its own: the photos live in the object store only.
    assert not [p for p in tmp_path.rglob("*") if p.is_file() and p.parent != tmp_path]
    print(f"scale-out: {len(cases)} cases, {len(fired)} timers ({fired_at_kill} before the kill); start-up "
          f"{serving - started:.1f} s, load and checks {time.monotonic() - serving:.1f} s, load average "
          f"{os.getloadavg()[0]:.1f}")
