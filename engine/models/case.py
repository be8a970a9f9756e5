"""The complaint case: the row every screen, document and statistic starts from."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.models.base import Base
from engine.models.org import Department, Grid, User

CHANNELS = ("public", "hotline", "grid", "monitoring", "higher", "visit", "letter")
CATEGORIES = ("air", "water", "noise", "solid_waste", "soil", "radiation", "ecology", "other")
# What kind of source is reported; routing sends some of them outside the bureau's remit.
SUBJECT_TYPES = ("enterprise", "construction", "catering", "residential", "traffic", "livestock", "other")
# Case life: received → accepted → (assigned/handling…) → closed; or rejected / transferred / merged.
STATUSES = ("received", "accepted", "handling", "closed", "rejected", "transferred", "merged", "reopened")
# Ways a case leaves the loop without being handled to the end here: not accepted, sent to another
# agency, merged into the case it repeats.
SET_ASIDE_STATUSES = ("rejected", "transferred", "merged")
CLOSED_STATUSES = ("closed", *SET_ASIDE_STATUSES)
OPEN_STATUSES = tuple(status for status in STATUSES if status not in CLOSED_STATUSES)
# The stage codes the diagrams give their user tasks (the BPMN property "stage").
STAGES = ("receive", "assign", "handle", "extension", "feedback", "review", "follow_up", "follow_up_review",
          "supervise", "return_review", "sign_for", "rectify", "reinspect", "leader_check", "leader_follow_up",
          "patrol", "positive_list", "enforcement", "agency", "selfcheck", "inspection")
COLOURS = ("green", "blue", "yellow", "red")
TIERS = {1: "grid", 2: "town", 3: "county", 4: "leader"}
TOP_TIER = 4


class Case(Base):
    __tablename__ = "case"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    tracking_code: Mapped[str] = mapped_column(String(32), unique=True)
    channel: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(32), index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str | None] = mapped_column(String(500))
    latitude: Mapped[float | None] = mapped_column()
    longitude: Mapped[float | None] = mapped_column()
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id"), index=True)
    # Denormalised from the grid so scoping a list to a subtree needs no join.
    grid_path: Mapped[str | None] = mapped_column(String(500), index=True)
    subject_enterprise: Mapped[str | None] = mapped_column(String(300))
    # What kind of source is reported (enterprise, construction, catering, residential, …):
    # routing sends some of them outside the bureau's remit.
    subject_type: Mapped[str | None] = mapped_column(String(32))
    complainant_name: Mapped[str | None] = mapped_column(String(100))
    complainant_phone: Mapped[str | None] = mapped_column(String(32))
    complainant_anonymous: Mapped[bool] = mapped_column(default=False)
    urgent: Mapped[bool] = mapped_column(default=False)
    # What a machine sent with the case (an online monitor's station, pollutant, measured value
    # and limit …), kept as sent and shown on the case page.
    details: Mapped[dict | None] = mapped_column(JSON)
    # The API client that registered the case: a machine client reads back only its own cases.
    api_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_token.id"), index=True)
    # The client's own id for what it sent (an alarm id): a retried submission finds its case
    # instead of opening a second one.
    external_id: Mapped[str | None] = mapped_column(String(100))
    # The form a person submitted it with (webapp/submissions.py): unique, so a double click, a
    # resent form or two concurrent posts of one form register one case, not two.
    submission_key: Mapped[str | None] = mapped_column(String(64))

    status: Mapped[str] = mapped_column(String(32), default="received", index=True)
    stage: Mapped[str | None] = mapped_column(String(32), index=True)
    colour: Mapped[str] = mapped_column(String(8), default="blue", index=True)
    stage_started_at: Mapped[datetime | None] = mapped_column()
    stage_due: Mapped[datetime | None] = mapped_column(index=True)
    stage_warn: Mapped[datetime | None] = mapped_column()
    tier: Mapped[int] = mapped_column(default=1)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    transferred_to: Mapped[str | None] = mapped_column(String(200))
    leader_owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    # A repeat complaint (重复投诉): the closed case about the same place or enterprise it follows
    # within the window the complaint diagram sets (engine/cases/recurrence.py).
    recurrence_of_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    # The register's enterprise the case is about (engine/enterprises/linking.py).
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"), index=True)
    satisfaction: Mapped[str | None] = mapped_column(String(32))
    reopened: Mapped[bool] = mapped_column(default=False)
    extension_days: Mapped[int] = mapped_column(default=0)

    received_at: Mapped[datetime] = mapped_column(index=True)
    accepted_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    closed_on_time: Mapped[bool | None] = mapped_column()
    # Facts the statistics count (engine/measures), kept on the row where they happen
    # (engine/cases/lifecycle.py, engine/cases/escalation.py) so that a year of figures is one
    # aggregate over this table rather than a search through the audit trail.
    # First assignment to a department (退单率's denominator counts cases ever assigned).
    assigned_at: Mapped[datetime | None] = mapped_column()
    # Times the case was returned (退单) by a department / escalated (督办) one tier up.
    return_count: Mapped[int] = mapped_column(default=0)
    escalation_count: Mapped[int] = mapped_column(default=0)
    # When the follow-up (回访) of the current closure was recorded, any answer ("unreachable"
    # too); cleared when the case is reopened, so a re-closed case awaits its new follow-up.
    followed_up_at: Mapped[datetime | None] = mapped_column()
    # Working days from acceptance to closure (engine/calendar: the day of acceptance does not
    # count), set at closure; None while open.
    handling_workdays: Mapped[int | None] = mapped_column()
    # How handling checked the problem (the handling forms' ``check_method``, the latest one
    # recorded; engine/work/tasks.complete_task): on site or one of the non-site ways whose share
    # of enforcement is reported (非现场执法占比). None until a handling form records it.
    check_method: Mapped[str | None] = mapped_column(String(32))
    # Times re-inspection after closure (后督察) found the problem back (反弹); counted against the
    # case's department (engine/reinspection/functions.py).
    relapse_count: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    grid: Mapped[Grid | None] = relationship()
    department: Mapped[Department | None] = relationship()
    leader_owner: Mapped[User | None] = relationship(foreign_keys=[leader_owner_id])
    parent: Mapped[Case | None] = relationship(remote_side=[id], foreign_keys=[parent_id])


Index("ix_case_open_colour", Case.status, Case.colour)
Index("ux_case_client_external_id", Case.api_token_id, Case.external_id, unique=True)
# A lead's or a town's figures (engine/measures) are counted from the cases of their department or
# subtree received in the period: on PostgreSQL these indexes carry every column a figure reads,
# so the count never visits the table (1,000,000 cases, a department's year: 1.3 s → 0.2 s under
# load; bench/stats_bench.py, migration 0013).
STATS_COLUMNS = ("status", "colour", "accepted_at", "closed_on_time", "followed_up_at", "satisfaction",
                 "escalation_count", "assigned_at", "return_count", "handling_workdays", "category", "channel", "tier",
                 "check_method", "relapse_count", "recurrence_of_id")
Index("ix_case_stats_department", Case.department_id, Case.received_at,
      postgresql_include=[*STATS_COLUMNS, "grid_path"])
Index("ix_case_stats_place", Case.grid_path, Case.received_at, postgresql_include=[*STATS_COLUMNS, "department_id"],
      postgresql_ops={"grid_path": "text_pattern_ops"})
Index("ux_case_submission_key", Case.submission_key, unique=True)


class CaseCounter(Base):
    """Per-year sequence for case numbers (环字〔2026〕第000123号); locked while incremented."""

    __tablename__ = "case_counter"
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)
