"""``secscan serve``: the review workflow as a service (issue #28).

An HTTP API for the publishing system (CMS) and server-rendered pages for
reviewers, on FastAPI/uvicorn with SQLAlchemy (SQLite by default, PostgreSQL
by URL) and Alembic migrations.  The scan result becomes the review record:
every finding is decided (属实 / 误报), the item moves through 初审 → 复审 →
审批 with the role each step needs, each step is signed and dated, and the
filled 上网信息保密审查审批单 is downloaded with the real names.

Layout (each module imports only those above it; docs/service.md has the rest):

=================  ==========================================================
``config.py``      :class:`ServiceConfig`: where data lives, limits, cookies
``db.py``          the tables (SQLAlchemy 2 declarative) and the engine
``migrate.py``     Alembic upgrade to head (``migrations/``)
``audit.py``       the append-only audit table with a hash chain over its rows
``auth.py``        argon2 passwords, sessions, CSRF, login rate limit, API tokens
``workflow.py``    the steps, the role each needs, what may happen when
``runner.py``      scans in the batch machinery's isolated workers
``uploads.py``     multipart uploads streamed to disk under a size cap
``store.py``       items: create, store results, decide, sign, delete
``sheet.py``       the filled approval sheet (the report renderer's, plus names)
``core.py``        what API and pages share: who is asking, CSRF, uploads, downloads
``reinspect.py``   periodic re-inspection of a registered site
``api.py``         ``/api/v1``: the JSON API for the CMS
``web.py``         the reviewers' pages (Chinese, Jinja2 templates)
``admin.py``       the administrator's page: the unit's users and API tokens
``app.py``         the FastAPI application that ties them together
``command.py``     the click command ``secscan serve``
=================  ==========================================================

Nothing here is imported by the scanner itself: ``import scanner`` never
imports FastAPI (tests/test_service_unit.py checks it).
"""
