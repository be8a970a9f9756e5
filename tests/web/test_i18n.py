"""Every visible string is translatable and translated: Chinese source, English catalogue.
The app reads compiled catalogues and never writes them (scripts/setup.sh and setup.py compile)."""
import logging
import os
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from tests.web.conftest import Browser
from webapp import create_app

ROOT = Path(__file__).resolve().parents[2]
NOT_SOURCE = {".git", ".venv", "node_modules", "__pycache__", ".pytest_cache", ".ruff_cache"}


def english_catalog():
    with (ROOT / "webapp/translations/en/LC_MESSAGES/messages.po").open("rb") as f:
        return [m for m in read_po(f) if m.id]


def test_every_string_in_the_web_app_has_an_english_translation(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "webapp/babel.cfg",
                    "-k", "_l", "-k", "N_", "-o", str(pot), "--no-location", "--omit-header", "."],
                   cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as f:
        wanted = {m.id for m in read_po(f) if m.id}
    catalog = {m.id: m.string for m in english_catalog()}
    untranslated = sorted(w for w in wanted if not catalog.get(w))
    assert untranslated == [], "run scripts/i18n.sh and translate: " + ", ".join(untranslated)


def test_no_translation_is_marked_fuzzy():
    # The catalogues are compiled with --use-fuzzy (scripts/setup.sh says why): a fuzzy guess would ship.
    assert [m.id for m in english_catalog() if m.fuzzy] == []


def files_of_the_checkout() -> dict[str, tuple[int, int]]:
    found = {}
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = [d for d in subfolders if d not in NOT_SOURCE]
        for name in files:
            stat = os.stat(os.path.join(folder, name))
            found[os.path.join(folder, name)] = (stat.st_mtime_ns, stat.st_size)
    return found


def test_starting_the_app_and_speaking_english_writes_nothing_into_the_checkout(env, tmp_path):
    before = files_of_the_checkout()
    # The checkout's own catalogues (compiled by scripts/setup.sh), as `greenloop run` uses them.
    app = create_app(runtime=env.runtime, TESTING=True, ATTACHMENTS_DIR=str(tmp_path / "attachments"))
    person = Browser(app, "intake")
    person.post("/lang/en", data={"next": "/"}, page_url="/")
    assert "Open cases" in person.get("/overview").get_data(as_text=True), "no English: run scripts/setup.sh"
    after = files_of_the_checkout()
    changed = sorted(path for path in before.keys() | after.keys() if before.get(path) != after.get(path))
    assert changed == []


def test_without_a_compiled_catalogue_the_app_starts_in_chinese_and_says_why(env, tmp_path, caplog):
    empty = tmp_path / "translations"
    empty.mkdir()
    with caplog.at_level(logging.WARNING):
        app = create_app(runtime=env.runtime, TESTING=True, ATTACHMENTS_DIR=str(tmp_path / "attachments"),
                         BABEL_TRANSLATION_DIRECTORIES=str(empty))
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("messages.mo" in w and "en" in w and "scripts/setup.sh" in w for w in warnings), warnings
    person = Browser(app, "intake")
    person.post("/lang/en", data={"next": "/"}, page_url="/")
    page = person.get("/overview").get_data(as_text=True)
    assert "在办案件" in page and "Open cases" not in page
    assert list(empty.iterdir()) == []


def test_with_every_catalogue_compiled_the_app_does_not_warn(env, tmp_path, translations, caplog):
    with caplog.at_level(logging.WARNING):
        create_app(runtime=env.runtime, TESTING=True, ATTACHMENTS_DIR=str(tmp_path / "attachments"),
                   BABEL_TRANSLATION_DIRECTORIES=str(translations))
    assert not [r for r in caplog.records if "messages.mo" in r.getMessage()]
