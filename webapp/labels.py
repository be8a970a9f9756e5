"""The engine's vocabulary (engine/vocabulary) in the reader's language, for pages and forms.

Every word and audit-event sentence a page shows comes from here; templates reach them through
the globals ``init_app`` installs (``labels.stage[code]``, ``event_text(entry)`` …).
"""
from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace

from flask import Flask, g
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

import forms
from engine.definitions import form_store
from engine.models import CANDIDATE_GROUPS
from engine.vocabulary import events, words
from webapp.runtime import current_runtime


def _translated(table: Mapping) -> dict:
    return {code: _l(text) for code, text in table.items()}


STAGES = _translated(words.STAGES)
TIERS = _translated(words.TIERS)
COLOURS = _translated(words.COLOURS)
CATEGORIES = _translated(words.CATEGORIES)
CHANNELS = _translated(words.CHANNELS)
SUBJECT_TYPES = _translated(words.SUBJECT_TYPES)
STATUSES = _translated(words.STATUSES)
PUBLIC_STATUSES = _translated(words.PUBLIC_STATUSES)
SATISFACTION = _translated(words.SATISFACTION)
ROLES = _translated(words.ROLES)
GROUPS = {code: ROLES[code] for code in CANDIDATE_GROUPS}
GRID_LEVELS = _translated(words.GRID_LEVELS)
ACTORS = _translated(words.ACTORS)
NOTIFICATION_KINDS = _translated(words.NOTIFICATION_KINDS)
EMAIL_FREQUENCIES = _translated(words.EMAIL_FREQUENCIES)
# The statistics' measures and the counts they are made of (engine/measures), and their slices.
MEASURES = _translated({**words.MEASURES, **words.MEASURE_FACTS})
SLICES = _translated(words.SLICES)
REPORTS = _translated(words.REPORTS)
WEEKDAYS = _translated(words.WEEKDAYS)
RECTIFICATION_STATUSES = _translated(words.RECTIFICATION_STATUSES)
CASE_FLAGS = _translated(words.CASE_FLAGS)
LEADER_RECORDS = _translated(words.LEADER_RECORDS)
PATROL_POINT_KINDS = _translated(words.PATROL_POINT_KINDS)
PATROL_STATUSES = _translated(words.PATROL_STATUSES)
PATROL_FIGURES = _translated(words.PATROL_FIGURES)
PATROL_SLICES = _translated(words.PATROL_SLICES)

# What templates see as ``labels``.
LABELS = SimpleNamespace(stage=STAGES, tier=TIERS, colour=COLOURS, category=CATEGORIES, channel=CHANNELS,
                         subject=SUBJECT_TYPES, status=STATUSES, public_status=PUBLIC_STATUSES,
                         satisfaction=SATISFACTION, role=ROLES, group=GROUPS, level=GRID_LEVELS, actor=ACTORS,
                         notification=NOTIFICATION_KINDS, rectification=RECTIFICATION_STATUSES, email_frequency=EMAIL_FREQUENCIES,
                         measure=MEASURES, slice=SLICES, report=REPORTS, weekday=WEEKDAYS,
                         flag=CASE_FLAGS, leader_record=LEADER_RECORDS,
                         patrol_kind=PATROL_POINT_KINDS, patrol_status=PATROL_STATUSES,
                         patrol_figure=PATROL_FIGURES, patrol_slice=PATROL_SLICES)


def label(table: dict, code: str | None) -> str:
    return str(table.get(code, code or ""))


def init_app(app: Flask) -> None:
    """The vocabulary as template globals; times in sentences are written as the ``deadline``
    filter writes them."""
    deadline = app.jinja_env.filters["deadline"]

    def event_text(entry) -> str:
        """A staff timeline entry (engine/cases/read_model.TimelineEntry) as a sentence."""
        return events.render(entry.kind, events.STAFF, gettext, detail=entry.detail, stage=entry.stage,
                             task=entry.task_name, time=deadline) or ""

    def public_event_text(entry) -> str:
        """A tracking-page entry (engine/public/portal.PublicEntry) as a sentence."""
        return events.render(entry.event, events.PUBLIC, gettext, detail=entry.detail, variant=entry.variant) or ""

    app.jinja_env.globals.update(labels=LABELS, label=label, event_text=event_text,
                                 public_event_text=public_event_text,
                                 event_title=lambda kind: events.title(kind, gettext))


def task_title(task, lang: str) -> str:
    """The task's name as the diagram gives it (Chinese), or its form's English title."""
    if lang == "en" and task.form:
        return _english_title(task.form) or task.name
    return task.name


def _english_title(form: str) -> str | None:
    """The live form's English title (a form created or retitled in the form editor too), looked
    up once per request: the inbox asks for every row, and a handful of forms cover them all."""
    titles = g.setdefault("form_titles_en", {})
    if form not in titles:
        with current_runtime().db.read() as session:
            try:
                titles[form] = form_store.get_form(session, form).title.get("en")
            except forms.FormError:
                titles[form] = None
    return titles[form]
