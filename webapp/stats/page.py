"""``/stats``: the statistics page for supervisors (their area), department leads (their
department's cases) and administrators; intake staff and handlers have none (403).

Whose cases a person's figures count is engine/org/scopes.statistics_scope; the figures are
engine/measures' (``measure``, ``trend``, ``ranking``), read in one read-only session.
"""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from engine.core.errors import FormInvalid
from engine.measures import (
    MEASURE_LIST,
    PATROL_COUNTS,
    PATROL_RATES,
    PATROL_SLICE_CODES,
    measure,
    patrol_figures,
    ranking,
    trend,
)
from engine.measures.enforcement import ENFORCEMENT_MEASURES, SUM, enforcement_figures
from engine.measures.slices import labels as slice_labels
from engine.models import Patrol
from engine.org.scopes import STATISTICS_ROLES, patrol_scope
from webapp.access import roles_required, statistics_scope
from webapp.labels import SLICES
from webapp.runtime import current_runtime as _runtime
from webapp.stats import figures
from webapp.stats.choice import BUCKETS, CUSTOM, DIMENSIONS, PRESETS, RANKED, read_choice

bp = Blueprint("stats", __name__)

PRESET_NAMES = {"day": _l("今天"), "week": _l("本周"), "month": _l("本月"), "year": _l("本年"), CUSTOM: _l("自定义")}
BUCKET_NAMES = {"day": _l("按日"), "week": _l("按周"), "month": _l("按月")}
# The form's fields and the filters (the slices' own words), to name them in an error message.
FIELD_NAMES = {"period": _l("统计区间"), "from": _l("开始日期"), "to": _l("结束日期"), "by": _l("分组"),
               "bucket": _l("趋势粒度"), **SLICES}


def _form_context() -> dict:
    return {"preset_names": PRESET_NAMES, "presets": (*PRESETS, CUSTOM), "bucket_names": BUCKET_NAMES,
            "buckets": BUCKETS, "dimensions": [(code, str(SLICES[code])) for code in DIMENSIONS],
            "field_names": FIELD_NAMES}


@bp.get("/stats")
@roles_required(*STATISTICS_ROLES)
def index():
    runtime = _runtime()
    today = runtime.now().astimezone(ZoneInfo(runtime.timezone)).date()
    try:
        choice = read_choice(request.args, today)
    except FormInvalid as err:
        return render_template("stats.html", choice=None, errors=err.errors, asked=request.args,
                               **_form_context()), 400
    scope = statistics_scope(current_user)
    tz = runtime.timezone
    with runtime.db.read() as session:
        measured = measure(session, choice.period, scope=scope, tz=tz, filters=choice.filters, by=choice.by)
        points = trend(session, choice.period, scope=scope, tz=tz, bucket=choice.bucket, filters=choice.filters)
        # The enforcement counts of the period (engine/measures/enforcement.py; the slice filters are
        # the complaint measures' and do not apply to them).
        enforcement = enforcement_figures(session, choice.period, scope=scope, tz=tz)
        ranked = {by: ranking(session, choice.period, scope=scope, tz=tz, by=by, filters=choice.filters)
                  for by in RANKED}
        # The filters' values by name (a town, a department, a category), as the breakdown names them.
        patrol_by = request.args.get("patrol_by") if request.args.get("patrol_by") in PATROL_SLICE_CODES else "town"
        patrols = patrol_figures(session, choice.period, scope=patrol_scope(current_user, Patrol), tz=tz,
                                 now=runtime.now(), by=patrol_by)
        filter_names = {name: figures.key_label(name, code, slice_labels(session, name, [code])[code])
                        for name, code in choice.filters.as_args().items()}
    slice_name = dict(_form_context()["dimensions"])
    total = figures.cells(measured.total, figures.linker(choice))
    rows = figures.breakdown_rows(choice, measured.rows)
    trend_rows = figures.trend_rows(choice, points)
    rankings = [(by, slice_name[by], figures.ranking_rows(choice, by, ranked[by])) for by in RANKED]
    charts = {
        "breakdown": figures.combo_chart(rows, _("按%(slice)s", slice=slice_name[choice.by]), joined=False),
        "trend": figures.combo_chart(trend_rows, _("趋势（%(bucket)s）", bucket=BUCKET_NAMES[choice.bucket])),
        **{f"ranking-{by}": figures.ranking_chart(r, _("%(slice)s排名", slice=name)) for by, name, r in rankings},
    }
    return render_template("stats.html", choice=choice, errors={}, asked=request.args, total=total, rows=rows,
                           trend_rows=trend_rows, rankings=rankings, charts=charts, measures=MEASURE_LIST,
                           slice_name=slice_name[choice.by], filter_names=filter_names,
                           ranking_columns=figures.RANKING_COLUMNS, patrols=patrols,
                           patrol_columns=(*PATROL_COUNTS, *PATROL_RATES), patrol_slices=PATROL_SLICE_CODES, enforcement=enforcement,
                           enforcement_measures=ENFORCEMENT_MEASURES, money=SUM,
                           **_form_context())
