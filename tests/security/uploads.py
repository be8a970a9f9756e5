"""What the upload, removal and download tests share: a case with files in it, and its 案卷."""
from __future__ import annotations

import hashlib
import io
import re
import uuid
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import select, true

from documents.issue import issue_now
from engine.models import Attachment
from engine.models.documents import Document


def limits_off(app) -> None:
    # The public portal's per-address limits would stop a test's second submission.
    app.config.update(PUBLIC_SUBMIT_LIMIT="1000 per minute", CASE_CODE_LOOKUP_LIMIT="1000 per minute",
                      PUBLIC_ACTION_LIMIT="1000 per minute", PUBLIC_FILE_LIMIT="1000 per minute")


def store_directly(env, case_id: int, root: Path, name: str, data: bytes, content_type: str) -> Attachment:
    """Put a file into a case's storage the way no upload path can any more (a file stored before
    the checks existed, or by other means)."""
    relative = f"{case_id}/{uuid.uuid4().hex}.bin"
    (Path(root) / str(case_id)).mkdir(parents=True, exist_ok=True)
    (Path(root) / relative).write_bytes(data)

    def insert(session):
        row = Attachment(case_id=case_id, filename=name, content_type=content_type, size=len(data),
                         sha256=hashlib.sha256(data).hexdigest(), stored_path=relative, kind="photo",
                         visibility="public", uploaded_by="intake", uploaded_at=env.runtime.now())
        session.add(row)
        session.flush()
        return row

    return env.run(lambda session, runtime: insert(session))


def issue_case_file(env, case_id: int) -> Document:
    return env.run(issue_now, case_id, "case_file", actor="intake", scope=true())


def case_file_id(env, case_id: int) -> int:
    with env.db.read() as s:
        return s.scalars(select(Document.id).where(Document.case_id == case_id, Document.kind == "case_file")
                         .order_by(Document.id.desc())).first()


def pdf_text(data: bytes) -> str:
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))
