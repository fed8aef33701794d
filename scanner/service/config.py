"""Where the service keeps its data, and its limits."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from scanner.inputs import DEFAULT_MAX_MEMORY_MB, DEFAULT_TIMEOUT


class ConfigError(ValueError):
    """The service cannot start with these settings (the message says why)."""


def default_data_dir() -> Path:
    """The user's data directory for secscan (``~/.local/share/secscan/service`` on Linux)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("secscan", appauthor=False)) / "service"


@dataclass(frozen=True, kw_only=True)
class ServiceConfig:
    """Everything ``secscan serve`` is started with.

    ``database_url`` empty means SQLite in ``data_dir``.  Uploads up to
    ``sync_bytes`` are answered with their result (waiting at most
    ``sync_wait`` seconds); larger ones, or slower ones, become a job to poll.
    ``cookie_secure``: ``auto`` marks cookies ``Secure`` when the request came
    over https (directly or as ``X-Forwarded-Proto`` from a trusted proxy),
    ``always`` always, ``never`` never (plain http on a test machine).
    """

    data_dir: Path
    database_url: str = ""
    max_upload_bytes: int = 50 * 2**20
    sync_bytes: int = 2 * 2**20
    sync_wait: float = 30.0
    jobs: int = 2
    timeout: float = DEFAULT_TIMEOUT
    max_memory_mb: int = DEFAULT_MAX_MEMORY_MB
    ocr: bool = True
    cookie_secure: str = "auto"
    session_idle_seconds: int = 30 * 60
    session_max_seconds: int = 12 * 3600
    login_failures: int = 5  # failed logins per user name, and per client address, within the window
    login_window_seconds: int = 15 * 60
    reinspect_every_seconds: float = 60.0  # how often the scheduler looks for sites that are due; 0: never
    allow_hosts: tuple[str, ...] = ()  # hosts (or host:port) a draft may be fetched from by URL

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    def url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'secscan.sqlite3'}"

    def prepare(self) -> None:
        """Create the data directories, readable by the service's user only (0700).

        Raises :class:`ConfigError` when they cannot be created or are open to others.
        """
        os.umask(0o077)  # the database, its journal and every upload: the service's user only
        try:
            for directory in (self.data_dir, self.uploads_dir):
                directory.mkdir(parents=True, exist_ok=True, mode=0o700)
                os.chmod(directory, 0o700)
        except OSError as error:
            raise ConfigError(f"无法创建数据目录 / cannot create the data directory {self.data_dir}: {error}") from error
        if self.cookie_secure not in ("auto", "always", "never"):
            raise ConfigError(f"--cookie-secure 只能是 auto、always 或 never：{self.cookie_secure}")

    def secret_key(self) -> bytes:
        """The service's own random key (for the login form's CSRF token), made on first use, mode 0600."""
        path = self.data_dir / "secret.key"
        try:
            return path.read_bytes()
        except FileNotFoundError:
            pass
        key = secrets.token_bytes(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(key)
        return key
