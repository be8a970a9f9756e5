"""The load side of `greenloop bench http`: locust users (as a library, headless) driving the web
processes, run in a process of its own because locust patches the standard library for gevent.

    python -m bench.http_load PLAN.json RESULT.json

PLAN.json (written by bench/http_bench.py) names the web processes, the people and their tasks, the
rates and the durations; RESULT.json gets, per request type, the count, the failures, the rate over
the measured window and the p50/p95/max response times, and every failure's message.
"""
from __future__ import annotations

import itertools
import json
import random
import re
import sys
import time

import gevent
from locust import FastHttpUser, between, constant_pacing, constant_throughput, events, task
from locust.env import Environment

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SUBMISSION = re.compile(r'name="submission_token"[^>]*value="([^"]+)"')
CATEGORIES = ("air", "water", "noise", "solid_waste")
PLAN: dict = {}


def _address(rng: random.Random) -> str:
    # One address per citizen's visit or per staff member: what the reverse proxy would forward
    # (GREENLOOP_TRUSTED_PROXIES=1), so the per-address limits count each person, not the bench.
    return f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


class Node(FastHttpUser):
    """A user whose requests are spread over the web processes, one after another, as a reverse
    proxy without stickiness spreads them."""

    abstract = True
    host = "http://127.0.0.1"  # every request names its node in full

    def __init__(self, environment):
        super().__init__(environment)
        self.rng = random.Random()
        self.turn = itertools.count(self.rng.randrange(len(PLAN["nodes"])))
        self.headers: dict[str, str] = {}

    def send_headers(self) -> dict[str, str]:
        # As nginx talks to its upstreams by default (HTTP/1.0, no keep-alive): one connection per
        # request, so a web process holds as many connections as it has requests in flight, not one
        # per user and process (waitress stops accepting at 100 open connections).
        return {**self.headers, "Connection": "close"}

    def url(self, path: str) -> str:
        nodes = PLAN["nodes"]
        return nodes[next(self.turn) % len(nodes)] + path

    def fetch(self, path: str, name: str, expect: int = 200) -> str | None:
        with self.client.get(self.url(path), name=name, headers=self.send_headers(),
                             allow_redirects=False, catch_response=True) as response:
            if response.status_code != expect:
                response.failure(f"HTTP {response.status_code}, expected {expect}: {response.error or ''}")
                return None
            return response.text

    def send(self, path: str, name: str, data: dict, expect: int) -> bool:
        with self.client.post(self.url(path), name=name, data=data, headers=self.send_headers(), allow_redirects=False,
                              catch_response=True) as response:
            if response.status_code != expect:
                body = (response.text or "")[:300].replace("\n", " ") if response.status_code else response.error
                response.failure(f"HTTP {response.status_code}, expected {expect}: {body}")
                return False
            return True


class Citizen(Node):
    """Opens the public complaint form and submits it, then sees the tracking code page: each
    visit a new person (a fresh address and no cookies)."""

    wait_time = constant_throughput(1.0)

    @task
    def complain(self) -> None:
        self.client.cookiejar.clear()
        self.headers = {"X-Forwarded-For": _address(self.rng)}
        page = self.fetch("/public/new", "public form")
        if page is None:
            return
        fields = {"csrf_token": CSRF.search(page).group(1), "submission_token": SUBMISSION.search(page).group(1),
                  "category": self.rng.choice(CATEGORIES), "subject_type": "construction",
                  "grid_code": self.rng.choice(PLAN["villages"]), "address": "城关镇幸福路 8 号旁工地",
                  "complainant_name": "李四", "complainant_phone": "13900001111",
                  "description": f"工地每晚十一点后还在打桩，影响休息（{self.rng.randrange(10**6)}）"}
        if self.send("/public/new", "public submit", fields, 303):
            self.fetch("/public/submitted", "public submitted")


class Open311Client(Node):
    """A partner platform posting service requests with its own api_key, under the per-key limit
    (60 a minute: webapp/open311/requests.py)."""

    wait_time = constant_pacing(1.2)
    keys: list[str] = []

    def on_start(self) -> None:
        self.key = self.keys.pop()
        self.headers = {"X-Forwarded-For": _address(self.rng)}

    @task
    def post(self) -> None:
        self.send("/open311/v2/requests.json", "open311 post", {
            "api_key": self.key, "service_code": self.rng.choice(CATEGORIES), "lat": "30.2741", "long": "120.1551",
            "address_string": "城关镇建设路 8 号", "description": "工地每晚 23 点后仍在打桩，影响休息",
            "first_name": "三", "last_name": "张", "phone": "13800000000"}, 201)


class Staff(Node):
    """A signed-in member of staff at their own address."""

    abstract = True
    people: list[dict] = []
    settled: list[str] = []  # the staff whose sign-in was answered (the window waits for them all)

    def on_start(self) -> None:
        self.person = self.people.pop()
        self.headers = {"X-Forwarded-For": _address(self.rng)}
        page = self.fetch("/login", "sign in form")
        if page is not None:
            self.send("/login", "sign in", {"username": self.person["username"], "password": PLAN["password"],
                                            "csrf_token": CSRF.search(page).group(1)}, 302)
        Staff.settled.append(self.person["username"])


class Clerk(Staff):
    """An intake clerk: the inbox, then one of their receive tasks, accepted (受理)."""

    wait_time = between(0.5, 1.5)

    @task
    def accept_next(self) -> None:
        self.fetch("/inbox", "inbox")
        if not self.person["tasks"]:
            return
        task_id = self.person["tasks"].pop()
        page = self.fetch(f"/tasks/{task_id}", "task page")
        if page is None:
            return
        self.send(f"/tasks/{task_id}", "task complete", {
            "decision": "accept", "note": "属实，予以受理", "complete": "1", "csrf_token": CSRF.search(page).group(1)}, 302)


class Reader(Staff):
    """A handler, lead or supervisor going through their inbox: the first page and a filtered one."""

    wait_time = between(0.5, 1.5)

    @task
    def browse(self) -> None:
        self.fetch("/inbox", "inbox")
        self.fetch("/inbox?view=group&colour=red&due=overdue", "inbox filtered")


def _summary(env: Environment, seconds: float) -> dict:
    out = {}
    for (name, _method), entry in env.stats.entries.items():
        out[name] = {"count": entry.num_requests, "failures": entry.num_failures,
                     "per_s": entry.num_requests / seconds,
                     "p50_ms": entry.get_response_time_percentile(0.5) or 0.0,
                     "p95_ms": entry.get_response_time_percentile(0.95) or 0.0, "max_ms": entry.max_response_time}
    return out


def main(plan_path: str, result_path: str) -> int:
    PLAN.update(json.loads(open(plan_path, encoding="utf-8").read()))
    Open311Client.keys = list(PLAN["open311_keys"])
    Clerk.people = list(PLAN["clerks"])
    Reader.people = list(PLAN["readers"])
    Citizen.wait_time = constant_throughput(PLAN["citizen_rate"])
    Citizen.fixed_count = PLAN["citizens"]
    Open311Client.fixed_count = len(Open311Client.keys)
    Clerk.fixed_count = len(Clerk.people)
    Reader.fixed_count = len(Reader.people)
    classes = [Citizen, Open311Client, Clerk, Reader]
    env = Environment(user_classes=classes, events=events)
    failures: list[str] = []
    env.events.request.add_listener(
        lambda exception=None, name=None, **_kw: exception is not None and failures.append(f"{name}: {exception}"))
    runner = env.create_local_runner()
    users = sum(cls.fixed_count for cls in classes)
    runner.start(users, spawn_rate=min(users, 50))
    print(f"load: {users} users ({PLAN['citizens']} citizens, {Open311Client.fixed_count} Open311 clients, "
          f"{Clerk.fixed_count} clerks, {Reader.fixed_count} readers) on {len(PLAN['nodes'])} web processes; "
          f"warming up {PLAN['warmup']} s", flush=True)
    gevent.sleep(PLAN["warmup"])
    # Sign-ins hash at full cost and take seconds on a busy machine: the window opens once they are done.
    staff = Clerk.fixed_count + Reader.fixed_count
    deadline = time.monotonic() + 120
    while len(Staff.settled) < staff and time.monotonic() < deadline:
        gevent.sleep(0.2)
    # The window measured starts here: sign-ins and each process's first pages are behind us
    # (their failures still count).
    env.stats.reset_all()
    began = time.monotonic()
    print("window: start", flush=True)  # the bench reads the server's CPU time at these two lines
    gevent.sleep(PLAN["duration"])
    seconds = time.monotonic() - began
    print("window: end", flush=True)
    stats = _summary(env, seconds)
    runner.quit()
    result = {"seconds": seconds, "stats": stats, "failures": failures,
              "clerk_tasks_left": sum(len(p["tasks"]) for p in PLAN["clerks"])}
    with open(result_path, "w", encoding="utf-8") as out:
        json.dump(result, out, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
