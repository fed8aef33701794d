"""The service's tables (SQLAlchemy 2 declarative) and the engine.

Every table that holds a unit's data has ``unit_id``; queries for a user or a
token always filter on it (see :mod:`scanner.service.store`).  Times are
stored as UTC.  The schema is created and upgraded by Alembic
(``migrations/``), never by ``create_all``, so that a unit's PostgreSQL
database can be upgraded in place.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator

BEIJING = dt.timezone(dt.timedelta(hours=8), "北京时间")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite drops the zone; this puts it back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    pass


class Unit(Base):
    __tablename__ = "units"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # workflow.ROLES
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    department: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ApiToken(Base):
    """A publishing system's key: scoped to one unit and to what it may do."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the secret; the secret is never stored
    scopes: Mapped[str] = mapped_column(String(200))  # space-separated: scans:write scans:read
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class LoginSession(Base):
    __tablename__ = "sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the cookie's value
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Item(Base):
    """One draft under review: the stored upload, its scan result and where it is in the workflow."""

    __tablename__ = "items"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    filename: Mapped[str] = mapped_column(String(500))
    title: Mapped[str] = mapped_column(String(500), default="")
    stored_path: Mapped[str] = mapped_column(String(1000), default="")  # "" once deleted
    size: Mapped[int] = mapped_column(Integer, default=0)
    sha256: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(20))  # workflow statuses
    verdict: Mapped[str] = mapped_column(String(10), default="")
    risk: Mapped[float] = mapped_column(Float, default=0.0)
    result: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # zlib(JSON of the DocumentResult)
    result_meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # version, catalogue, model
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # approval-sheet fields from the submitter
    source: Mapped[str] = mapped_column(String(20), default="upload")  # upload | api | reinspection
    created_by: Mapped[str] = mapped_column(String(200), default="")  # user or token name
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Decision(Base):
    """A reviewer's decision on one finding (属实 / 误报); the latest one counts, earlier ones are in the audit."""

    __tablename__ = "decisions"
    __table_args__ = (UniqueConstraint("item_id", "fingerprint"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    decision: Mapped[str] = mapped_column(String(20))  # confirmed | false_positive
    reason: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Signature(Base):
    """One signed step: who, in which role, with what opinion and outcome, when."""

    __tablename__ = "signatures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    step: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    opinion: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(20))  # approve | return | reject
    signed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditEvent(Base):
    """Append-only (database triggers refuse UPDATE and DELETE); ``hash`` chains each row to the one before."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[str] = mapped_column(String(40))  # ISO 8601 UTC, as hashed
    actor: Mapped[str] = mapped_column(String(200))
    unit_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    item_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text, default="{}")  # canonical JSON, never document text
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class Site(Base):
    """A unit's website, re-inspected every ``interval_hours``."""

    __tablename__ = "sites"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    url: Mapped[str] = mapped_column(String(1000))
    max_pages: Mapped[int] = mapped_column(Integer, default=200)
    max_depth: Mapped[int] = mapped_column(Integer, default=3)
    interval_hours: Mapped[float] = mapped_column(Float, default=24.0)
    last_run_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Inspection(Base):
    __tablename__ = "inspections"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="running")  # running | done | failed
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # pages, new, changed, gone, flagged


class InspectionPage(Base):
    __tablename__ = "inspection_pages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    sha256: Mapped[str] = mapped_column(String(64), default="")
    verdict: Mapped[str] = mapped_column(String(10))
    fingerprints: Mapped[list[str]] = mapped_column(JSON, default=list)  # of its review/block findings
    change: Mapped[str] = mapped_column(String(10))  # new | changed | same
    item_id: Mapped[str | None] = mapped_column(String(32), nullable=True)


def make_engine(url: str) -> Engine:
    """The engine for ``url``.

    SQLite: foreign keys on, WAL, and every transaction begins ``IMMEDIATE``
    (takes the database's write lock at once, waiting up to 30 s for it).
    Without that, a transaction that read first and writes later fails with
    "database is locked" as soon as another thread committed in between, and
    two threads that each hold one lock the other needs wait out the timeout;
    with it, the service's short transactions simply take turns.  PostgreSQL
    needs none of this.  ``hide_parameters``: a database error in the log
    never shows the values (a title or a result is document text).
    """
    if url.startswith("sqlite"):
        # isolation_level=None: the driver's own implicit BEGIN is off; the "begin" event issues ours
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30, "isolation_level": None},
                               hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection: Any, _record: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin_immediate(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


class SerialSession(Session):
    """A session that, used as a context manager, holds this process's SQLite lock for its whole life.

    Every SQLite transaction takes the write lock at its start (``BEGIN
    IMMEDIATE``, see :func:`make_engine`); threads that wait for it inside
    SQLite sleep in its busy handler (up to 100 ms a time), which under load
    showed as seconds of latency with idle CPUs.  Waiting here instead, on a
    lock, the next thread runs as soon as the previous one is done.  Re-entrant,
    but a thread must not open a second session while it holds one (it would
    wait for the database lock its first session holds).
    """

    _lock = threading.RLock()

    def __enter__(self) -> SerialSession:
        self._lock.acquire()
        try:
            return super().__enter__()
        except BaseException:
            self._lock.release()
            raise

    def __exit__(self, *exc: object) -> None:
        try:
            super().__exit__(*exc)  # type: ignore[arg-type]
        finally:
            self._lock.release()


def session_factory(engine: Engine) -> sessionmaker[Any]:
    if engine.dialect.name == "sqlite":
        return sessionmaker(engine, expire_on_commit=False, class_=SerialSession)
    return sessionmaker(engine, expire_on_commit=False)
