"""Every visible string is translatable and translated: Chinese source, English catalogue."""
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]


def test_every_string_in_the_web_app_has_an_english_translation(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "webapp/babel.cfg",
                    "-k", "_l", "-k", "N_", "-o", str(pot), "--no-location", "--omit-header", "."],
                   cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as f:
        wanted = {m.id for m in read_po(f) if m.id}
    with (ROOT / "webapp/translations/en/LC_MESSAGES/messages.po").open("rb") as f:
        catalog = {m.id: m.string for m in read_po(f) if m.id}
    untranslated = sorted(w for w in wanted if not catalog.get(w))
    assert untranslated == [], "run scripts/i18n.sh and translate: " + ", ".join(untranslated)
