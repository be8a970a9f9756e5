"""Importing the register from Excel (.xlsx) or CSV: a dry run that lists what each line would do
and every line's errors, then all or nothing — as the grid import does (engine/org/grid_import.py,
whose decoding of Excel's CSV encodings this reuses).

Columns (Chinese or English header, any order): 统一社会信用代码 credit_code, 企业名称 name,
地址 address, 网格编码 grid, 行业 industry, 监管类别 supervision_class (重点/一般/特殊),
排污许可证编号 permit_number, 许可证有效期至 permit_expires, 联系人 contacts ("姓名 电话", several
separated by ；), 监测点位 stations (station codes separated by ；). A row whose credit code is in
the register changes that enterprise; the others are added. Nothing is deleted.
"""
from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from engine.core import spreadsheet
from engine.core.errors import AdminError, Problem
from engine.core.table_file import TableRefused, csv_cells, records
from engine.core.text import UnsafeText, clean_text
from engine.enterprises import register
from engine.models.enterprise import Enterprise, EnterpriseImport, MonitoringPoint
from engine.org.changes import audit

MAX_BYTES = 5 * 1024 * 1024
# An .xlsx is a zip: what it unpacks to is capped too (a small file can unpack to gigabytes).
MAX_UNPACKED = 50 * 1024 * 1024
MAX_ROWS = 20_000
REQUIRED = ("credit_code", "name", "grid", "supervision_class")
HEADER_ALIASES = {
    "credit_code": "credit_code", "统一社会信用代码": "credit_code", "信用代码": "credit_code",
    "name": "name", "企业名称": "name", "单位名称": "name", "名称": "name",
    "address": "address", "地址": "address", "企业地址": "address",
    "grid": "grid", "grid_code": "grid", "网格编码": "grid", "网格": "grid",
    "industry": "industry", "行业": "industry", "行业类别": "industry",
    "supervision_class": "supervision_class", "class": "supervision_class", "监管类别": "supervision_class",
    "permit_number": "permit_number", "排污许可证编号": "permit_number", "许可证编号": "permit_number",
    "permit_expires": "permit_expires", "许可证有效期至": "permit_expires", "有效期至": "permit_expires",
    "contacts": "contacts", "联系人": "contacts",
    "stations": "stations", "监测点位": "stations", "在线监测点位": "stations", "站点编码": "stations",
}
EXPORT_HEADER = ["统一社会信用代码", "企业名称", "地址", "网格编码", "行业", "监管类别", "排污许可证编号",
                 "许可证有效期至", "联系人", "监测点位"]
XLSX_MAGIC = b"PK\x03\x04"


@dataclass
class Row:
    line: int
    data: dict
    checked: register.Checked | None = None
    action: str = "unchanged"  # create | update | unchanged | error
    errors: list[tuple[str, Problem]] = field(default_factory=list)  # (column, problem)


@dataclass
class Plan:
    rows: list[Row] = field(default_factory=list)
    file_errors: list[Problem] = field(default_factory=list)
    kind: str | None = None  # csv | xlsx

    @property
    def ok(self) -> bool:
        return not self.file_errors and not any(r.errors for r in self.rows)

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def counts(self) -> dict[str, int]:
        return {a: self.count(a) for a in ("create", "update", "unchanged", "error")}


class ImportRefused(AdminError):
    def __init__(self, plan: Plan):
        self.plan = plan
        super().__init__({"": [Problem("import_has_errors", plan.counts)]})


# ---------------------------------------------------------------------------- reading


def _xlsx_cells(raw: bytes, plan: Plan) -> list[list] | None:
    import openpyxl  # only an Excel upload needs it

    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED:
                plan.file_errors.append(Problem("file_unpacks_too_large", mb=MAX_UNPACKED // (1024 * 1024)))
                return None
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception:  # not a workbook openpyxl can read: say so, whatever the library's reason
        plan.file_errors.append(Problem("file_not_workbook"))
        return None
    sheet = book.worksheets[0]
    rows = []
    for cells in sheet.iter_rows(values_only=True):
        rows.append(["" if c is None else (c if hasattr(c, "isoformat") else clean_text(str(c))) for c in cells])
        if len(rows) > MAX_ROWS + 1:
            break
    book.close()
    return rows


def read_rows(raw: bytes, plan: Plan) -> list[Row]:
    if len(raw) > MAX_BYTES:
        plan.file_errors.append(Problem("file_too_large", mb=MAX_BYTES // (1024 * 1024)))
        return []
    plan.kind = "xlsx" if raw.startswith(XLSX_MAGIC) else "csv"
    try:
        if plan.kind == "xlsx":
            cells = _xlsx_cells(raw, plan)
            if cells is None:
                return []
            numbered = list(enumerate(cells, 1))
        else:
            _encoding, numbered = csv_cells(raw)
        found = records(numbered, HEADER_ALIASES, REQUIRED, MAX_ROWS)
    except UnsafeText:
        plan.file_errors.append(Problem("file_encoding"))
        return []
    except TableRefused as refused:
        plan.file_errors.append(Problem(refused.code, **refused.params))
        return []
    return [Row(line, values) for line, values in found]


# ---------------------------------------------------------------------------- the dry run


def preview(session: Session, raw: bytes) -> Plan:
    """What importing ``raw`` would do; changes nothing."""
    plan = Plan()
    plan.rows = read_rows(raw, plan)
    if plan.file_errors:
        return plan
    grids = register.grid_codes(session)
    existing = {e.credit_code: e for e in session.scalars(select(Enterprise))}
    stations = dict(session.execute(select(MonitoringPoint.station_code, MonitoringPoint.enterprise_id)).all())
    codes_seen: dict[str, int] = {}
    stations_seen: dict[str, int] = {}
    for row in plan.rows:
        row.checked = checked = register.check(row.data, grids)
        row.errors = [(name, p) for name, problems in checked.problems.items() for p in problems]
        code = checked.values["credit_code"]
        if code in codes_seen:
            row.errors.append(("credit_code", Problem("duplicate_code", value=code, first_line=codes_seen[code])))
        elif code:
            codes_seen[code] = row.line
        current = existing.get(code)
        for station in checked.stations:
            owner = stations.get(station)
            if station in stations_seen:
                row.errors.append(("stations", Problem("station_twice_in_file", value=station,
                                                       first_line=stations_seen[station])))
            elif owner is not None and (current is None or owner != current.id):
                row.errors.append(("stations", Problem("station_taken", value=station)))
            stations_seen.setdefault(station, row.line)
        if row.errors:
            row.action = "error"
        elif current is None:
            row.action = "create"
        else:
            now_stations = sorted(s for s, owner in stations.items() if owner == current.id)
            same = all(getattr(current, k) == v for k, v in checked.values.items()) \
                and now_stations == sorted(checked.stations)
            row.action = "unchanged" if same else "update"
    return plan


# ---------------------------------------------------------------------------- applying


def apply(session: Session, raw: bytes, actor: str, now: datetime) -> Plan:
    """Import in the caller's transaction; ImportRefused (nothing changed) when any line has errors."""
    plan = preview(session, raw)
    if not plan.ok:
        raise ImportRefused(plan)
    creates = [r for r in plan.rows if r.action == "create"]
    if creates:  # a county's register runs to thousands: one insert
        session.execute(insert(Enterprise), [{**r.checked.values, "updated_by": actor, "updated_at": now}
                                             for r in creates])
    ids = dict(session.execute(select(Enterprise.credit_code, Enterprise.id)).all())
    for row in plan.rows:
        if row.action == "update":
            enterprise = session.get(Enterprise, ids[row.checked.values["credit_code"]])
            for key, value in row.checked.values.items():
                setattr(enterprise, key, value)
            enterprise.updated_by, enterprise.updated_at = actor, now
    session.flush()
    changed = [r for r in plan.rows if r.action in ("create", "update")]
    moved = [s for r in changed for s in r.checked.stations]
    if changed:
        session.execute(delete(MonitoringPoint).where(MonitoringPoint.enterprise_id.in_(
            [ids[r.checked.values["credit_code"]] for r in changed])))
    if moved:
        session.execute(insert(MonitoringPoint), [
            {"station_code": s, "enterprise_id": ids[r.checked.values["credit_code"]], "name": None}
            for r in changed for s in r.checked.stations])
    audit(session, actor, "enterprises_imported", now, **plan.counts, file_kind=plan.kind)
    return plan


KEEP_PREVIEWS = timedelta(days=7)


def store_upload(session: Session, filename: str, raw: bytes, actor: str, now: datetime) -> EnterpriseImport:
    session.execute(delete(EnterpriseImport).where(EnterpriseImport.status == "previewed",
                                                   EnterpriseImport.uploaded_at < now - KEEP_PREVIEWS))
    row = EnterpriseImport(filename=(filename or "enterprises")[:255], content=raw, size=len(raw),
                           sha256=hashlib.sha256(raw).hexdigest(), uploaded_by=actor, uploaded_at=now,
                           status="previewed", summary={})
    session.add(row)
    session.flush()
    return row


def apply_upload(session: Session, upload: EnterpriseImport, actor: str, now: datetime) -> Plan:
    plan = apply(session, upload.content, actor, now)
    upload.status, upload.applied_by, upload.applied_at, upload.summary = "applied", actor, now, plan.counts
    return plan


def sample_csv() -> bytes:
    """A one-line example file (UTF-8 with BOM, which Excel opens correctly)."""
    out = io.StringIO(newline="")
    writer = spreadsheet.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_HEADER)
    writer.writerow(["91350100M000100Y43", "示范化工有限公司", "城关镇工业园 1 号", "T01-A01", "化学原料和化学制品制造业",
                     "重点", "91350100M000100Y43001P", "2028-12-31", "张三 13800000000", "ST0001"])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")
