"""The administrator's diagram and decision-table editor: drafts, validation, versions, rollback,
moving running cases to a newer version. The editors are bpmn-js / dmn-js pages that read and
write the files through the JSON endpoints here; every rule lives in the engine modules."""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

import forms
from engine.core.errors import DeployError, NotFound
from engine.core.specs import MAIN_PROCESS
from engine.definitions.checks import PROPERTIES, TIMER_ROLES, document_kinds
from engine.definitions.drafts import (
    DraftConflict,
    StaleDraft,
    deploy_draft,
    discard_draft,
    open_working,
    save_draft,
)
from engine.definitions.migration import MigrationRefused, dry_run, migrate
from engine.definitions.versions import (
    diff,
    diff_versions,
    elements,
    get_version,
    history,
    process_ids,
    rollback,
    validate_files,
)
from engine.models import CANDIDATE_GROUPS, STAGES, TOP_TIER
from webapp.access import roles_required
from webapp.labels import STAGES as STAGE_LABELS
from webapp.runtime import current_runtime as _runtime
from webapp.runtime import transaction
from webapp.security_headers import decision_editor_page, diagram_editor_page

bp = Blueprint("admin_diagrams", __name__, url_prefix="/admin")

# How many versions' changes the history page works out (each is a parse of two versions).
CHANGES_SHOWN = 20


# The change list's field keys (engine.diagram_versions) in words; a key not here is shown as is.
FIELD_LABELS = {
    "name": _l("名称"), "type": _l("类型"), "lane": _l("泳道"), "condition": _l("条件"), "script": _l("脚本"),
    "sourceRef": _l("起点"), "targetRef": _l("终点"), "default": _l("默认流向"), "decision": _l("决策表"),
    "timer timeDate": _l("定时器（时间点）"), "timer timeDuration": _l("定时器（时长）"),
    "timer timeCycle": _l("定时器（周期）"), "hitPolicy": _l("命中策略"), "typeRef": _l("类型"),
    "expression": _l("表达式"), "position": _l("序号"), "when": _l("条件"), "then": _l("结果"),
    "multi-instance": _l("多实例"),
}


@bp.before_request
@roles_required("admin")
def _admins_only():
    return None


@bp.context_processor
def _labels():
    def field_label(key: str) -> str:
        if key.startswith("property "):
            return _("属性 %(name)s", name=key.split(" ", 1)[1])
        return str(FIELD_LABELS.get(key, key))

    return {"field_label": field_label}


def _working_or_404(session, process_id):
    try:
        return open_working(session, process_id)
    except NotFound:
        abort(404)


@bp.get("/diagrams")
def index():
    runtime = _runtime()
    with runtime.db.read() as session:
        processes = []
        for process_id in process_ids(session):
            rows = history(session, process_id)
            working = _working_or_404(session, process_id)
            processes.append({"id": process_id, "latest": rows[0].definition, "versions": len(rows),
                              "running": sum(r.running for r in rows), "draft": working.draft,
                              "dmn": sorted(working.dmn_files)})
    return render_template("admin/diagrams_index.html", processes=processes)


@bp.get("/diagrams/<process_id>/edit")
@diagram_editor_page
def edit(process_id: str):
    return _editor_page(process_id, "bpmn")


@bp.get("/decisions", defaults={"process_id": MAIN_PROCESS})
@bp.get("/diagrams/<process_id>/decisions")
@decision_editor_page
def decisions(process_id: str):
    return _editor_page(process_id, "dmn")


def _editor_page(process_id: str, kind: str):
    with _runtime().db.read() as session:
        working = _working_or_404(session, process_id)
    return render_template("admin/diagrams_editor.html", kind=kind, working=working, process_id=process_id)


def _form_names() -> list[str]:
    try:  # forms saved in the database by the form editor, as well as the shipped files
        from engine.definitions.form_store import form_names
    except ImportError:
        return forms.available_forms()
    with _runtime().db.read() as session:
        return form_names(session)


@bp.get("/diagrams/<process_id>/files.json")
def files(process_id: str):
    with _runtime().db.read() as session:
        working = _working_or_404(session, process_id)
    draft = working.draft
    return jsonify({
        "process_id": process_id, "bpmn_files": working.bpmn_files, "dmn_files": working.dmn_files,
        "revision": working.revision, "base_version": working.base.version if working.base else None,
        "draft": {"by": draft.updated_by, "at": draft.updated_at.isoformat()} if draft else None,
        "choices": {"form": _form_names(), "stage": [[s, str(STAGE_LABELS.get(s, s))] for s in STAGES],
                    "timer": list(TIMER_ROLES), "tier": [str(t) for t in range(1, TOP_TIER + 1)],
                    "lane": list(CANDIDATE_GROUPS),
                    "document": [[k, v.get("zh", k)] for k, v in document_kinds().items()]},
        "properties": {name: {"elements": sorted(rule.elements), "help": rule.help, "timer_only": rule.timer_only,
                              "long": rule.long}
                       for name, rule in PROPERTIES.items()},
        "property_order": list(PROPERTIES),  # JSON objects lose their order on the way
    })


def _posted_files() -> tuple[dict, dict, dict]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400)
    bpmn, dmn = body.get("bpmn_files"), body.get("dmn_files")
    if not (isinstance(bpmn, dict) and isinstance(dmn, dict) and bpmn
            and all(isinstance(v, str) for v in [*bpmn.values(), *dmn.values()])):
        abort(400)
    return bpmn, dmn, body


def _problem_list(problems, bpmn, dmn) -> list[dict]:
    known = elements(bpmn, dmn)
    return [{"element": element, "name": known[element].name if element in known else "",
             "type": known[element].type if element in known else "", "message": message}
            for element, message in problems]


@bp.post("/diagrams/<process_id>/validate")
def validate(process_id: str):
    bpmn, dmn, _body = _posted_files()
    with _runtime().db.read() as session:  # forms created in the form editor count, as on deploy
        problems = validate_files(_runtime(), bpmn, dmn, process_id, session=session)
    return jsonify({"ok": not problems, "problems": _problem_list(problems, bpmn, dmn)})


def _revision(body) -> int:
    try:
        return int(body.get("revision", 0))
    except (TypeError, ValueError):
        abort(400)


def _save(process_id: str, bpmn: dict, dmn: dict, body: dict):
    runtime = _runtime()
    with transaction() as session:
        draft = save_draft(session, process_id, bpmn, dmn, revision=_revision(body),
                           actor=current_user.username, now=runtime.now())
        return draft.revision, draft.updated_at


@bp.post("/diagrams/<process_id>/draft")
def save(process_id: str):
    bpmn, dmn, body = _posted_files()
    try:
        revision, at = _save(process_id, bpmn, dmn, body)
    except DraftConflict as err:
        return jsonify({"error": str(err)}), 409
    except NotFound:
        abort(404)
    with _runtime().db.read() as session:  # forms created in the form editor count, as on deploy
        problems = validate_files(_runtime(), bpmn, dmn, process_id, session=session)
    return jsonify({"revision": revision, "saved_at": at.isoformat(),
                    "problems": _problem_list(problems, bpmn, dmn)})


@bp.post("/diagrams/<process_id>/deploy")
def deploy(process_id: str):
    """Save what the editor has as the draft, then deploy it; a refused deploy keeps the draft."""
    bpmn, dmn, body = _posted_files()
    comment = (body.get("comment") or "").strip()
    if not comment:
        return jsonify({"error": _("请填写版本说明"), "field": "comment"}), 422
    runtime = _runtime()
    refused = None
    try:
        with transaction() as session:
            revision = save_draft(session, process_id, bpmn, dmn, revision=_revision(body),
                                  actor=current_user.username, now=runtime.now()).revision
            try:
                # Only the deploy is undone when it is refused; the saved draft commits.
                with session.begin_nested():
                    definition, created = deploy_draft(session, runtime, process_id, revision=revision,
                                                       actor=current_user.username, comment=comment[:2000])
                    version = definition.version
            except DeployError as err:
                refused = err
    except (DraftConflict, StaleDraft) as err:
        return jsonify({"error": str(err)}), 409
    if refused is not None:
        return jsonify({"error": _("未通过检查，未发布"), "revision": revision,
                        "problems": _problem_list(refused.problems, bpmn, dmn)}), 422
    if created:
        flash(_("已发布第 %(v)s 版。新案件将按新版本办理，在办案件仍按原版本办理。", v=version), "success")
    else:
        flash(_("内容与第 %(v)s 版相同，未生成新版本。", v=version), "success")
    return jsonify({"version": version, "created": created,
                    "redirect": url_for(".versions", process_id=process_id)})


@bp.post("/diagrams/<process_id>/draft/discard")
def discard(process_id: str):
    with _runtime().db.write() as session:
        dropped = discard_draft(session, process_id)
    flash(_("草稿已放弃") if dropped else _("没有草稿"), "success")
    return redirect(url_for(".versions", process_id=process_id))


# ---------------------------------------------------------------- versions


@bp.get("/diagrams/<process_id>/versions")
def versions(process_id: str):
    with _runtime().db.read() as session:
        rows = history(session, process_id)
        if not rows:
            abort(404)
        working = _working_or_404(session, process_id)
        changes = {}
        for newer, older in zip(rows[:CHANGES_SHOWN], rows[1:CHANGES_SHOWN + 1], strict=False):
            changes[newer.definition.version] = diff(
                (older.definition.bpmn_files, older.definition.dmn_files),
                (newer.definition.bpmn_files, newer.definition.dmn_files))
        draft_changes = diff((working.base.bpmn_files, working.base.dmn_files),
                             (working.bpmn_files, working.dmn_files)) if working.draft and working.base else None
    return render_template("admin/diagrams_versions.html", process_id=process_id, rows=rows, changes=changes,
                           working=working, draft_changes=draft_changes)


@bp.get("/diagrams/<process_id>/versions/<int:version>/changes")
def changes(process_id: str, version: int):
    against = request.args.get("against", type=int) or version - 1
    with _runtime().db.read() as session:
        try:
            found = diff_versions(session, process_id, against, version)
        except NotFound:
            abort(404)
    return render_template("admin/diagrams_changes.html", process_id=process_id, version=version,
                           against=against, changes=found)


@bp.post("/diagrams/<process_id>/versions/<int:version>/rollback")
def rollback_to(process_id: str, version: int):
    runtime = _runtime()
    try:
        with runtime.db.write() as session:
            definition = rollback(session, runtime, process_id, version, actor=current_user.username,
                                  comment=(request.form.get("comment") or "").strip()[:2000] or None)
            new_version = definition.version
    except NotFound:
        abort(404)
    except DeployError as err:  # an old version that today's forms or checks refuse
        flash(_("第 %(v)s 版未通过当前的检查，不能回退：%(e)s", v=version, e=str(err)), "error")
        return redirect(url_for(".versions", process_id=process_id))
    if new_version == version:
        flash(_("第 %(v)s 版已是最新版本", v=version), "success")
    else:
        flash(_("已回退：第 %(v)s 版的内容已发布为第 %(n)s 版", v=version, n=new_version), "success")
    return redirect(url_for(".versions", process_id=process_id))


# ---------------------------------------------------------------- migration


def _ids(values) -> list[int] | None:
    ids = [int(v) for v in values if str(v).isdigit()]
    return ids or None


@bp.route("/diagrams/<process_id>/versions/<int:version>/migrate", methods=["GET", "POST"])
def migrate_instances(process_id: str, version: int):
    runtime = _runtime()
    params = request.form if request.method == "POST" else request.args
    with runtime.db.read() as session:
        try:
            source = get_version(session, process_id, version)
        except NotFound:
            abort(404)
        targets = [r.definition for r in history(session, process_id) if r.definition.version > version]
        target_version = params.get("to", type=int) or (targets[-1].version if targets else None)
        target = next((t for t in targets if t.version == target_version), None)
        stage = params.get("stage") if params.get("stage") in STAGES else None
        scope = params.get("scope") if params.get("scope") in ("all", "stage", "selected") else "all"
        selected = _ids(params.getlist("instance")) if scope == "selected" else None
        everyone = dry_run(session, source.id, target.id) if target else []
    outcome = None
    if target is not None and request.method == "POST" and params.get("action") == "migrate":
        if scope == "selected" and not selected:
            flash(_("请勾选要迁移的案件"), "error")
        else:
            try:
                outcome = migrate(runtime, source.id, target.id, actor=current_user.username,
                                  instance_ids=selected, stage=stage if scope == "stage" else None)
            except MigrationRefused as err:
                flash(str(err), "error")
            else:
                flash(_("已迁移 %(n)s 件到第 %(v)s 版，%(m)s 件不能迁移", n=len(outcome.moved), v=target.version,
                        m=len(outcome.refused)), "success" if outcome.moved else "error")
                with runtime.db.read() as session:
                    everyone = dry_run(session, source.id, target.id)
    checked = request.method == "POST" or "check" in params
    chosen = [c for c in everyone if (scope != "stage" or c.stage == stage)
              and (scope != "selected" or (selected and c.instance_id in selected))]
    return render_template("admin/diagrams_migrate.html", process_id=process_id, source=source, targets=targets,
                           target=target, everyone=everyone, chosen=chosen, checked=checked, scope=scope,
                           stage=stage, selected=set(selected or []), stages=STAGES,
                           outcome=outcome)
