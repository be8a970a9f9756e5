"""Settings read from the environment, with defaults that work on a fresh machine."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Settings:
    database_url: str
    data_dir: Path
    secret_key: str
    smtp_url: str | None
    timezone: str

    @property
    def documents_dir(self) -> Path:
        return self.data_dir / "documents"

    @property
    def attachments_dir(self) -> Path:
        return self.data_dir / "attachments"


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    data_dir = Path(env.get("GREENLOOP_DATA_DIR") or REPO_ROOT / "instance").resolve()
    url = env.get("GREENLOOP_DATABASE_URL") or f"sqlite:///{data_dir / 'greenloop.db'}"
    return Settings(
        database_url=url,
        data_dir=data_dir,
        # A random per-process key would log everyone out on restart; the default is only
        # acceptable for the embedded demo, which the run command prints a warning about.
        secret_key=env.get("GREENLOOP_SECRET_KEY") or "greenloop-development-key",
        smtp_url=env.get("GREENLOOP_SMTP_URL") or None,
        timezone=env.get("GREENLOOP_TIMEZONE") or "Asia/Shanghai",
    )
