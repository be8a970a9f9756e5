"""People and places (人员与网格): accounts, departments, the grid tree and its CSV import.

Administrators only. The rules live in engine/people_admin.py, engine/grid_tree.py and
engine/grid_import.py; this module turns requests into their calls and their problem codes
into sentences.
"""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from engine.core.errors import AdminError, NotFound
from engine.models import GRID_LEVELS, ROLES, Department, Grid, User
from engine.models.people_admin import GridImport
from engine.org import departments as dept
from engine.org import grid_import, grid_tree, login_sessions
from engine.org import people as pa
from engine.org.places import town_choices
from webapp.access import roles_required
from webapp.admin.people_wording import (
    FIELD_NAMES,
    KIND_NAMES,
    LOCALE_NAMES,
    STATUS_NAMES,
    describe,
    field_errors,
)
from webapp.paging import requested_page
from webapp.runtime import current_runtime as _runtime
from webapp.runtime import transaction

bp = Blueprint("admin_people", __name__, url_prefix="/admin/people")
PER_PAGE = 25


@bp.context_processor
def _labels():
    return {"kind_names": KIND_NAMES, "field_names": FIELD_NAMES, "describe": describe}


def _now():
    return _runtime().now()


def _change(service, *args):
    """``service(session, *args, actor, now)`` of engine/org in the request's one write transaction,
    done by the signed-in administrator; a record that does not exist (any more) is a 404."""
    try:
        with transaction() as s:
            return service(s, *args, current_user.username, _now())
    except NotFound:
        abort(404)


# ---------------------------------------------------------------------------- accounts


@bp.get("")
@roles_required("admin")
def index():
    args = request.args
    filters = pa.UserFilters(q=args.get("q", "")[:100], role=args.get("role", "") if args.get("role") in ROLES else "",
                             department=args.get("department", "")[:64], town=args.get("town", "")[:64],
                             status=args.get("status") if args.get("status") in STATUS_NAMES else "active")
    with _runtime().db.read() as s:
        page = pa.search_users(s, filters, requested_page(), PER_PAGE)
        departments = [(d.code, d.name) for d in _departments(s)]
        towns = town_choices(s)
    query = {k: v for k, v in vars(filters).items() if v and not (k == "status" and v == "active")}
    return render_template("admin/people_index.html", page=page, filters=filters, departments=departments,
                           towns=towns, query=query, status_names=STATUS_NAMES)


def _departments(session) -> list[Department]:
    return list(session.scalars(select(Department).order_by(Department.kind, Department.id)))


def _grid_choices(session) -> list[tuple[str, str]]:
    """(code, "indented name") for every node, in tree order, for the posting select."""
    return [(g.code, "\u3000" * (g.path.count("/") - 2) + f"{g.name}（{g.code}）")
            for g in grid_tree.tree_order(session)]


def _user_form(values: dict, errors: dict | None = None, user: User | None = None, status: int = 200,
               history: list | None = None, used: list | None = None):
    with _runtime().db.read() as s:
        context = dict(departments=_departments(s), grids=_grid_choices(s),
                       sessions=_open_sessions(s, user.id) if user else [])
    own = login_sessions.hash_token(current_user.session_token) if current_user.session_token else None
    return render_template("admin/people_user.html", values=values, errors=errors or {}, user=user,
                           history=history or [], used=used or [], locale_names=LOCALE_NAMES, roles=ROLES,
                           own_session=own, **context), status


def _open_sessions(session, user_id: int) -> list:
    config = current_app.config
    return login_sessions.open_sessions(session, user_id, _now(), idle=config["PERMANENT_SESSION_LIFETIME"],
                                        lifetime=config["SESSION_ABSOLUTE_LIFETIME"])


def _submitted() -> dict:
    form = request.form
    return {"username": form.get("username", ""), "display_name": form.get("display_name", ""),
            "email": form.get("email", ""), "phone": form.get("phone", ""), "roles": form.getlist("roles"),
            "department": form.get("department", ""), "grid": form.get("grid", ""), "tier": form.get("tier", ""),
            "locale": form.get("locale", "zh_CN"), "password": form.get("password", "")}


@bp.route("/new", methods=["GET", "POST"])
@roles_required("admin")
def new_user():
    if request.method == "GET":
        return _user_form({"roles": [], "locale": "zh_CN"})
    values = _submitted()
    try:
        with transaction() as s:
            user, generated = pa.create_user(s, values, current_user.username, _now())
            user_id, username = user.id, user.username
    except AdminError as err:
        values["password"] = ""
        return _user_form(values, field_errors(err), status=422)
    if generated:
        return _password_page(user_id, username, generated)
    flash(_("账号 %(u)s 已创建", u=username), "info")
    return redirect(url_for(".edit_user", user_id=user_id))


def _load_user(session, user_id: int) -> User:
    try:
        return pa.get_user(session, user_id)
    except NotFound:
        abort(404)


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@roles_required("admin")
def edit_user(user_id: int):
    with _runtime().db.read() as s:
        user = _load_user(s, user_id)
        values = pa.form_values(user)
        history = pa.recent_changes(s, user.username)
        used = pa.history_of(s, user)
    if request.method == "GET":
        return _user_form(values, user=user, history=history, used=used)
    submitted = _submitted()
    try:
        with transaction() as s:
            pa.update_user(s, user_id, submitted, current_user.username, _now())
    except AdminError as err:
        return _user_form({**submitted, "username": user.username}, field_errors(err), user, 422, history, used)
    flash(_("已保存"), "info")
    return redirect(url_for(".edit_user", user_id=user_id))


def _refused(err: AdminError) -> None:
    for found in err.problems.values():
        for problem in found:
            flash(describe(problem), "error")


@bp.post("/<int:user_id>/active")
@roles_required("admin")
def set_active(user_id: int):
    active = request.form.get("active") == "1"
    try:
        _change(pa.set_active, user_id, active)
    except AdminError as err:
        _refused(err)
    else:
        flash(_("账号已启用") if active else _("账号已停用，该人员下次操作时即退出登录"), "info")
    return redirect(url_for(".edit_user", user_id=user_id))


def _password_page(user_id: int, username: str, password: str):
    response = make_response(render_template("admin/people_password.html", user_id=user_id, username=username,
                                             password=password))
    # Shown once: never cached by the browser or a proxy.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/<int:user_id>/password")
@roles_required("admin")
def password(user_id: int):
    given = request.form.get("password", "")
    # Administrators resetting their own password stay signed in here; every other session ends.
    keep = current_user.session_token if user_id == current_user.id else None
    try:
        with transaction() as s:
            username = _load_user(s, user_id).username
            generated = pa.reset_password(s, user_id, current_user.username, _now(), given or None,
                                          keep_session=keep)
    except AdminError as err:
        _refused(err)
        return redirect(url_for(".edit_user", user_id=user_id) + "#password")
    if generated:
        return _password_page(user_id, username, generated)
    flash(_("密码已重设"), "info")
    return redirect(url_for(".edit_user", user_id=user_id))


@bp.post("/<int:user_id>/sessions/end")
@roles_required("admin")
def end_sessions(user_id: int):
    """Sign the person out everywhere (a lost phone, a computer left signed in)."""
    ended = _change(pa.sign_out_everywhere, user_id)
    flash(_("已结束该账号的 %(n)s 个登录会话，该人员需重新登录", n=ended), "info")
    return redirect(url_for(".edit_user", user_id=user_id) + "#sessions")


@bp.post("/<int:user_id>/delete")
@roles_required("admin")
def delete_user(user_id: int):
    try:
        with transaction() as s:
            username = _load_user(s, user_id).username
            pa.delete_user(s, user_id, current_user.username, _now())
    except AdminError as err:
        _refused(err)
        return redirect(url_for(".edit_user", user_id=user_id))
    flash(_("账号 %(u)s 已删除", u=username), "info")
    return redirect(url_for(".index"))


# ---------------------------------------------------------------------------- departments


def _departments_page(errors: dict | None = None, values: dict | None = None, status: int = 200,
                      editing: str | None = None):
    with _runtime().db.read() as s:
        routing = dept.routing_index(s)
        rows = [(d, dept.department_use(s, d, routing)) for d in _departments(s)]
    return render_template("admin/people_departments.html", rows=rows, errors=errors or {}, values=values or {},
                           editing=editing), status


@bp.route("/departments", methods=["GET", "POST"])
@roles_required("admin")
def departments():
    if request.method == "GET":
        return _departments_page()
    values = {k: request.form.get(k, "") for k in ("code", "name", "kind")}
    try:
        with transaction() as s:
            dept.create_department(s, values, current_user.username, _now())
    except AdminError as err:
        return _departments_page(field_errors(err), values, 422, editing="")
    flash(_("部门 %(n)s 已添加", n=values["name"].strip()), "info")
    return redirect(url_for(".departments"))


@bp.post("/departments/<code>")
@roles_required("admin")
def department_update(code: str):
    values = {k: request.form.get(k, "") for k in ("name", "kind")}
    try:
        _change(dept.update_department, code, values)
    except AdminError as err:
        return _departments_page(field_errors(err), {**values, "code": code}, 422, editing=code)
    flash(_("已保存"), "info")
    return redirect(url_for(".departments"))


@bp.post("/departments/<code>/delete")
@roles_required("admin")
def department_delete(code: str):
    try:
        _change(dept.delete_department, code)
    except AdminError as err:
        return _departments_page({"": [describe(p) for p in err.problems.get("", [])]}, {"code": code}, 409,
                                 editing=code)
    flash(_("部门 %(c)s 已删除", c=code), "info")
    return redirect(url_for(".departments"))


# ---------------------------------------------------------------------------- the grid tree


@bp.get("/grid")
@roles_required("admin")
def grid():
    with _runtime().db.read() as s:
        roots = grid_tree.load_tree(s)
    return render_template("admin/people_grid.html", roots=roots, open_code=request.args.get("open", ""))


def _node_page(code: str, errors: dict | None = None, values: dict | None = None, status: int = 200):
    with _runtime().db.read() as s:
        try:
            node = grid_tree.get_node(s, code)
        except NotFound:
            abort(404)
        lineage = [g for g in s.scalars(select(Grid).where(Grid.code.in_([c for c in node.path.split("/") if c])))]
        lineage.sort(key=lambda g: g.path.count("/"))
        children = list(s.scalars(select(Grid).where(Grid.parent_id == node.id).order_by(Grid.code)))
        posted = list(s.scalars(select(User).where(User.grid_id == node.id).order_by(User.username)))
        above = GRID_LEVELS[GRID_LEVELS.index(node.level) - 1] if node.level != "county" else None
        parents = list(s.scalars(select(Grid).where(Grid.level == above).order_by(Grid.code))) if above else []
    return render_template("admin/people_grid_node.html", node=node, lineage=lineage, children=children,
                           posted=posted, parents=parents, child_level=grid_tree.child_level(node.level),
                           errors=errors or {}, values=values or {}), status


@bp.get("/grid/node/<code>")
@roles_required("admin")
def grid_node(code: str):
    return _node_page(code)


@bp.post("/grid/node/<code>/children")
@roles_required("admin")
def grid_add(code: str):
    values = {"code": request.form.get("code", ""), "name": request.form.get("name", "")}
    try:
        node = _change(grid_tree.add_node, values["code"], values["name"], code)
    except AdminError as err:
        return _node_page(code, field_errors(err, "add_"), values, 422)
    flash(_("已添加 %(c)s", c=node.code), "info")
    return redirect(url_for(".grid_node", code=code) + "#children")


@bp.post("/grid/node/<code>/rename")
@roles_required("admin")
def grid_rename(code: str):
    name = request.form.get("name", "")
    try:
        _change(grid_tree.rename_node, code, name)
    except AdminError as err:
        return _node_page(code, field_errors(err, "rename_"), {"name": name}, 422)
    flash(_("已保存"), "info")
    return redirect(url_for(".grid_node", code=code))


@bp.post("/grid/node/<code>/move")
@roles_required("admin")
def grid_move(code: str):
    parent = request.form.get("parent", "")
    try:
        moved = _change(grid_tree.move_node, code, parent)
    except AdminError as err:
        return _node_page(code, field_errors(err, "move_"), {"parent": parent}, 422)
    flash(_("已移动：%(n)s 个网格节点、%(c)s 件在办案件、%(t)s 个待办任务随之更新", n=moved.nodes, c=moved.cases,
            t=moved.tasks), "info")
    return redirect(url_for(".grid_node", code=code))


# ---------------------------------------------------------------------------- CSV import


@bp.get("/grid/sample.csv")
@roles_required("admin")
def grid_sample():
    with _runtime().db.read() as s:
        body = grid_import.export_csv(s)
    response = make_response(body)
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = "attachment; filename=grid.csv"
    return response


def _import_template(upload: GridImport | None = None, plan=None, refused: AdminError | None = None) -> str:
    return render_template("admin/people_import.html", upload=upload, plan=plan, refused=refused,
                           limits=(grid_import.MAX_BYTES // (1024 * 1024), grid_import.MAX_ROWS))


@bp.route("/grid/import", methods=["GET", "POST"])
@roles_required("admin")
def grid_import_upload():
    if request.method == "GET":
        return _import_template()
    upload = request.files.get("file")
    raw = upload.read(grid_import.MAX_BYTES + 1) if upload else b""
    if not upload or not upload.filename:
        flash(_("请选择要导入的 CSV 文件"), "error")
        return _import_template(), 422
    with transaction() as s:
        import_id = grid_import.store_upload(s, upload.filename, raw, current_user.username, _now()).id
    return redirect(url_for(".grid_import_preview", import_id=import_id))


def _import_page(import_id: int, status: int = 200, refused: AdminError | None = None):
    with _runtime().db.read() as s:
        upload = s.get(GridImport, import_id)
        if upload is None:
            abort(404)
        plan = grid_import.preview(s, upload.content)
    return _import_template(upload, plan, refused), status


@bp.get("/grid/import/<int:import_id>")
@roles_required("admin")
def grid_import_preview(import_id: int):
    return _import_page(import_id)


@bp.post("/grid/import/<int:import_id>/apply")
@roles_required("admin")
def grid_import_apply(import_id: int):
    try:
        with transaction() as s:
            # Locked: a second click (or a second administrator) waits, then finds it applied.
            upload = s.get(GridImport, import_id, with_for_update=True)
            if upload is None:
                abort(404)
            if upload.status == "applied":
                flash(_("该文件已于 %(at)s 导入，未重复导入", at=upload.applied_at.strftime("%Y-%m-%d %H:%M")), "info")
                return redirect(url_for(".grid"))
            applied = grid_import.apply_upload(s, upload, current_user.username, _now(),
                                               request.form.get("digest") or None)
    except grid_import.ImportRefused as err:
        return _import_page(import_id, 409, err)
    flash(_("导入完成：新增 %(c)s 个、修改 %(u)s 个节点；%(m)s 件在办案件随网格移动", c=applied.created,
            u=applied.updated, m=applied.moved_cases), "info")
    return redirect(url_for(".grid"))
