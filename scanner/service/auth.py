"""Accounts, sessions, CSRF, the login rate limit and API tokens.

* Passwords: argon2id (argon2-cffi's defaults), rehashed on login when the
  parameters change.
* Sessions live in the database; the cookie holds a random 256-bit value and
  the table only its SHA-256, so a copy of the database opens no session.
  A session ends after ``session_idle_seconds`` without use, after
  ``session_max_seconds`` in all, and at logout; a login always starts a new
  one (no session fixation).  Cookies are ``HttpOnly``, ``SameSite=Strict``,
  and ``Secure`` (with the ``__Host-`` prefix) over https.
* CSRF: every state-changing request made with a session must carry the
  session's token (form field ``csrf_token`` or header ``X-CSRF-Token``), and
  an ``Origin`` header, when sent, must be this service.  The login form,
  before there is a session, uses a signed double-submit token.  Requests
  with an API token carry no cookies and need no CSRF token.
* Login attempts: at most ``login_failures`` failures per user name (four
  times as many per client address, which may be an office's shared NAT)
  within ``login_window_seconds``; then 429 until the window passes, even
  with the right password.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from scanner.service.db import ApiToken, LoginSession, User, utcnow

_HASHER = PasswordHasher()
# A real hash to verify against when the user does not exist, so that the
# time taken does not tell whether a user name is known.
_DUMMY_HASH = _HASHER.hash("secscan-no-such-user")
SCOPES = ("scans:write", "scans:read")
MIN_PASSWORD = 10


class AuthError(ValueError):
    """Bad credentials, a bad password policy, or a request without the right to act."""


def hash_password(password: str) -> str:
    """An argon2id hash.  Raises :class:`AuthError` for a password shorter than :data:`MIN_PASSWORD`."""
    if len(password) < MIN_PASSWORD:
        raise AuthError(f"密码至少 {MIN_PASSWORD} 个字符")
    return _HASHER.hash(password)


def check_password(session: Session, username: str, password: str) -> User | None:
    """The active user with these credentials, or ``None`` (in about the same time either way)."""
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    try:
        _HASHER.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = _HASHER.hash(password)
    return user


def digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def new_session(session: Session, user: User) -> tuple[str, LoginSession]:
    """Start a session for ``user``; returns the cookie value (shown once) and the row."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    row = LoginSession(id=digest(token), user_id=user.id, csrf=secrets.token_urlsafe(32), created_at=now, last_seen=now)
    session.add(row)
    return token, row


def load_session(session: Session, token: str, *, idle: int, maximum: int) -> tuple[LoginSession, User] | None:
    """The live session for a cookie value and its user; an expired one is deleted."""
    if not token:
        return None
    row = session.get(LoginSession, digest(token))
    if row is None:
        return None
    now = utcnow()
    if (now - row.last_seen).total_seconds() > idle or (now - row.created_at).total_seconds() > maximum:
        session.delete(row)
        session.commit()
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    if (now - row.last_seen).total_seconds() > 60:  # at most one write a minute per session
        row.last_seen = now
        session.commit()
    return row, user


def end_session(session: Session, token: str) -> None:
    session.execute(delete(LoginSession).where(LoginSession.id == digest(token)))


def csrf_matches(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())


def login_csrf(key: bytes, nonce: str) -> str:
    """The login form's token for the nonce in its cookie (signed, so a cookie set by a sibling site is useless)."""
    return hmac.new(key, ("login:" + nonce).encode(), hashlib.sha256).hexdigest()


def new_api_token(session: Session, *, name: str, unit_id: int, scopes: tuple[str, ...]) -> str:
    """Create a token; returns its secret (shown once, stored only as a hash).  Raises :class:`AuthError`."""
    unknown = set(scopes) - set(SCOPES)
    if unknown or not scopes:
        raise AuthError(f"未知的权限范围：{', '.join(sorted(unknown)) or '（空）'}；可选：{', '.join(SCOPES)}")
    secret = "sst_" + secrets.token_urlsafe(32)
    session.add(ApiToken(name=name, unit_id=unit_id, token_hash=digest(secret), scopes=" ".join(scopes)))
    return secret


def load_api_token(session: Session, secret: str) -> ApiToken | None:
    row = session.execute(select(ApiToken).where(ApiToken.token_hash == digest(secret))).scalar_one_or_none()
    return None if row is None or row.revoked else row


@dataclass
class LoginLimiter:
    """Failed logins per key (user name, client address) in a sliding window, in memory.

    One service process holds it; behind several processes each counts its
    own (documented in docs/service.md).
    """

    failures: int
    window: float

    def __post_init__(self) -> None:
        self._seen: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def threshold(self, key: str) -> int:
        """Failures allowed for ``key``: a client address (``ip:…``) may be an office's shared NAT, so four times more."""
        return self.failures * (4 if key.startswith("ip:") else 1)

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._seen[key]
        while times and now - times[0] > self.window:
            times.popleft()
        return times

    def blocked(self, *keys: str) -> float:
        """Seconds until a login for these keys may be tried again; 0 when it may now."""
        now = time.monotonic()
        with self._lock:
            waits = [self.window - (now - times[0]) for key in keys
                     if len(times := self._recent(key, now)) >= self.threshold(key)]
        return max(waits, default=0.0)

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)

    def succeeded(self, username_key: str) -> None:
        with self._lock:
            self._seen.pop(username_key, None)
