"""Settings read from the environment, with defaults that work on a fresh machine."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from engine.core.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Settings:
    database_url: str
    data_dir: Path
    # GREENLOOP_SECRET_KEY as given, or None: then the web app uses the key kept in the data
    # folder (engine/core/secret_key.py session_secret), never a key known to anyone else.
    secret_key: str | None
    smtp_url: str | None
    timezone: str
    # How many reverse proxies in front of the web app may be believed about the client's address
    # and scheme (X-Forwarded-For, X-Forwarded-Proto); 0: none, the headers are ignored.
    trusted_proxies: int = 0
    # The local hour at which the worker mails the daily notification digests
    # (GREENLOOP_MAIL_DIGEST_HOUR, 0–23; engine/notify/mail.send_daily_digests).
    mail_digest_hour: int = 8
    # Where the web processes count rate limits (GREENLOOP_RATE_LIMIT_STORAGE): "memory://" counts
    # in each process, enough for the single-process default; several web processes need one shared
    # store, e.g. "redis://127.0.0.1:6379/0" (docs/deployment.md).
    rate_limit_storage: str = "memory://"
    # Where files go (GREENLOOP_STORAGE_URL): None keeps them in the data folder; an s3:// URL puts
    # them in an S3-compatible object store every node shares (engine/storage, docs/deployment.md).
    storage_url: str | None = None

    @property
    def secret_key_file(self) -> Path:
        return self.data_dir / "secret_key"


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    data_dir = Path(env.get("GREENLOOP_DATA_DIR") or REPO_ROOT / "instance").resolve()
    url = env.get("GREENLOOP_DATABASE_URL") or f"sqlite:///{data_dir / 'greenloop.db'}"
    return Settings(
        database_url=url,
        data_dir=data_dir,
        secret_key=env.get("GREENLOOP_SECRET_KEY") or None,
        smtp_url=env.get("GREENLOOP_SMTP_URL") or None,
        timezone=env.get("GREENLOOP_TIMEZONE") or "Asia/Shanghai",
        trusted_proxies=_proxies(env.get("GREENLOOP_TRUSTED_PROXIES")),
        mail_digest_hour=_hour(env.get("GREENLOOP_MAIL_DIGEST_HOUR")),
        rate_limit_storage=_rate_limit_storage(env.get("GREENLOOP_RATE_LIMIT_STORAGE")),
        storage_url=_storage_url(env.get("GREENLOOP_STORAGE_URL")),
    )


def _storage_url(value: str | None) -> str | None:
    uri = (value or "").strip()
    if uri and not uri.startswith("s3://"):
        raise ConfigError(f"GREENLOOP_STORAGE_URL must be empty (the data folder) or an s3:// URL, got {uri!r}")
    return uri or None


def _rate_limit_storage(value: str | None) -> str:
    uri = (value or "").strip() or "memory://"
    if not uri.startswith(("memory://", "redis://", "rediss://", "redis+unix://")):
        raise ConfigError(f"GREENLOOP_RATE_LIMIT_STORAGE must be memory:// or a redis:// URL, got {uri!r}")
    return uri


def _hour(value: str | None) -> int:
    text = (value or "").strip()
    if not text:
        return 8
    if not text.isdigit() or int(text) > 23:
        raise ConfigError(f"GREENLOOP_MAIL_DIGEST_HOUR 须为 0–23 的整数，现为 {text!r} "
                          f"(must be the hour of the day, 0–23, at which daily e-mail digests go out)")
    return int(text)


def _proxies(value: str | None) -> int:
    text = (value or "").strip()
    if not text:
        return 0
    if not text.isdigit() or int(text) > 10:
        raise ConfigError(f"GREENLOOP_TRUSTED_PROXIES 须为 0–10 的整数，现为 {text!r} "
                          f"(must be the number of reverse proxies in front of greenloop, 0–10)")
    return int(text)
