"""A working-calendar change's recomputation of open deadlines, run in batches
(engine/calendar/jobs.py): the row is the job's cursor and progress, so any process can carry on
after a crash where the last committed batch ended."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.models.base import Base


class CalendarJob(Base):
    __tablename__ = "calendar_job"
    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column()
    is_workday: Mapped[bool] = mapped_column()
    # What the day was before the change: the old calendar is today's with this day put back.
    was_workday: Mapped[bool] = mapped_column()
    state: Mapped[str] = mapped_column(String(16), default="running")  # running | done
    # The last process instance examined (instances are taken in id order).
    cursor: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)  # instances to examine, counted at the start
    examined: Mapped[int] = mapped_column(default=0)
    moved: Mapped[int] = mapped_column(default=0)  # cases whose deadlines moved
    batches: Mapped[int] = mapped_column(default=0)
    actor: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()


Index("ix_calendar_job_state", CalendarJob.state, CalendarJob.id)
