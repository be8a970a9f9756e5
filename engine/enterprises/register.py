"""One enterprise of the register: its fields as typed (the edit page) or read from a file (the
import), checked by one function, and saved. A problem is a code with its values
(engine.core.errors.Problem) that the web app words; the import lists them per line."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.core.errors import AdminError, NotFound, Problem
from engine.enterprises import credit_code
from engine.models import Grid, PatrolPoint
from engine.models.enterprise import Enterprise, MonitoringPoint
from engine.org.changes import audit

LIMITS = {"name": 200, "address": 500, "industry": 100, "permit_number": 64}
CLASS_WORDS = {"key": "key", "重点": "key", "重点监管": "key", "general": "general", "一般": "general",
               "一般监管": "general", "special": "special", "特殊": "special", "特殊监管": "special"}
MAX_CONTACTS = 5
MAX_STATIONS = 20
_SPLIT = re.compile(r"[;；、,，\n]+")
_PHONE = re.compile(r"^[0-9+\-() ]{5,32}$")
_STATION = re.compile(r"^[A-Za-z0-9_\-.]{1,64}$")


@dataclass
class Checked:
    """The values to store, and the problems by field ("" for none in particular)."""

    values: dict = field(default_factory=dict)
    stations: list[str] = field(default_factory=list)
    problems: dict[str, list[Problem]] = field(default_factory=dict)

    def add(self, name: str, problem: Problem) -> None:
        self.problems.setdefault(name, []).append(problem)


def parse_date(value) -> date | None:
    """A permit's expiry as typed (2027-06-30, 2027/6/30, 2027年6月30日) or an Excel date cell."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    if not text:
        return None
    found = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text)
    if not found:
        raise ValueError(text)
    return date(*map(int, found.groups()))


def parse_contacts(text: str) -> list[dict]:
    """"张三 13800000000; 李四 0635-1234567" → [{"name": …, "phone": …}]: the last word of each
    entry that looks like a number is the phone."""
    contacts = []
    for entry in _SPLIT.split(text or ""):
        words = entry.split()
        if not words:
            continue
        phone = words[-1] if len(words) > 1 or _PHONE.match(words[-1]) else ""
        name = " ".join(words[:-1]) if phone else " ".join(words)
        contacts.append({"name": name, "phone": phone})
    return contacts


def contacts_text(contacts: list[dict]) -> str:
    return "；".join(" ".join(p for p in (c.get("name"), c.get("phone")) if p) for c in contacts or [])


def check(data: dict, grids: dict[str, tuple[int, str]]) -> Checked:
    """``data``: text by field (credit_code, name, address, grid, industry, supervision_class,
    permit_number, permit_expires, contacts, stations); ``grids``: code → (id, path)."""
    out = Checked()

    def text(name: str) -> str:
        value = data.get(name)
        return str(value).strip() if value is not None else ""

    code = credit_code.normalise(text("credit_code"))
    if not code:
        out.add("credit_code", Problem("required"))
    elif (problem := credit_code.problem(code)) is not None:
        out.add("credit_code", Problem(problem, value=code))
    out.values["credit_code"] = code
    for name, limit in LIMITS.items():
        value = text(name)
        if len(value) > limit:
            out.add(name, Problem("too_long", n=limit))
        out.values[name] = value or None
    if not out.values["name"]:
        out.add("name", Problem("required"))
    grid = grids.get(text("grid"))
    if not text("grid"):
        out.add("grid", Problem("required"))
    elif grid is None:
        out.add("grid", Problem("unknown_grid", value=text("grid")))
    else:
        out.values["grid_id"], out.values["grid_path"] = grid
    klass = CLASS_WORDS.get(text("supervision_class").lower(), CLASS_WORDS.get(text("supervision_class")))
    if klass is None:
        out.add("supervision_class", Problem("supervision_class_unknown", value=text("supervision_class")))
    out.values["supervision_class"] = klass
    try:
        out.values["permit_expires"] = parse_date(data.get("permit_expires"))
    except ValueError:
        out.add("permit_expires", Problem("date_format", value=text("permit_expires")))
    contacts = parse_contacts(text("contacts"))
    if len(contacts) > MAX_CONTACTS:
        out.add("contacts", Problem("too_many", n=MAX_CONTACTS))
    for contact in contacts:
        if len(contact["name"]) > 50 or (contact["phone"] and not _PHONE.match(contact["phone"])):
            out.add("contacts", Problem("contact_format", value=" ".join(contact.values())))
    out.values["contacts"] = contacts
    stations = [s.strip() for s in _SPLIT.split(text("stations")) if s.strip()]
    if len(stations) > MAX_STATIONS:
        out.add("stations", Problem("too_many", n=MAX_STATIONS))
    for station in stations:
        if not _STATION.match(station):
            out.add("stations", Problem("station_format", value=station))
    if len(set(stations)) != len(stations):
        out.add("stations", Problem("station_twice"))
    out.stations = list(dict.fromkeys(stations))
    return out


def grid_codes(session: Session) -> dict[str, tuple[int, str]]:
    return {code: (id_, path) for code, id_, path in session.execute(select(Grid.code, Grid.id, Grid.path))}


def station_owners(session: Session, codes: list[str]) -> dict[str, int]:
    if not codes:
        return {}
    return dict(session.execute(select(MonitoringPoint.station_code, MonitoringPoint.enterprise_id)
                                .where(MonitoringPoint.station_code.in_(codes))).all())


def form_values(enterprise: Enterprise, stations: list[str], grid_code: str) -> dict[str, str]:
    """The edit form's text for a stored enterprise (what ``check`` reads back)."""
    return {"credit_code": enterprise.credit_code, "name": enterprise.name, "address": enterprise.address or "",
            "grid": grid_code, "industry": enterprise.industry or "",
            "supervision_class": enterprise.supervision_class, "permit_number": enterprise.permit_number or "",
            "permit_expires": enterprise.permit_expires.isoformat() if enterprise.permit_expires else "",
            "contacts": contacts_text(enterprise.contacts), "stations": "；".join(stations)}


def stations_of(session: Session, enterprise_id: int) -> list[str]:
    return list(session.scalars(select(MonitoringPoint.station_code)
                                .where(MonitoringPoint.enterprise_id == enterprise_id).order_by(MonitoringPoint.id)))


def set_stations(session: Session, enterprise_id: int, stations: list[str]) -> None:
    session.execute(delete(MonitoringPoint).where(MonitoringPoint.enterprise_id == enterprise_id,
                                                  MonitoringPoint.station_code.not_in(stations or [""])))
    have = set(stations_of(session, enterprise_id))
    session.add_all(MonitoringPoint(station_code=s, enterprise_id=enterprise_id) for s in stations if s not in have)


def save(session: Session, data: dict, actor: str, now: datetime, enterprise_id: int | None = None) -> Enterprise:
    """Create (``enterprise_id`` None) or change one enterprise; AdminError with the problems by
    field when anything is wrong (nothing is written)."""
    checked = check(data, grid_codes(session))
    enterprise = None
    if enterprise_id is not None:
        enterprise = session.get(Enterprise, enterprise_id, with_for_update=True)
        if enterprise is None:
            raise NotFound(f"enterprise {enterprise_id}")
    same = session.scalar(select(Enterprise.id).where(Enterprise.credit_code == checked.values["credit_code"]))
    if same is not None and same != enterprise_id:
        checked.add("credit_code", Problem("credit_code_taken", value=checked.values["credit_code"]))
    for station, owner in station_owners(session, checked.stations).items():
        if owner != enterprise_id:
            checked.add("stations", Problem("station_taken", value=station))
    if checked.problems:
        raise AdminError(checked.problems)
    before = {} if enterprise is None else {k: getattr(enterprise, k) for k in checked.values}
    if enterprise is None:
        enterprise = Enterprise(**checked.values, updated_by=actor, updated_at=now)
        session.add(enterprise)
    else:
        for key, value in checked.values.items():
            setattr(enterprise, key, value)
        enterprise.updated_by, enterprise.updated_at = actor, now
    session.flush()
    set_stations(session, enterprise.id, checked.stations)
    changed = sorted(k for k, v in checked.values.items() if before.get(k) != v and k != "grid_id")
    audit(session, actor, "enterprise_saved", now, enterprise_id=enterprise.id, name=enterprise.name,
          credit_code=enterprise.credit_code, created=not before, fields=changed)
    return enterprise


def patrol_point_choices(session: Session, enterprise: Enterprise) -> list[tuple[int, str]]:
    """Enterprise-kind patrol points in the enterprise's town not yet attached to another enterprise."""
    town = "/".join(enterprise.grid_path.split("/")[:3]) + "/"
    return [tuple(row) for row in session.execute(
        select(PatrolPoint.id, PatrolPoint.name).where(PatrolPoint.kind == "enterprise",
                                                       PatrolPoint.grid_path.startswith(town, autoescape=True),
                                                       (PatrolPoint.enterprise_id.is_(None))
                                                       | (PatrolPoint.enterprise_id == enterprise.id))
        .order_by(PatrolPoint.name))]


def attach_patrol_point(session: Session, enterprise_id: int, point_id: int, actor: str, now: datetime) -> None:
    """The point's patrols become part of the enterprise's history, and a problem found there links to it."""
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise NotFound(f"enterprise {enterprise_id}")
    if point_id not in {pid for pid, _name in patrol_point_choices(session, enterprise)}:
        raise AdminError({"patrol_point": [Problem("patrol_point_unknown")]})
    point = session.get(PatrolPoint, point_id)
    point.enterprise_id = enterprise.id
    audit(session, actor, "enterprise_saved", now, enterprise_id=enterprise.id, name=enterprise.name,
          credit_code=enterprise.credit_code, created=False, fields=["patrol_point"], patrol_point=point.name)
