"""Staff pages of the self-inspection tasks (engine/selfcheck). Reading: supervisors within their
grid subtree and a grid officer the tasks handed to them (engine/org/scopes.selfcheck_scope;
outside it the answer is 404). Templates, issuing and new links: the supervision section and
administrators. The review is the sc_review task's, done here so that the answers and photos are
in view and a problem case can be opened in the same transaction."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from engine.calendar.store import load_calendar
from engine.core.errors import FormInvalid, NotFound
from engine.measures.selfcheck import completion
from engine.models import AuditEvent, Case, Grid, User
from engine.models.case import CATEGORIES
from engine.models.enterprise import Enterprise
from engine.models.selfcheck import SelfCheckCampaign, SelfCheckPhoto, SelfCheckTask
from engine.org import scopes
from engine.selfcheck import checklists, issue, review, tokens
from engine.selfcheck.answers import items_of, photos_of
from engine.sms.settings import load as load_sms
from engine.vocabulary import events
from engine.vocabulary.words import SUPERVISION_CLASSES
from webapp.runtime import current_runtime as _runtime
from webapp.runtime import transaction
from webapp.selfcheck.photos import send_photo
from webapp.selfcheck.wording import STATUSES

bp = Blueprint("selfcheck", __name__, url_prefix="/selfcheck")
ITEM_ROWS = 12


def _require(allowed: bool) -> None:
    if not current_user.is_authenticated:
        abort(401)
    if not allowed:
        abort(403)


def _scoped(session, selfcheck_id: int) -> SelfCheckTask:
    found = session.scalars(select(SelfCheckTask).where(
        SelfCheckTask.id == selfcheck_id, scopes.selfcheck_scope(current_user, SelfCheckTask))).first()
    if found is None:
        abort(404)
    return found


def lang() -> str:
    # As webapp/work/inbox.lang; not imported, since webapp/work sends the review task here.
    return "en" if str(get_locale()) == "en" else "zh_CN"


def review_page(instance_id: int) -> str:
    """Where the review task of this selfcheck instance is done (webapp/work/tasks.py sends it here)."""
    with _runtime().db.read() as s:
        selfcheck_id = s.scalar(select(SelfCheckTask.id).where(SelfCheckTask.instance_id == instance_id))
    return url_for("selfcheck.task", selfcheck_id=selfcheck_id)


def _link_base() -> str:
    with _runtime().db.read() as s:
        public = load_sms(s).public_url
    return public or request.host_url


@bp.get("")
@login_required
def index():
    _require(scopes.reads_selfchecks(current_user))
    by = request.args.get("by") if request.args.get("by") in ("town", "industry") else "town"
    scope = scopes.selfcheck_scope(current_user, SelfCheckTask)
    with _runtime().db.read() as s:
        rows, total = completion(s, scope=scope, by=by)
        counts = dict(s.execute(select(SelfCheckTask.campaign_id, func.count()).where(scope)
                                .group_by(SelfCheckTask.campaign_id)).all())
        campaigns = list(s.scalars(select(SelfCheckCampaign).where(SelfCheckCampaign.id.in_(list(counts)))
                                   .order_by(SelfCheckCampaign.issued_at.desc()).limit(50)))
    return render_template("selfcheck/index.html", rows=rows, total=total, by=by, campaigns=campaigns, counts=counts,
                           issues=scopes.issues_selfchecks(current_user))


# ------------------------------------------------------------------ checklist templates


def _items_from_form() -> list[dict]:
    f = request.form
    return [{"question": f.get(f"question-{n}", ""), "answer": f.get(f"answer-{n}", "yesno"),
             "photo": f.get(f"photo-{n}"), "problem": f.get(f"problem-{n}") or "no"} for n in range(ITEM_ROWS)]


@bp.get("/templates")
@login_required
def templates():
    _require(scopes.issues_selfchecks(current_user))
    with _runtime().db.read() as s:
        rows = checklists.templates(s)
    return render_template("selfcheck/templates.html", rows=rows)


@bp.route("/templates/new", methods=["GET", "POST"], defaults={"template_id": None})
@bp.route("/templates/<int:template_id>", methods=["GET", "POST"])
@login_required
def template_form(template_id: int | None):
    _require(scopes.issues_selfchecks(current_user))
    from engine.models.selfcheck import SelfCheckTemplate
    errors, name, items, active = {}, "", [], True
    if request.method == "POST":
        name, items, active = request.form.get("name", ""), _items_from_form(), bool(request.form.get("active"))
        try:
            with transaction() as s:
                checklists.save_template(s, name, items, current_user.display_name, _runtime().now(), template_id,
                                         active=active)
            flash(_("已保存检查表"), "success")
            return redirect(url_for("selfcheck.templates"))
        except FormInvalid as err:
            errors = err.errors
        except NotFound:
            abort(404)
    elif template_id is not None:
        with _runtime().db.read() as s:
            template = s.get(SelfCheckTemplate, template_id)
            if template is None:
                abort(404)
            name, items, active = template.name, template.items, template.active
    rows = list(items) + [{} for _n in range(max(0, ITEM_ROWS - len(items)))]
    return render_template("selfcheck/template_form.html", template_id=template_id, name=name, rows=rows[:ITEM_ROWS],
                           active=active, errors=errors), (422 if errors else 200)


# ------------------------------------------------------------------ issuing


def _issue_page(values: dict, errors: dict, status: int = 200):
    with _runtime().db.read() as s:
        options = dict(
            templates=checklists.templates(s, active_only=True),
            industries=[i for i in s.scalars(select(Enterprise.industry).distinct().order_by(Enterprise.industry)) if i],
            grids=list(s.execute(select(Grid.code, Grid.name, Grid.level).where(Grid.level.in_(("town", "area")))
                                 .order_by(Grid.path))))
    return render_template("selfcheck/issue.html", values=values, errors=errors, classes=SUPERVISION_CLASSES,
                           **options), status


@bp.route("/issue", methods=["GET", "POST"])
@login_required
def issue_campaign():
    _require(scopes.issues_selfchecks(current_user))
    if request.method == "GET":
        return _issue_page({"workdays": "10"}, {})
    f = request.form
    values = {"title": f.get("title", ""), "template_id": f.get("template_id", ""), "workdays": f.get("workdays", ""),
              "classes": f.getlist("classes"), "industries": f.getlist("industries"), "grids": f.getlist("grids")}
    try:
        workdays = int(values["workdays"])
        template_id = int(values["template_id"])
    except ValueError:
        return _issue_page(values, {"workdays": [_("请填写工作日数并选择检查表")]}, 422)
    try:
        with transaction() as s:
            issued = issue.issue_campaign(s, _runtime(), title=values["title"], template_id=template_id,
                                          criteria=issue.Criteria(values["classes"], values["industries"],
                                                                  values["grids"]),
                                          workdays=workdays, actor=current_user.display_name)
            names = dict(s.execute(select(Enterprise.id, Enterprise.name).where(
                Enterprise.id.in_([t.enterprise_id for t, _tok in issued.links]))).all())
            links = [(t.id, names[t.enterprise_id], tokens.link(_link_base(), token)) for t, token in issued.links]
            campaign = issued.campaign
    except FormInvalid as err:
        return _issue_page(values, err.errors, 422)
    except NotFound:
        return _issue_page(values, {"template_id": [_("请选择检查表")]}, 422)
    # The links are shown this once (only their hashes are kept); staff can make a new one later.
    return render_template("selfcheck/issued.html", campaign=campaign, links=links)


@bp.get("/campaigns/<int:campaign_id>")
@login_required
def campaign(campaign_id: int):
    _require(scopes.reads_selfchecks(current_user))
    scope = scopes.selfcheck_scope(current_user, SelfCheckTask)
    with _runtime().db.read() as s:
        found = s.get(SelfCheckCampaign, campaign_id)
        rows = s.execute(select(SelfCheckTask, Enterprise.name).join(Enterprise, Enterprise.id == SelfCheckTask.enterprise_id)
                         .where(SelfCheckTask.campaign_id == campaign_id, scope)
                         .order_by(SelfCheckTask.status, Enterprise.name)).all()
        if found is None or not rows:
            abort(404)
        by_town, total = completion(s, scope=scope, by="town", campaign_id=campaign_id)
    return render_template("selfcheck/campaign.html", campaign=found, rows=rows, by_town=by_town, total=total,
                           statuses=STATUSES)


# ------------------------------------------------------------------ one enterprise's task


@bp.get("/tasks/<int:selfcheck_id>")
@login_required
def task(selfcheck_id: int, errors: dict | None = None, status: int = 200, fresh_link: str | None = None):
    _require(scopes.reads_selfchecks(current_user))
    with _runtime().db.read() as s:
        found = _scoped(s, selfcheck_id)
        enterprise = s.get(Enterprise, found.enterprise_id)
        campaign_row = s.get(SelfCheckCampaign, found.campaign_id)
        items = items_of(s, found)
        photos = photos_of(s, found.id)
        review_row = review.ready_task(s, found, review.REVIEW_TASK)
        contact_row = review.ready_task(s, found, review.CONTACT_TASK)
        officer = s.get(User, found.officer_id) if found.officer_id else None
        case = s.get(Case, found.case_id) if found.case_id else None
        trail = list(s.scalars(select(AuditEvent).where(AuditEvent.instance_id == found.instance_id)
                               .order_by(AuditEvent.at, AuditEvent.id))) if found.instance_id else []
    may_review = review_row is not None and scopes.may_work(current_user, review_row)
    return render_template("selfcheck/task.html", task=found, enterprise=enterprise, campaign=campaign_row,
                           items=items, photos=photos, problems={i["key"] for i in checklists.problems(items, found.answers or {})},
                           may_review=may_review, contact_row=contact_row, officer=officer, case=case,
                           trail=[(e, events.render(e.kind, events.STAFF, _, detail=e.detail) or "") for e in trail],
                           categories=CATEGORIES, statuses=STATUSES, errors=errors or {}, fresh_link=fresh_link,
                           issues=scopes.issues_selfchecks(current_user)), status


@bp.get("/tasks/<int:selfcheck_id>/photos/<int:photo_id>")
@login_required
def photo(selfcheck_id: int, photo_id: int):
    _require(scopes.reads_selfchecks(current_user))
    with _runtime().db.read() as s:
        _scoped(s, selfcheck_id)
        row = s.get(SelfCheckPhoto, photo_id)
    if row is None or row.task_id != selfcheck_id:
        abort(404)
    return send_photo(row)


@bp.post("/tasks/<int:selfcheck_id>/review")
@login_required
def review_task(selfcheck_id: int):
    _require(scopes.reads_selfchecks(current_user))
    with _runtime().db.read() as s:
        _scoped(s, selfcheck_id)
    f = request.form
    data = {"decision": f.get("decision") or None, "review_comment": f.get("review_comment") or None}
    data = {k: v for k, v in data.items() if v is not None}
    category = f.get("case_category") if f.get("start_case") else None
    if category is not None and category not in CATEGORIES:
        return task(selfcheck_id, errors={"case_category": [_("请选择问题类别")]}, status=422)
    try:
        with transaction() as s:
            case = review.review(s, _runtime(), selfcheck_id, data, staff=current_user,
                                 actor=current_user.username, case_category=category, lang=lang())
            number = case.number if case else None
    except FormInvalid as err:
        return task(selfcheck_id, errors=err.errors, status=422)
    except NotFound:
        abort(404)
    flash(_("已审核") + (f"，{_('已立案')} {number}" if number else ""), "success")
    return redirect(url_for("selfcheck.task", selfcheck_id=selfcheck_id))


@bp.post("/tasks/<int:selfcheck_id>/link")
@login_required
def new_link(selfcheck_id: int):
    """A new link for the enterprise (the old one stops working), shown once."""
    _require(scopes.issues_selfchecks(current_user))
    with transaction() as s:
        found = _scoped(s, selfcheck_id)
        if found.status not in ("waiting", "correcting"):
            abort(409)
        token = tokens.renew(s, load_calendar(s, _runtime().timezone), found, current_user.username, _runtime().now())
    return task(selfcheck_id, fresh_link=tokens.link(_link_base(), token))
