"""The administrators' working copy of a process's diagrams and decision tables.

There is one draft per process. Saving names the draft revision the editor started from: if
someone saved in between, the save is refused with their name (nothing is overwritten silently).
Deploying validates first, stores a new version and removes the draft.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.core.errors import GreenloopError, NotFound
from engine.core.runtime import Runtime
from engine.core.specs import MAIN_PROCESS, latest_definition
from engine.definitions.deploy import deploy
from engine.models import ProcessDefinition
from engine.models.diagram_drafts import DiagramDraft


class DraftConflict(GreenloopError):
    """Another administrator saved the draft after this editor loaded it."""

    def __init__(self, draft: DiagramDraft | None):
        self.updated_by = draft.updated_by if draft else None
        self.updated_at = draft.updated_at if draft else None
        self.revision = draft.revision if draft else 0
        if draft is None:
            message = ("草稿已被其他管理员保存、发布或放弃，请重新打开后再修改 "
                       "(another administrator saved, deployed or discarded the draft; reload before saving)")
        else:
            message = (f"草稿已被 {draft.updated_by} 于 {draft.updated_at:%Y-%m-%d %H:%M} UTC 保存为第 {draft.revision} 稿，"
                       f"请重新打开后再修改 (the draft was saved by {draft.updated_by} in the meantime; "
                       f"reload it before saving)")
        super().__init__(message)


class StaleDraft(GreenloopError):
    """A newer version was deployed (a rollback) after the draft was started from an older one."""

    def __init__(self, base_version: int | None, latest_version: int):
        self.base_version, self.latest_version = base_version, latest_version
        super().__init__(f"草稿基于第 {base_version} 版，但之后已发布第 {latest_version} 版；发布会覆盖其改动。"
                         f"请放弃草稿后在新版本上修改 (the draft is based on version {base_version} but version "
                         f"{latest_version} was deployed since; discard the draft and edit the new version)")


@dataclass
class Working:
    """What the editor opens: the draft if there is one, else the newest version."""
    process_id: str
    bpmn_files: dict[str, str]
    dmn_files: dict[str, str]
    base: ProcessDefinition | None
    draft: DiagramDraft | None

    @property
    def revision(self) -> int:
        return self.draft.revision if self.draft else 0


def _files(value) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise ValueError("files must map file names to XML text")
    return dict(value)


def get_draft(session: Session, process_id: str, *, lock: bool = False) -> DiagramDraft | None:
    query = select(DiagramDraft).where(DiagramDraft.process_id == process_id)
    if lock:
        query = query.with_for_update()
    return session.scalars(query).first()


def open_working(session: Session, process_id: str = MAIN_PROCESS) -> Working:
    draft = get_draft(session, process_id)
    if draft is not None:
        base = session.get(ProcessDefinition, draft.base_definition_id) if draft.base_definition_id else None
        return Working(process_id, dict(draft.bpmn_files), dict(draft.dmn_files), base, draft)
    base = latest_definition(session, process_id)
    if base is None:
        raise NotFound(f"流程 {process_id} 尚未部署 (process not deployed)")
    return Working(process_id, dict(base.bpmn_files), dict(base.dmn_files), base, None)


def save_draft(session: Session, process_id: str, bpmn_files: dict, dmn_files: dict, *, revision: int,
               actor: str, now: datetime) -> DiagramDraft:
    """Store the editor's files over draft ``revision`` (0: there was no draft when it opened)."""
    bpmn_files, dmn_files = _files(bpmn_files), _files(dmn_files)
    draft = get_draft(session, process_id, lock=True)
    current = draft.revision if draft else 0
    if revision != current:
        raise DraftConflict(draft)
    if draft is None:
        base = latest_definition(session, process_id)
        if base is None:
            raise NotFound(f"流程 {process_id} 尚未部署 (process not deployed)")
        draft = DiagramDraft(process_id=process_id, base_definition_id=base.id, revision=0)
        session.add(draft)
    draft.bpmn_files, draft.dmn_files = bpmn_files, dmn_files
    draft.revision += 1
    draft.updated_by, draft.updated_at = actor, now
    try:
        session.flush()
    except IntegrityError:
        # Two first saves at once: there was no row to lock, the unique process_id decides.
        raise DraftConflict(None) from None
    return draft


def discard_draft(session: Session, process_id: str) -> bool:
    draft = get_draft(session, process_id, lock=True)
    if draft is None:
        return False
    session.delete(draft)
    session.flush()
    return True


def deploy_draft(session: Session, runtime: Runtime, process_id: str, *, revision: int, actor: str,
                 comment: str | None) -> tuple[ProcessDefinition, bool]:
    """Deploy the saved draft (the revision the administrator looked at) and drop it.

    Raises DeployError with the problems, and keeps the draft, when validation fails.
    """
    draft = get_draft(session, process_id, lock=True)
    if draft is None:
        raise NotFound("没有可发布的草稿，请先保存 (no draft to deploy: save first)")
    if draft.revision != revision:
        raise DraftConflict(draft)
    latest = latest_definition(session, process_id)
    if latest is not None and draft.base_definition_id != latest.id:
        base = session.get(ProcessDefinition, draft.base_definition_id) if draft.base_definition_id else None
        raise StaleDraft(base.version if base else None, latest.version)
    definition, created = deploy(session, runtime, dict(draft.bpmn_files), dict(draft.dmn_files), process_id=process_id,
                                 deployed_by=actor, comment=comment)
    session.delete(draft)
    session.flush()
    return definition, created
