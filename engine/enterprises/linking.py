"""A case and the register's enterprise it is about. Intake staff are shown suggestions (by the
reported name, the address, an alarm's station code) and confirm one; an online-monitoring alarm
arriving with a station code the register knows is linked at once. Linking a case to an
enterprise on the positive list asks for its review (engine/enterprises/positive_list.py)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from engine.core.errors import FormInvalid
from engine.core.runtime import Runtime
from engine.enterprises import positive_list
from engine.models import AuditEvent, Case, Patrol, PatrolPoint
from engine.models.enterprise import Enterprise, MonitoringPoint

MAX_SUGGESTIONS = 8
# Words a name is written with or without (示范化工有限公司 ≈ 示范化工): left out when comparing.
_FORMS = ("有限责任公司", "股份有限公司", "有限公司", "集团", "公司", "厂")


@dataclass(frozen=True)
class Suggestion:
    id: int
    name: str
    credit_code: str
    address: str | None
    why: str  # station | name | address


def _core(name: str) -> str:
    core = (name or "").strip()
    for word in _FORMS:
        core = core.replace(word, "")
    return core


def station_enterprise(session: Session, station_code: str | None) -> int | None:
    if not station_code:
        return None
    return session.scalar(select(MonitoringPoint.enterprise_id).where(MonitoringPoint.station_code == station_code))


def suggest(session: Session, *, name: str | None = None, address: str | None = None,
            station_code: str | None = None) -> list[Suggestion]:
    """The register's likely enterprises: the station's first, then by name, then by address."""
    found: dict[int, Suggestion] = {}

    def add(rows, why: str) -> None:
        for row in rows:
            if row.id not in found and len(found) < MAX_SUGGESTIONS:
                found[row.id] = Suggestion(row.id, row.name, row.credit_code, row.address, why)

    columns = (Enterprise.id, Enterprise.name, Enterprise.credit_code, Enterprise.address)
    station = station_enterprise(session, station_code)
    if station is not None:
        add(session.execute(select(*columns).where(Enterprise.id == station)), "station")
    core = _core(name or "")
    if len(core) >= 2:
        add(session.execute(select(*columns).where(or_(Enterprise.name == name.strip(),
                                                       Enterprise.name.icontains(core, autoescape=True)))
                            .order_by(func.length(Enterprise.name), Enterprise.id).limit(MAX_SUGGESTIONS)), "name")
    place = (address or "").strip()
    if len(place) >= 4:
        add(session.execute(select(*columns).where(Enterprise.address.icontains(place, autoescape=True))
                            .order_by(Enterprise.id).limit(MAX_SUGGESTIONS)), "address")
    return list(found.values())


def link_case(session: Session, runtime: Runtime, case: Case, enterprise_id: int | None, actor: str,
              *, how: str = "intake") -> None:
    """Link ``case`` to the enterprise (in the caller's transaction); a listed enterprise's review
    is asked for. None leaves the case unlinked."""
    if enterprise_id is None or case.enterprise_id == enterprise_id:
        return
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise FormInvalid({"enterprise_id": ["企业不存在 (no such enterprise)"]})
    case.enterprise_id = enterprise.id
    session.add(AuditEvent(case_id=case.id, at=runtime.now(), actor=actor, kind="enterprise_linked", stage=case.stage,
                           detail={"enterprise_id": enterprise.id, "name": enterprise.name, "how": how}))
    kind = "alarm" if case.channel == "monitoring" else "complaint"
    positive_list.request_review(session, runtime, enterprise.id, kind, actor, case_number=case.number)


def link_alarm(session: Session, runtime: Runtime, case: Case, actor: str) -> int | None:
    """An alarm's station code, if the register knows it, links the case; returns the enterprise."""
    station = ((case.details or {}).get("monitoring") or {}).get("station_code")
    enterprise_id = station_enterprise(session, station)
    link_case(session, runtime, case, enterprise_id, actor, how="station")
    return enterprise_id


def link_patrol_case(session: Session, runtime: Runtime, patrol_id: int, actor: str) -> int | None:
    """A problem found on a patrol of an enterprise's patrol point: its case links to the enterprise."""
    patrol = session.get(Patrol, patrol_id)
    if patrol is None or patrol.case_id is None:
        return None
    enterprise_id = session.scalar(select(PatrolPoint.enterprise_id).where(PatrolPoint.id == patrol.point_id))
    link_case(session, runtime, session.get(Case, patrol.case_id), enterprise_id, actor, how="patrol")
    return enterprise_id
