"""Importing patrol points from a CSV file (as Excel saves it): a dry run that says, line by line,
what would be added, changed or is wrong, then all or nothing.

The approach is the grid import's (engine/org/grid_import.py): the same encodings (UTF-8 with or
without BOM, UTF-16 "Unicode text", GB18030), size and row limits, header in English or Chinese in
any order, cells our exports guarded against formula injection taken back as they were. Each line
is checked by the same rules as the point form (engine/patrol/points.parse_values), so a line's
errors are the form's field messages.

Columns: name 名称, kind 类型 (a code or its word: 企业, 建筑工地 …), grid_code 网格编码, latitude
纬度, longitude 经度, and optionally address 地址, checklist 检查项 (items separated by ";", "；",
"、" or "|"), every_days 巡查间隔 (working days), officer 网格员账号. A line naming a point that exists
(same name in the same grid node) changes it; any other line adds one. Points not in the file
stay as they are.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.core import spreadsheet
from engine.core.errors import FormInvalid
from engine.core.table_file import TableRefused, csv_cells, records
from engine.models import AuditEvent, Grid, PatrolPoint, User
from engine.org.grid_import import MAX_BYTES
from engine.patrol import points
from engine.vocabulary.words import PATROL_POINT_KINDS

MAX_ROWS = 5000
REQUIRED = ("name", "kind", "grid_code", "latitude", "longitude")
HEADER_ALIASES = {
    "name": "name", "名称": "name", "巡查点": "name", "巡查点名称": "name",
    "kind": "kind", "类型": "kind", "类别": "kind",
    "grid_code": "grid_code", "grid": "grid_code", "网格编码": "grid_code", "所在网格编码": "grid_code",
    "latitude": "latitude", "lat": "latitude", "纬度": "latitude",
    "longitude": "longitude", "lng": "longitude", "lon": "longitude", "经度": "longitude",
    "address": "address", "地址": "address",
    "checklist": "checklist", "检查项": "checklist", "检查内容": "checklist",
    "every_days": "every_days", "巡查间隔": "every_days", "巡查间隔（工作日）": "every_days",
    "officer": "officer", "网格员": "officer", "网格员账号": "officer",
}
KIND_WORDS = {**{code: code for code in PATROL_POINT_KINDS}, **{word: code for code, word in PATROL_POINT_KINDS.items()}}
ITEM_SPLIT = re.compile(r"[;；、|]")
EXPORT_HEADER = ["名称", "类型", "网格编码", "纬度", "经度", "地址", "检查项", "巡查间隔", "网格员账号"]


@dataclass
class Line:
    line: int
    values: dict
    action: str = "create"  # create | update | unchanged | error
    point_id: int | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Plan:
    lines: list[Line] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    encoding: str | None = None

    @property
    def ok(self) -> bool:
        return not self.file_errors and not any(x.errors for x in self.lines)

    @property
    def counts(self) -> dict[str, int]:
        return {a: sum(1 for x in self.lines if x.action == a) for a in ("create", "update", "unchanged", "error")}


# Each whole-file refusal in the importer's own bilingual words (engine/core/table_file.py codes).
REFUSALS = {
    "file_encoding": "无法识别文件编码，请另存为 CSV（UTF-8 或 GBK） (unreadable encoding: save as CSV)",
    "header_missing": "第 {line} 行表头缺少列：{columns} (header lacks columns)",
    "too_many_rows": "最多 {n} 行 (at most {n} rows)",
    "file_empty": "文件是空的 (the file is empty)",
    "file_no_rows": "文件只有表头，没有巡查点 (no rows under the header)",
}


def read_lines(raw: bytes, plan: Plan) -> list[Line]:
    if len(raw) > MAX_BYTES:
        plan.file_errors.append(f"文件超过 {MAX_BYTES // (1024 * 1024)} MB (the file is too large)")
        return []
    try:
        plan.encoding, cells = csv_cells(raw)
        found = records(cells, HEADER_ALIASES, REQUIRED, MAX_ROWS)
    except TableRefused as refused:
        params = {**refused.params, "columns": ", ".join(refused.params.get("columns", []))}
        plan.file_errors.append(REFUSALS[refused.code].format(**params))
        return []
    lines = []
    for start, values in found:
        values["kind"] = KIND_WORDS.get(values["kind"], values["kind"])
        values["checklist"] = [item.strip() for item in ITEM_SPLIT.split(values.get("checklist", "")) if item.strip()]
        lines.append(Line(start, values))
    return lines


def _same(point: PatrolPoint, clean: dict) -> bool:
    return all(getattr(point, key) == clean[key] for key in
               ("kind", "latitude", "longitude", "address", "checklist", "every_days", "officer_id"))


def preview(session: Session, raw: bytes) -> Plan:
    """What importing ``raw`` would do; changes nothing."""
    plan = Plan()
    plan.lines = read_lines(raw, plan)
    existing = {(p.name, p.grid_id): p for p in session.scalars(select(PatrolPoint))}
    seen: dict[tuple, int] = {}
    for line in plan.lines:
        try:
            clean = points.parse_values(session, line.values)
        except FormInvalid as err:
            line.errors, line.action = dict(err.errors), "error"
            continue
        key = (clean["name"], clean["grid"].id)
        if key in seen:
            line.errors, line.action = {"name": [f"与第 {seen[key]} 行重复 (same point as line {seen[key]})"]}, "error"
            continue
        seen[key] = line.line
        point = existing.get(key)
        if point is not None:
            line.point_id = point.id
            line.action = "unchanged" if _same(point, clean) and point.active else "update"
    return plan


def apply(session: Session, raw: bytes, *, actor: str, now: datetime) -> Plan:
    """Import in the caller's transaction; FormInvalid (nothing changed) when any line is wrong."""
    plan = preview(session, raw)
    if not plan.ok:
        raise FormInvalid({"file": plan.file_errors or [
            f"{plan.counts['error']} 行有错误，未导入任何巡查点 ({plan.counts['error']} lines have errors; nothing was "
            f"imported)"]})
    for line in plan.lines:
        if line.action == "create":
            points.create_point(session, line.values, actor=actor, now=now)
        elif line.action == "update":
            points.update_point(session, line.point_id, {**line.values, "active": "1"}, actor=actor, now=now)
    session.add(AuditEvent(at=now, actor=actor, kind="patrol_points_imported",
                           detail={"encoding": plan.encoding, **plan.counts}))
    return plan


def export_csv(session: Session) -> bytes:
    """The points as an import file (UTF-8 with BOM, which Excel opens): importing it back changes
    nothing. Cells a spreadsheet would run as formulas are guarded (engine/core/spreadsheet.py)."""
    out = io.StringIO(newline="")
    writer = spreadsheet.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_HEADER)
    rows = session.execute(select(PatrolPoint, Grid.code, User.username).join(Grid, Grid.id == PatrolPoint.grid_id)
                           .outerjoin(User, User.id == PatrolPoint.officer_id)
                           .order_by(PatrolPoint.grid_path, PatrolPoint.name))
    for point, grid_code, officer in rows:
        writer.writerow([point.name, PATROL_POINT_KINDS.get(point.kind, point.kind), grid_code, point.latitude,
                         point.longitude, point.address or "", "；".join(point.checklist or []),
                         point.every_days if point.every_days is not None else "", officer or ""])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")
