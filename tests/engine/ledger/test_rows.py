"""The ledger's rows: the period in local dates, every filter, the reader's scope, masking and paging."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import update

from engine.core.paging import page_count
from engine.ledger.filters import LedgerFilters, LedgerInputError, month_of, parse_period
from engine.ledger.rows import LedgerScope, count_rows, iter_rows, ledger_page, town_counts
from engine.measures import Period
from engine.models import Case
from engine.org.scopes import member_of
from tests.engine.ledger.conftest import MARCH

TZ = "Asia/Shanghai"


def _staff(env, username):
    from sqlalchemy import select

    from engine.models import User

    with env.db.read() as s:
        return member_of(s, s.scalar(select(User.id).where(User.username == username)))


def _titles(env, filters=LedgerFilters(), scope=None, period=MARCH):
    with env.db.read() as s:
        return [r.title for r in iter_rows(s, period, filters, scope or LedgerScope.everything(sees_identity=True),
                                           tz=TZ)]


def test_the_period_is_local_dates_of_registration(env, ledger_cases):
    titles = _titles(env)
    assert "固废堆放" in titles  # 23:30 on 31 March in Shanghai
    assert "四月的案件" not in titles and "二月的案件" not in titles
    assert len(titles) == 6
    april = _titles(env, period=Period.custom(date(2026, 4, 1), date(2026, 4, 30)))
    assert april == ["四月的案件"]


def test_rows_come_newest_first_with_names_not_codes(env, ledger_cases):
    with env.db.read() as s:
        rows = list(iter_rows(s, MARCH, LedgerFilters(), LedgerScope.everything(sees_identity=True), tz=TZ))
    assert [r.received_at for r in rows] == sorted((r.received_at for r in rows), reverse=True)
    first = next(r for r in rows if r.title == "化工厂夜间排放异味")
    assert first.town == "城关镇" and first.town_code == "T01"
    assert first.department == "大气环境科"
    assert first.colour == "red" and first.tier == 3
    owned = next(r for r in rows if r.title.startswith("=HYPERLINK"))
    assert owned.leader == "分管局领导 郑国华"
    closed = next(r for r in rows if r.title == "露天焚烧垃圾")
    assert closed.closed_on_time is True and closed.satisfaction == "satisfied" and closed.closed_at


@pytest.mark.parametrize("filters, expected", [
    (LedgerFilters(colour="red"), {"化工厂夜间排放异味", '=HYPERLINK("http://evil.example","点击")'}),
    (LedgerFilters(tier=4), {'=HYPERLINK("http://evil.example","点击")'}),
    (LedgerFilters(leader_owned=True), {'=HYPERLINK("http://evil.example","点击")'}),
    (LedgerFilters(town="T02"), {"河道排污口黑水", "露天焚烧垃圾", "固废堆放"}),
    (LedgerFilters(department="enforcement"), {"工地夜间施工噪声", "河道排污口黑水", "固废堆放"}),
    (LedgerFilters(category="noise"), {"工地夜间施工噪声"}),
    (LedgerFilters(channel="grid"), {"河道排污口黑水"}),
    (LedgerFilters(status="closed"), {"露天焚烧垃圾"}),
    (LedgerFilters(colour="blue", town="T02"), {"河道排污口黑水", "固废堆放"}),
])
def test_each_filter(env, ledger_cases, filters, expected):
    assert set(_titles(env, filters)) == expected


def test_stage_filter(env, ledger_cases):
    with env.db.read() as s:
        stages = {r.stage for r in iter_rows(s, MARCH, LedgerFilters(), LedgerScope.everything(), tz=TZ)}
    stage = sorted(s for s in stages if s)[0]
    with env.db.read() as s:
        rows = list(iter_rows(s, MARCH, LedgerFilters(stage=stage), LedgerScope.everything(), tz=TZ))
    assert rows and all(r.stage == stage for r in rows)


def test_filters_refuse_unknown_codes_instead_of_ignoring_them():
    with pytest.raises(LedgerInputError) as err:
        LedgerFilters.parse({"colour": "purple", "tier": "9", "town": "X"}, towns={"T01": "城关镇"})
    assert err.value.problems == {"colour": "unknown", "tier": "unknown", "town": "unknown"}
    parsed = LedgerFilters.parse({"colour": "red", "tier": "2", "leader_owned": "1", "town": "T01"},
                                 towns={"T01": "城关镇"})
    assert parsed == LedgerFilters(colour="red", tier=2, leader_owned=True, town="T01")
    assert LedgerFilters.parse(parsed.as_dict()) == parsed


def test_period_parsing():
    default = month_of(date(2026, 3, 15))
    assert default == MARCH
    assert parse_period("", "", default=default) == MARCH
    assert parse_period("2026-02-01", "2026-02-28", default=default) == Period.custom(date(2026, 2, 1), date(2026, 2, 28))
    for start, end, problem in (("2026-13-01", "", {"start": "date"}), ("2026-03-10", "2026-03-01", {"end": "order"}),
                                ("2020-01-01", "2026-01-01", {"end": "too_long"})):
        with pytest.raises(LedgerInputError) as err:
            parse_period(start, end, default=default)
        assert err.value.problems == problem
    assert month_of(date(2026, 2, 3)).end == date(2026, 2, 28)
    assert month_of(date(2026, 12, 31)) == Period.custom(date(2026, 12, 1), date(2026, 12, 31))


@pytest.mark.parametrize("username, expected", [
    ("admin", 6),
    ("leader", 6),       # a leader (supervisor of tier 4) at the county: everything
    ("supervisor", 6),
    ("town", 3),         # 城关镇's supervisor: 城关镇 only
    ("lead", 3),         # the air section's lead: the air section's cases
    ("lead2", 3),        # the enforcement brigade's lead
])
def test_scope_is_the_case_scope(env, ledger_cases, username, expected):
    staff = _staff(env, username)
    with env.db.read() as s:
        rows = list(iter_rows(s, MARCH, LedgerFilters(), LedgerScope.of(staff), tz=TZ))
        assert count_rows(s, MARCH, LedgerFilters(), LedgerScope.of(staff), TZ) == expected
    assert len(rows) == expected
    if username == "town":
        assert {r.town_code for r in rows} == {"T01"}
    if username == "lead":
        assert {r.department for r in rows} == {"大气环境科"}


def test_titles_are_masked_for_readers_who_may_not_see_the_complainant(env, ledger_cases):
    env.clock.set(datetime(2026, 3, 10, 2, tzinfo=timezone.utc))
    case = env.register(title="张三家旁边的工厂，电话13800000000", complainant_name="张三",
                        complainant_phone="13800000000")
    lead = _staff(env, "lead")
    with env.db.write() as s:
        s.execute(update(Case).where(Case.id == case.id).values(department_id=lead.department_id))
    supervisor = _staff(env, "supervisor")
    with env.db.read() as s:
        seen_by_lead = {r.id: r.title for r in iter_rows(s, MARCH, LedgerFilters(), LedgerScope.of(lead), tz=TZ)}
        seen_by_supervisor = {r.id: r.title for r in iter_rows(s, MARCH, LedgerFilters(),
                                                                 LedgerScope.of(supervisor), tz=TZ)}
        reported = {r.id: r.title for r in iter_rows(s, MARCH, LedgerFilters(), LedgerScope.everything(), tz=TZ)}
    assert "13800000000" not in seen_by_lead[case.id] and "张三" not in seen_by_lead[case.id]
    assert "13800000000" not in reported[case.id]
    assert seen_by_supervisor[case.id] == "张三家旁边的工厂，电话13800000000"


def test_pages_and_keyset_batches_agree(env, ledger_cases):
    scope = LedgerScope.everything(sees_identity=True)
    with env.db.read() as s:
        everything = [r.id for r in iter_rows(s, MARCH, LedgerFilters(), scope, tz=TZ)]
        batched = [r.id for r in iter_rows(s, MARCH, LedgerFilters(), scope, tz=TZ, batch=2)]
        paged = []
        first = ledger_page(s, MARCH, LedgerFilters(), scope, tz=TZ, page=1, per_page=4)
        for n in range(1, first.pages + 1):
            paged += [r.id for r in ledger_page(s, MARCH, LedgerFilters(), scope, tz=TZ, page=n, per_page=4).items]
        beyond = ledger_page(s, MARCH, LedgerFilters(), scope, tz=TZ, page=99, per_page=4)
    assert everything == batched == paged and len(everything) == 6
    assert first.total == 6 and first.pages == page_count(6, 4) == 2
    assert beyond.page == 2  # a page past the end shows the last one, as the case list does


def test_town_counts_fold_grid_nodes_into_towns(env, ledger_cases):
    with env.db.read() as s:
        counts = town_counts(s, MARCH, LedgerFilters(), LedgerScope.everything(), TZ)
    assert dict(counts) == {"T01": 3, "T02": 3}
