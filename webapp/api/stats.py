"""/api/v1/stats: the bureau's figures for a period, by slice, with every measure's numerator and
denominator (engine/measures), so the city bureau or the 12345 platform can pull them.

Who gets which cases' figures: a token acting for a staff member counts that person's
statistics scope (engine/org/scopes.statistics_scope: supervisors their subtree, leads their
department, administrators all) and is refused (403) when the person has no statistics; a
machine token with the ``stats:read`` scope, given by an administrator for that purpose, reads
the whole county's figures. Only counts leave: no case, no complainant.
"""
from __future__ import annotations

from flask import jsonify
from sqlalchemy import true

from engine.measures import MEASURE_LIST, Filters, Period, measure, patrol_figures, trend
from engine.measures.enforcement import ENFORCEMENT_MEASURES, SUM, enforcement_figures
from engine.models import Patrol
from engine.org.scopes import patrol_scope
from webapp.access import may_see_statistics, statistics_scope
from webapp.api.auth import acting_staff
from webapp.api.blueprints import v1
from webapp.api.errors import ApiError
from webapp.api.openapi import operation
from webapp.api.schemas.stats import StatsQuery, StatsSchema
from webapp.runtime import current_runtime

ENFORCEMENT_KINDS = {m.code: m.kind for m in ENFORCEMENT_MEASURES}
DEFINITIONS = [{"code": m.code, "name": m.name, "name_en": m.name_en, "kind": m.kind, "numerator": m.numerator,
                "denominator": m.denominator} for m in MEASURE_LIST]


def _period(query: dict, runtime) -> Period:
    if query["start"] or query["end"]:
        if not (query["start"] and query["end"]):
            missing = "to" if query["start"] else "from"
            raise ApiError(422, errors={missing: ["请同时给出起止日期 (give both from and to)"]})
        return Period.custom(query["start"], query["end"])
    return Period.containing(runtime.clock.now(), query["period"] or "month", runtime.timezone)


@operation(v1, "/stats", summary="统计指标 (statistics)", tag="stats", scope="stats:read", query=StatsQuery,
           response=StatsSchema)
def stats(client, query):
    """The measures of the cases received in a period (local dates of the installation's time
    zone): 受理总量 received, 受理件 accepted, 办结件 closed, 办结率 closed ÷ accepted, 按时办结率
    closed on time ÷ closed, 回访率 followed up ÷ closed, 满意率 (satisfied + basically satisfied) ÷
    follow-ups answered other than unreachable, 重复投诉率 merged ÷ received, 超期件 red now, 预警件
    yellow now, 督办件 escalated at least once, 退单率 returned ÷ assigned, 平均办理时长 working days
    from acceptance to closure (mean, median), 非现场执法占比 cases handled by a non-site check ÷ cases
    whose handling recorded its check method, 反弹件 relapsed after re-inspection, 重复发生件 repeat
    complaints about the place of a closed case. Each with its numerator and denominator; a rate
    whose denominator is 0 has `value: null`. `by` adds one row per slice (they add up to the
    total); `trend` adds the figures of each day, week or month. `patrols` are the patrols due in the
    period (due, done, on time, problems found and solved) per officer, work area or town (`patrol_by`). `enforcement` are the enforcement counts (执法办案) of
    the period: cases filed (立案), fines decided (yuan, a decimal string), production limits or stops
    ordered (限产/停产) and cases handed to the police (移交公安). A token acting for a staff member
    needs a supervisor, lead or administrator and counts that person's cases."""
    staff = acting_staff(client)
    if staff is None:
        scope = patrols_scope = true()
    elif may_see_statistics(staff):
        scope, patrols_scope = statistics_scope(staff), patrol_scope(staff, Patrol)
    else:
        raise ApiError(403, "只有督办人员、科室负责人和管理员可以查看统计 (statistics are for supervisors, leads "
                            "and administrators)", code="forbidden")
    runtime = current_runtime()
    period = _period(query, runtime)
    filters = Filters(town=query["town"], area=query["area"], department=query["department"],
                      category=query["category"], channel=query["channel"],
                      tier=str(query["tier"]) if query["tier"] else "")
    with runtime.db.read() as session:
        measured = measure(session, period, scope=scope, tz=runtime.timezone, filters=filters, by=query["by"])
        points = trend(session, period, scope=scope, tz=runtime.timezone, bucket=query["trend"],
                       filters=filters) if query["trend"] else None
        patrols = patrol_figures(session, period, scope=patrols_scope, tz=runtime.timezone, now=runtime.clock.now(),
                                 by=query["patrol_by"])
        enforcement = enforcement_figures(session, period, scope=scope, tz=runtime.timezone)
    # Written as JSON directly: the answer is StatsSchema's shape (the OpenAPI document, checked by
    # tests/web/api/test_api_schemathesis.py), and dumping its ~400 nested values through
    # marshmallow took a third of the request (bench/stats_bench.py).
    return jsonify({
        "period": {"from": period.start.isoformat(), "to": period.end.isoformat(), "kind": period.kind,
                   "timezone": runtime.timezone},
        "by": measured.by, "filters": filters.as_args(), "definitions": DEFINITIONS,
        "total": measured.total.as_dict(),
        "slices": [{"key": row.key, "label": row.label, **row.figures.as_dict()} for row in measured.rows],
        "trend": None if points is None else [
            {"from": p.period.start.isoformat(), "to": p.period.end.isoformat(), **p.figures.as_dict()}
            for p in points],
        "patrols": patrols.as_dict(),
        "enforcement": {code: f"{value:.2f}" if ENFORCEMENT_KINDS[code] == SUM else value
                        for code, value in enforcement.items()},
    })
