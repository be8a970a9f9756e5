"""The database tables (SQLAlchemy 2): cases, processes and their task projection, people and
places, staff sign-in sessions, the audit trail, files, documents, forms and API clients. Schema changes go through
Alembic migrations in engine/migrations.

May import: nothing else of greenloop.
"""
from engine.models.audit import AuditEvent, CalendarDay, CalendarYear, Notification
from engine.models.base import Base
from engine.models.case import CATEGORIES, CHANNELS, STATUSES, TIERS, TOP_TIER, Case, CaseCounter
from engine.models.files import Attachment, TaskDraft
from engine.models.org import ROLES, Department, Grid, User, UserRole
from engine.models.process import ProcessDefinition, ProcessInstance, Task

__all__ = [
    "Attachment", "TaskDraft", "AuditEvent", "Base", "CATEGORIES", "CHANNELS", "CalendarDay", "CalendarYear", "Case", "CaseCounter",
    "Department", "Grid", "Notification", "ProcessDefinition", "ProcessInstance", "ROLES", "STATUSES",
    "TIERS", "TOP_TIER", "Task", "User", "UserRole",
]

# Imported so that their tables join Base.metadata (migrations, test truncation).
from engine.models import api, auth, diagram_drafts, documents, form_versions, people_admin, public  # noqa: E402,F401
