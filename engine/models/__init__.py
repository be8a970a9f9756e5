from .audit import AuditEvent, CalendarDay, CalendarYear, Notification
from .base import Base
from .case import CATEGORIES, CHANNELS, STATUSES, TIERS, TOP_TIER, Case, CaseCounter
from .files import Attachment, TaskDraft
from .org import ROLES, Department, Grid, User, UserRole
from .process import ProcessDefinition, ProcessInstance, Task

__all__ = [
    "Attachment", "TaskDraft", "AuditEvent", "Base", "CATEGORIES", "CHANNELS", "CalendarDay", "CalendarYear", "Case", "CaseCounter",
    "Department", "Grid", "Notification", "ProcessDefinition", "ProcessInstance", "ROLES", "STATUSES",
    "TIERS", "TOP_TIER", "Task", "User", "UserRole",
]

# Imported so that their tables join Base.metadata (migrations, test truncation).
from . import api, diagram_drafts, documents, form_versions, people_admin, public  # noqa: E402,F401
