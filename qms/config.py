"""Configuration from the environment."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any


def secret_key(instance_path: Path) -> str:
    """QMS_SECRET_KEY, or a key generated once and kept in the instance folder."""
    from_env = os.environ.get("QMS_SECRET_KEY")
    if from_env:
        return from_env
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def normalise_database_url(url: str) -> str:
    """`postgres://` and `postgresql://` URLs use the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def database_url(instance_path: Path) -> str:
    url = os.environ.get("QMS_DATABASE_URL")
    if url:
        return normalise_database_url(url)
    instance_path.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{instance_path / 'qms.sqlite3'}"


def upload_limit_mb() -> float:
    try:
        return max(float(os.environ.get("QMS_MAX_UPLOAD_MB", "10")), 0.0)
    except ValueError:
        return 10.0


def days_setting(name: str, default: int) -> int:
    """A number of days from the environment; the default when unset or not a whole number >= 0."""
    try:
        value = int(os.environ.get(name, str(default)))
    except ValueError:
        return default
    return value if value >= 0 else default


def redis_url() -> str | None:
    return os.environ.get("QMS_REDIS_URL") or None


def count_setting(name: str, default: int) -> int:
    """A whole number >= 0 from the environment; the default when unset or not one."""
    return days_setting(name, default)


def flag_setting(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def from_environment(instance_path: Path) -> dict[str, Any]:
    secure_cookies = flag_setting("QMS_SECURE_COOKIES")
    session_days = days_setting("QMS_SESSION_DAYS", 30) or 30
    return {
        "SECRET_KEY": secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url(instance_path),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # Behind HTTPS: cookies only over HTTPS, and browsers told to use HTTPS only (HSTS).
        "QMS_SECURE_COOKIES": secure_cookies,
        "SESSION_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        # A signed-in session unused for this many days is over; "remember me" lasts as long.
        "QMS_SESSION_DAYS": session_days,
        "REMEMBER_COOKIE_DURATION": timedelta(days=session_days),
        # Reverse proxies in front of the app whose X-Forwarded-* headers are trusted (0: none).
        "QMS_PROXY_COUNT": count_setting("QMS_PROXY_COUNT", 0),
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
        "LANGUAGES": ("vi", "en"),
        "BOOTSTRAP_SERVE_LOCAL": True,
        # Redis, when set, keeps what every app process must share: rate-limit counters and the job queue.
        "QMS_REDIS_URL": redis_url(),
        "QMS_JOB_QUEUE": os.environ.get("QMS_JOB_QUEUE", "qms"),
        "RATELIMIT_STORAGE_URI": os.environ.get("QMS_RATELIMIT_STORAGE_URI") or redis_url() or "memory://",
        "RATELIMIT_KEY_PREFIX": os.environ.get("QMS_RATELIMIT_KEY_PREFIX", "qms"),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Sign-in attempts per account (the e-mail tried) and, more generously, per client address.
        "LOGIN_RATE_LIMIT": os.environ.get("QMS_LOGIN_RATE_LIMIT", "10 per minute"),
        "LOGIN_ADDRESS_RATE_LIMIT": os.environ.get("QMS_LOGIN_ADDRESS_RATE_LIMIT", "60 per minute"),
        # Uploaded documents: QMS_MAX_UPLOAD_MB per file; a request may carry a little more (the form).
        "QMS_MAX_UPLOAD_MB": upload_limit_mb(),
        "MAX_CONTENT_LENGTH": max(20, int(upload_limit_mb()) + 2) * 1024 * 1024,
        # Deadlines of a nonconformity's answer, in calendar days, and when overdue work is escalated.
        "QMS_NC_PLAN_DAYS": days_setting("QMS_NC_PLAN_DAYS", 15),
        "QMS_PLAN_REVIEW_DAYS": days_setting("QMS_PLAN_REVIEW_DAYS", 5),
        "QMS_VERIFY_DAYS": days_setting("QMS_VERIFY_DAYS", 30),
        "QMS_ESCALATE_DAYS": days_setting("QMS_ESCALATE_DAYS", 7),
        # The reminder run is flagged as missed when no run succeeded within this many hours.
        "QMS_SCHEDULER_MISSED_HOURS": days_setting("QMS_SCHEDULER_MISSED_HOURS", 26) or 26,
        "QMS_JOB_FILES_DAYS": days_setting("QMS_JOB_FILES_DAYS", 7) or 7,
    }
