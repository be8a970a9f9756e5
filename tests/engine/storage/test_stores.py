"""The file stores (engine/storage): the data folder and an S3-compatible object store behave the
same, key for key; the object store is a real S3 HTTP server here (tests/s3_server.py)."""
from __future__ import annotations

import hashlib
import os

import pytest

from documents.mask import masked_pdf
from documents.storage import ensure_rendered
from engine.cases.attachments import check_upload, list_attachments, store_attachments
from engine.core.config import load_settings
from engine.core.errors import ConfigError
from engine.storage import ATTACHMENTS, DOCUMENTS, LocalStore, store_for
from engine.storage.s3 import S3Store, parse_url
from tests import images
from tests.documents.test_documents import docs
from tests.s3_server import s3_server


@pytest.fixture(scope="module")
def s3_url():
    with s3_server() as url:
        yield url


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path, s3_url):
    if request.param == "local":
        return LocalStore(tmp_path / "data")
    # A fresh folder of the bucket per test: the server outlives the test.
    return S3Store.from_url(s3_url).child(os.path.basename(str(tmp_path)))


def test_put_read_list_and_delete(store):
    store.put("attachments/7/a.jpg", b"first")
    store.put("attachments/7/a.jpg", b"second")  # replaced whole
    store.put("attachments/8/b.pdf", b"%PDF-1.7")
    store.put("documents/7/x.pdf", b"doc")
    assert store.read("attachments/7/a.jpg") == b"second"
    assert store.exists("attachments/7/a.jpg") and not store.exists("attachments/7/none.jpg")
    assert store.size("attachments/8/b.pdf") == 8
    assert list(store.keys("attachments/")) == ["attachments/7/a.jpg", "attachments/8/b.pdf"]
    assert list(store.child("attachments").keys("7/")) == ["7/a.jpg"]
    assert store.child("documents").read("7/x.pdf") == b"doc"
    store.delete("attachments/7/a.jpg")
    store.delete("attachments/7/a.jpg")  # a missing file is no error
    assert not store.exists("attachments/7/a.jpg")
    with pytest.raises(FileNotFoundError):
        store.open("attachments/7/a.jpg")
    with pytest.raises(FileNotFoundError):
        store.size("attachments/7/a.jpg")


def test_a_large_file_streams_in_pieces_and_a_built_file_is_consumed(store, tmp_path):
    data = os.urandom(300_000)
    built = tmp_path / "export.part"
    built.write_bytes(data)
    store.child("ledger").put_file("e.xlsx", built)
    assert not built.exists()
    pieces = list(store.chunks("ledger/e.xlsx"))
    assert len(pieces) > 1 and b"".join(pieces) == data
    with pytest.raises(FileNotFoundError):
        store.chunks("ledger/missing.xlsx")


@pytest.mark.parametrize("key", ["../secret_key", "a/../../b", "/etc/passwd", "a\\..\\b", "", "a//b", "./a"])
def test_a_key_that_would_leave_the_store_is_refused(store, key):
    for action in (lambda: store.put(key, b"x"), lambda: store.exists(key), lambda: store.open(key),
                   lambda: store.delete(key)):
        with pytest.raises(ValueError):
            action()


def test_a_symbolic_link_out_of_the_data_folder_is_refused(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_bytes(b"no")
    root = tmp_path / "data"
    root.mkdir()
    (root / "attachments").symlink_to(outside)
    with pytest.raises(ValueError):
        LocalStore(root).read("attachments/secret")


def test_the_store_comes_from_the_environment(tmp_path, s3_url):
    local = load_settings({"GREENLOOP_DATA_DIR": str(tmp_path)})
    assert local.storage_url is None and isinstance(store_for(local), LocalStore)
    remote = load_settings({"GREENLOOP_DATA_DIR": str(tmp_path), "GREENLOOP_STORAGE_URL": s3_url})
    assert isinstance(store_for(remote), S3Store) and store_for(remote) is store_for(remote)
    with pytest.raises(ConfigError, match="GREENLOOP_STORAGE_URL"):
        load_settings({"GREENLOOP_STORAGE_URL": "/srv/files"})
    with pytest.raises(ConfigError, match="unknown option"):
        parse_url("s3://bucket?endpoint=http://x&secret=y")
    assert parse_url("s3://b/p/q?endpoint=http://h:9000") == \
        {"bucket": "b", "prefix": "p/q", "endpoint": "http://h:9000", "region": None}


def test_attachments_and_documents_live_in_the_object_store(env, s3_url):
    """Intake's files, a rolled-back upload, and a document with a photo and its masked copy, all
    in the object store: nothing is written to any local folder."""
    root = S3Store.from_url(s3_url).child(f"case-files-{env.db.engine.url.get_backend_name()}")
    attachments, documents = root.child(ATTACHMENTS), root.child(DOCUMENTS)
    photo = images.jpeg((64, 48))
    case = env.register()
    with env.db.write() as s:
        row, = store_attachments(s, env.runtime, case.id, [check_upload("现场.jpg", photo)], root=attachments,
                                 actor="intake")
    assert attachments.read(row.stored_path) == photo
    with pytest.raises(RuntimeError), env.db.write() as s:
        lost, = store_attachments(s, env.runtime, case.id, [check_upload("b.png", images.png())], root=attachments,
                                  actor="intake")
        lost_key = lost.stored_path
        assert attachments.exists(lost_key)
        raise RuntimeError("the request failed after the upload")
    assert not attachments.exists(lost_key)  # a rolled-back row leaves no object behind
    with env.db.read() as s:
        assert [a.sha256 for a in list_attachments(s, case.id)] == [hashlib.sha256(photo).hexdigest()]

    env.complete(case, "receive", {"decision": "accept"}, actor="intake")
    notice = docs(env, case)["acceptance_notice"][0]
    rendered = ensure_rendered(env.runtime, notice.id, documents_dir=documents, attachments_dir=attachments)
    pdf = documents.read(rendered.stored_path)
    assert pdf.startswith(b"%PDF-") and hashlib.sha256(pdf).hexdigest() == rendered.sha256
    masked = masked_pdf(env.runtime, notice.id, documents_dir=documents, attachments_dir=attachments)
    assert masked.startswith(f"{case.id}/masked-{notice.id}-") and documents.read(masked).startswith(b"%PDF-")
