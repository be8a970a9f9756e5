"""The bureau's departments, a county grid and staff accounts (used by the demo and tests)."""
from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import Department, Grid, User, UserRole
from engine.org.passwords import hash_password

DEPARTMENTS = [
    # code, name, kind
    ("air", "大气环境科", "bureau"),
    ("water", "水生态环境科", "bureau"),
    ("soil", "土壤与固体废物科", "bureau"),
    ("ecology", "自然生态保护科", "bureau"),
    ("radiation", "辐射安全科", "bureau"),
    ("enforcement", "生态环境保护综合行政执法大队", "bureau"),
    ("monitoring", "生态环境监测站", "bureau"),
    ("supervision", "督查科", "bureau"),
    ("urban_management", "城市管理局", "external"),
    ("police", "公安局", "external"),
    ("housing", "住房和城乡建设局", "external"),
    ("water_resources", "水利局", "external"),
    ("agriculture", "农业农村局", "external"),
]

TOWNS = ["城关镇", "东城街道", "西城街道", "河口镇", "青山镇", "白沙镇", "柳林镇", "石桥镇", "龙泉镇", "新安镇",
         "桃源乡", "金山乡", "大坪乡", "双河镇"]
_SURNAMES = "张王李赵刘陈杨黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
_SUFFIXES = ["家村", "庄村", "湾村", "坪村", "岭村", "坝村", "营村", "寨村", "河村", "沟村"]


def county_grid(areas: int = 105, villages: int = 515) -> list[tuple[str, str, str, str | None]]:
    """(code, name, level, parent code) rows for a county of 14 towns; deterministic."""
    rows: list[tuple[str, str, str, str | None]] = [("C", "示范县", "county", None)]
    town_codes = []
    town_names = {}
    for i, name in enumerate(TOWNS, 1):
        code = f"T{i:02d}"
        town_codes.append(code)
        town_names[code] = name
        rows.append((code, name, "town", "C"))
    area_codes = []
    for a in range(areas):
        town = town_codes[a % len(town_codes)]
        n = sum(1 for c in area_codes if c.startswith(town)) + 1
        code = f"{town}-A{n:02d}"
        area_codes.append(code)
        rows.append((code, f"{town_names[town]}第{n}网格", "area", town))
    per_area: dict[str, int] = {}
    for v in range(villages):
        area = area_codes[v % len(area_codes)]
        per_area[area] = per_area.get(area, 0) + 1
        name = _SURNAMES[v % len(_SURNAMES)] + _SUFFIXES[(v // len(_SURNAMES)) % len(_SUFFIXES)]
        rows.append((f"{area}-V{per_area[area]:02d}", name, "village", area))
    return rows


def seed_departments(session: Session) -> dict[str, Department]:
    existing = {d.code: d for d in session.scalars(select(Department))}
    for code, name, kind in DEPARTMENTS:
        if code not in existing:
            existing[code] = Department(code=code, name=name, kind=kind)
            session.add(existing[code])
    session.flush()
    return existing


def seed_grid(session: Session, areas: int = 105, villages: int = 515) -> dict[str, Grid]:
    existing = {g.code: g for g in session.scalars(select(Grid))}
    for code, name, level, parent in county_grid(areas, villages):
        if code in existing:
            continue
        parent_row = existing.get(parent) if parent else None
        path = (parent_row.path if parent_row else "/") + code + "/"
        grid = Grid(code=code, name=name, level=level, parent_id=parent_row.id if parent_row else None, path=path)
        session.add(grid)
        session.flush()
        existing[code] = grid
    return existing


# username, display name, roles, department code, grid code, supervision tier
STAFF = [
    ("admin", "系统管理员", ["admin"], None, "C", None),
    ("intake", "受理员 王芳", ["intake"], None, "C", None),
    ("handler", "大气科 李强", ["handler"], "air", "C", None),
    ("handler2", "执法大队 赵磊", ["handler"], "enforcement", "C", None),
    ("gridofficer", "城关镇网格员 陈静", ["handler"], "enforcement", "T01", 1),
    ("lead", "大气科科长 刘伟", ["lead"], "air", "C", None),
    ("lead2", "执法大队队长 孙涛", ["lead"], "enforcement", "C", None),
    ("town", "城关镇环保办 周敏", ["supervisor"], None, "T01", 2),
    ("supervisor", "督查科 吴刚", ["supervisor"], "supervision", "C", 3),
    ("leader", "分管局领导 郑国华", ["supervisor"], None, "C", 4),
]


def county_staff() -> list[tuple[str, str, list[str], str | None, str, int | None]]:
    """The rest of a county's staff: a grid officer and a town supervisor for every town,
    a handler and a lead for every bureau department without a named one above."""
    rows = []
    for i, town in enumerate(TOWNS, 1):
        code = f"T{i:02d}"
        rows.append((f"grid_{code.lower()}", f"{town}网格员", ["handler"], "enforcement", code, 1))
        rows.append((f"town_{code.lower()}", f"{town}环保办", ["supervisor"], None, code, 2))
    named = {dep for _u, _n, _r, dep, _g, _t in STAFF if dep}
    for code, name, kind in DEPARTMENTS:
        if kind != "bureau" or code in named:
            continue
        rows.append((f"handler_{code}", f"{name}承办人", ["handler"], code, "C", None))
        rows.append((f"lead_{code}", f"{name}负责人", ["lead"], code, "C", None))
    return rows


def seed_staff(session: Session, password: str | None = None, *, whole_county: bool = False,
               county_password: str | None = None) -> dict[str, str]:
    """Create missing staff accounts; returns {username: password} for the named ones created.

    With ``whole_county`` the generated county staff are added too, all with one password
    (``county_password``, or ``password``, or a random one returned under the key "*").
    """
    departments = {d.code: d for d in session.scalars(select(Department))}
    grids = {g.code: g for g in session.scalars(select(Grid).where(Grid.level.in_(("county", "town"))))}
    existing = set(session.scalars(select(User.username)))
    created = {}
    shared = county_password or password or secrets.token_urlsafe(9)
    # One hash per distinct password (argon2 at full cost takes a fraction of a second): the
    # accounts given the same password share its hash string, salt included, which verifies as
    # any other; each account with a password of its own gets its own hash.
    digests: dict[str, str] = {}
    rows = [(row, False) for row in STAFF] + ([(row, True) for row in county_staff()] if whole_county else [])
    for (username, name, roles, dep, grid, tier), generated in rows:
        if username in existing:
            continue
        if generated:
            secret = shared
            created.setdefault("*", shared)
        else:
            secret = password or secrets.token_urlsafe(9)
            created[username] = secret
        digest = digests.get(secret) or digests.setdefault(secret, hash_password(secret))
        user = User(username=username, display_name=name, password_hash=digest,
                    department_id=departments[dep].id if dep else None,
                    grid_id=grids[grid].id if grid in grids else None, tier=tier,
                    email=f"{username}@greenloop.example")
        user.role_rows = [UserRole(role=r) for r in roles]
        session.add(user)
    session.flush()
    return created
