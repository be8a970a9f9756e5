"""No page shows a stored code where a word belongs: every stage, colour, status, channel, category,
tier and notification kind a staff member reads comes through engine/vocabulary (webapp/labels.py).

The pages each role reaches are rendered over cases in every state a county has on a working day
(received, being handled, overdue and escalated, closed awaiting follow-up, rejected), and their
visible text — not the markup, where codes rightly name classes and form values — is searched for
the codes as whole words.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from engine.vocabulary import words

# Codes that would only reach the screen raw. Roles are left out: a username such as "intake" is
# shown where a person's name is unknown, and is not a code.
CODES = sorted({*words.STAGES, *words.COLOURS, *words.STATUSES, *words.CHANNELS, *words.CATEGORIES,
                *words.SUBJECT_TYPES, *words.SATISFACTION, *words.NOTIFICATION_KINDS, *words.EMAIL_FREQUENCIES,
                *words.PUBLIC_STATUSES}, key=len, reverse=True)
RAW = re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(map(re.escape, CODES)) + r")(?![A-Za-z0-9_])")


class VisibleText(HTMLParser):
    """The text a person reads: text nodes outside script and style, and the words read out for
    them (aria-label, title, placeholder, alt)."""

    READ_OUT = ("aria-label", "title", "placeholder", "alt")

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.hidden += 1
        self.parts += [value for name, value in attrs if name in self.READ_OUT and value]

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def raw_codes(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return [f"{m.group(1)!r} in {part.strip()[:80]!r}" for part in parser.parts for m in RAW.finditer(part)]


def test_the_scan_finds_a_raw_code():
    assert raw_codes("<td>receive</td><td><span class='badge red'>红色 超期</span></td>") == ["'receive' in 'receive'"]
    assert raw_codes('<p aria-label="stage: handle">办理</p>') == ["'handle' in 'stage: handle'"]
    assert raw_codes("<script>var receive = 1;</script><td>环字〔2026〕第000001号</td>") == []


@pytest.fixture
def county_day(env):
    """Cases in every state, and the notifications they raised."""
    received = env.register(title="刚登记的投诉")
    handling = env.register(title="办理中的投诉", category="noise", channel="public")
    env.accept_and_assign(handling, department="air")
    overdue = env.register(title="超期的投诉", category="water", channel="visit")
    env.complete(overdue, "receive", {"decision": "accept"})
    closed = env.register(title="已办结的投诉")
    env.accept_and_assign(closed, department="air")
    env.complete(closed, "handle", {"outcome": "done", "findings": "已整改"})
    env.complete(closed, "feedback", {"reply": "已处理", "contact_method": "phone"})
    env.complete(closed, "review", {"approved": True}, actor="lead")
    rejected = env.register(title="不予受理的投诉")
    env.complete(rejected, "receive", {"decision": "reject", "reason": "不属于环保职责"})
    env.at("2026-03-03T16:00:01+00:00")  # the overdue assignment is raised to its town: red
    return dict(received=received, handling=handling, overdue=overdue, closed=closed, rejected=rejected)


PAGES = ["/", "/overview", "/inbox", "/inbox?view=group", "/notifications", "/notifications/settings", "/cases",
         "/board", "/dashboard", "/approvals"]
ROLES = ["intake", "handler", "gridofficer", "lead", "town", "supervisor", "leader", "admin"]


def test_no_page_of_any_role_shows_a_raw_code(env, as_user, county_day):
    found = {}
    tasks = {task.stage: task for case in county_day.values() for task in env.ready(case)}.values()
    for username in ROLES:
        person = as_user(username)
        pages = list(PAGES)
        pages += [f"/cases/{case.id}" for case in county_day.values()]
        pages += [f"/board/cases/{case.id}" for case in county_day.values()]
        # A task page per stage waiting (receive, handle, the town's supervision, follow-up).
        pages += [f"/tasks/{task.id}" for task in tasks]
        for url in pages:
            answer = person.get(url, follow_redirects=True)
            if answer.status_code != 200:
                continue  # outside the person's role or scope
            problems = raw_codes(answer.get_data(as_text=True))
            if problems:
                found[f"{username} {url}"] = problems
    assert found == {}
