"""The database tables (SQLAlchemy 2): cases, processes and their task projection, people and
places, the map's boundaries, staff sign-in sessions, the audit trail, files, documents, periodic reports, forms and API clients. Schema changes go through
Alembic migrations in engine/migrations.

May import: nothing else of greenloop.
"""
from engine.models.audit import AuditEvent, CalendarDay, CalendarYear, Notification, NotificationPreference
from engine.models.base import Base
from engine.models.case import (
    CATEGORIES,
    CHANNELS,
    CLOSED_STATUSES,
    COLOURS,
    OPEN_STATUSES,
    SET_ASIDE_STATUSES,
    STAGES,
    STATUSES,
    SUBJECT_TYPES,
    TIERS,
    TOP_TIER,
    Case,
    CaseCounter,
)
from engine.models.files import Attachment, TaskDraft
from engine.models.leadership import CASE_FLAGS, LEADER_RECORD_KINDS, CaseFlag, LeaderRecord
from engine.models.measures import CaseStat
from engine.models.org import (
    CANDIDATE_GROUPS,
    GRID_LEVELS,
    LOCAL_GRID_LEVELS,
    ROLES,
    Department,
    Grid,
    User,
    UserRole,
)
from engine.models.patrol import PATROL_POINT_KINDS, PATROL_STATUSES, Patrol, PatrolPhoto, PatrolPoint
from engine.models.process import ProcessDefinition, ProcessInstance, Task
from engine.models.reference import ReferenceGeneration

__all__ = [
    "Attachment", "TaskDraft", "AuditEvent", "Base", "CASE_FLAGS", "CaseFlag", "LEADER_RECORD_KINDS", "LeaderRecord", "CANDIDATE_GROUPS", "CATEGORIES", "CHANNELS", "CLOSED_STATUSES", "COLOURS",
    "CalendarDay", "CalendarYear", "Case", "CaseCounter", "CaseStat", "Department", "GRID_LEVELS", "Grid", "LOCAL_GRID_LEVELS",
    "Notification", "NotificationPreference", "OPEN_STATUSES", "PATROL_POINT_KINDS", "PATROL_STATUSES", "Patrol", "PatrolPhoto", "PatrolPoint",
    "ProcessDefinition", "ProcessInstance", "ReferenceGeneration", "ROLES", "SET_ASIDE_STATUSES", "STAGES", "STATUSES", "SUBJECT_TYPES",
    "TIERS", "TOP_TIER", "Task", "User", "UserRole",
]

# Imported so that their tables join Base.metadata (migrations, test truncation).
from engine.models import (  # noqa: E402,F401
    api,
    auth,
    calendar_jobs,
    diagram_drafts,
    documents,
    enforcement,
    enterprise,
    form_versions,
    geo,
    inspection,
    ledger,
    people_admin,
    public,
    rectification,
    reinspection,
    reports,
    selfcheck,
    sms,
)
