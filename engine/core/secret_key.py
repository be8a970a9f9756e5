"""The key that signs the web app's cookies: never one anybody else knows.

Whoever knows it can forge a session cookie, so greenloop refuses a key that has been published
(the development key earlier versions fell back to) or is obviously weak. With
GREENLOOP_SECRET_KEY unset, each installation makes its own: a random key created once in the
data folder (``secret_key``, readable by its owner only) and reused, so sessions survive a restart.
Two processes starting together agree on one key: the key is written in full to a private
temporary file and then hard-linked into place, which fails for all but the first; the others
read the winner's file.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from engine.core.config import Settings
from engine.core.errors import ConfigError

# Keys that have been public (the first is the fallback in greenloop's history) or that people
# type when told to "set a secret".
KNOWN_KEYS = frozenset({
    "greenloop-development-key", "greenloop", "dev", "development", "secret", "secret-key", "secret_key",
    "secretkey", "changeme", "change-me", "change_me", "your-secret-key", "please-change-me", "password",
    "default", "test", "testing", "flask-secret-key",
})
MIN_LENGTH = 32
# A key of 32 random hex digits has about 15 distinct characters; one with fewer than 10 is a
# pattern ("aaaa…", "abababab…"), not a random key.
MIN_DISTINCT = 10
_GENERATED_BYTES = 48  # 384 bits, 64 characters


def check_key(key: str, origin: str) -> str:
    """``key`` if it is fit to sign cookies; ConfigError naming ``origin`` otherwise."""
    text = key.strip()
    advice = ("生成一个随机密钥，例如 python -c 'import secrets; print(secrets.token_urlsafe(48))'，"
              "或不设置该变量，由 greenloop 在数据目录中生成 (use a random key, e.g. "
              "python -c 'import secrets; print(secrets.token_urlsafe(48))', or leave it unset and greenloop "
              "keeps its own in the data folder)")
    if text.lower() in KNOWN_KEYS or "greenloop-development-key" in text.lower():
        raise ConfigError(f"{origin} 是公开的默认密钥，任何人都能伪造登录 (is a published default key: anyone "
                          f"could forge a session). {advice}")
    if len(text) < MIN_LENGTH or len(set(text)) < MIN_DISTINCT:
        raise ConfigError(f"{origin} 太弱：至少 {MIN_LENGTH} 个字符且不能是简单重复 (is too weak: at least "
                          f"{MIN_LENGTH} characters, not a simple pattern). {advice}")
    return text


def session_secret(settings: Settings) -> str:
    """The web app's SECRET_KEY: GREENLOOP_SECRET_KEY if set (and fit), else the data folder's own."""
    if settings.secret_key is not None:
        return check_key(settings.secret_key, "GREENLOOP_SECRET_KEY")
    return load_or_create(settings.secret_key_file)


def load_or_create(path: Path) -> str:
    """The key kept in ``path``, created (mode 0600, atomically) if there is none yet."""
    if not path.exists():
        _create(path)
    return _read(path)


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(8)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as out:
            out.write(secrets.token_urlsafe(_GENERATED_BYTES) + "\n")
            out.flush()
            os.fsync(out.fileno())
        try:
            # Unlike a rename, a link never replaces a key another process has just put there.
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process was first: its key is the one
        except OSError as err:
            raise ConfigError(f"无法在 {path.parent} 中创建密钥文件：{err}；请设置 GREENLOOP_SECRET_KEY "
                              f"(cannot create the key file there; set GREENLOOP_SECRET_KEY)") from err
    finally:
        temporary.unlink(missing_ok=True)


def _read(path: Path) -> str:
    mode = path.stat().st_mode
    if mode & 0o077:
        raise ConfigError(f"密钥文件 {path} 可被其他用户读取，请执行 chmod 600 {path} 并考虑更换密钥 "
                          f"(the key file is readable by other users: chmod 600 it, and consider replacing it)")
    return check_key(path.read_text(encoding="ascii", errors="replace"), str(path))
