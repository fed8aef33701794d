"""Periodic re-inspection of content already online (S1 第七条: 定期复查).

A unit registers its site (start URL, page limit, interval).  An inspection
crawls it with the scanner's own crawler (:class:`scanner.crawl.Crawler`:
same host only, robots.txt obeyed, throttled), scans every page and
attachment in the service's isolated workers, and compares each URL with
the previous inspection of that site: a URL not seen before is ``new``, one
whose content hash changed is ``changed``.  Each new page that is
``review`` or ``block``, and each changed page with review or block
findings the last run did not have, becomes an item of the unit in 初审, so
it enters the same review flow as an upload.  The scheduler thread of ``secscan
serve`` runs the sites that are due; ``secscan serve --reinspect`` runs them
once from cron.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
import urllib.parse
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scanner.service import audit
from scanner.service.db import Inspection, InspectionPage, Item, Site, utcnow
from scanner.service.store import Actor, store_result

if TYPE_CHECKING:
    from scanner.service.core import Service
    from scanner.types import DocumentResult

log = logging.getLogger("secscan.service")


def register_site(session: Session, *, unit_id: int, url: str, actor: str, interval_hours: float = 24.0,
                  max_pages: int = 200, max_depth: int = 3) -> Site:
    """Register ``url`` for re-inspection.  Raises ``ValueError`` for a URL that is not http(s)://host/."""
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"网址须以 http:// 或 https:// 开头：{url}")
    if not 0.01 <= interval_hours <= 24 * 365 or not 1 <= max_pages <= 100_000:
        raise ValueError("间隔或页数超出范围")
    site = Site(unit_id=unit_id, url=url.strip(), interval_hours=interval_hours, max_pages=max_pages,
                max_depth=max_depth)
    session.add(site)
    session.flush()
    audit.record(session, actor=actor, action="site_registered", unit_id=unit_id, site=site.id, url=site.url)
    return site


def due_sites(session: Session) -> list[Site]:
    now = utcnow()
    return [site for site in session.execute(select(Site)).scalars()
            if site.last_run_at is None or (now - site.last_run_at).total_seconds() >= site.interval_hours * 3600]


def inspect_site(service: Service, site_id: int, *, delay: float = 0.5) -> Inspection:
    """Crawl and scan one site now; returns the finished inspection (status ``failed`` with the reason on error)."""
    from scanner.crawl import Crawler, CrawlError, CrawlOptions

    with service.sessions() as db:
        site = db.get(Site, site_id)
        if site is None:
            raise LookupError(site_id)
        previous = db.execute(select(Inspection).where(Inspection.site_id == site_id, Inspection.status == "done")
                              .order_by(Inspection.id.desc()).limit(1)).scalar_one_or_none()
        before = {page.url: page for page in db.execute(select(InspectionPage).where(
            InspectionPage.inspection_id == previous.id)).scalars()} if previous else {}
        inspection = Inspection(site_id=site_id)
        site.last_run_at = utcnow()
        db.add(inspection)
        db.commit()
        url, unit_id, max_pages, max_depth = site.url, site.unit_id, site.max_pages, site.max_depth
        inspection_id = inspection.id
        before_pages = {page_url: (page.sha256, set(page.fingerprints or ())) for page_url, page in before.items()}
    summary: dict[str, Any] = {"pages": 0, "new": 0, "changed": 0, "flagged": 0, "gone": 0, "new_findings": 0}
    try:
        crawler = Crawler(url, CrawlOptions(max_pages=max_pages, max_depth=max_depth, delay=delay))
        futures: list[tuple[Any, Future[DocumentResult]]] = []
        for task in crawler:
            futures.append((task, service.runner.submit(task)))
        for task, future in futures:
            doc = future.result()
            _record_page(service, inspection_id, unit_id, task, doc, before_pages.get(task.key), summary)
        summary["gone"] = len(set(before_pages) - {task.key for task, _ in futures})
        summary["crawl"] = dict(crawler.stats)
        status = "done"
    except (CrawlError, OSError, RuntimeError) as error:
        summary["error"] = f"复查失败：{error}"
        status = "failed"
    with service.sessions() as db:
        finished = db.get(Inspection, inspection_id)
        assert finished is not None
        finished.status, finished.summary, finished.finished_at = status, summary, utcnow()
        audit.record(db, actor="secscan", action="inspection", unit_id=unit_id, site=site_id,
                     inspection=inspection_id, status=status,
                     **{key: summary[key] for key in ("pages", "new", "changed", "flagged", "gone")})
        db.commit()
        return finished


def _record_page(service: Service, inspection_id: int, unit_id: int, task: Any, doc: DocumentResult,
                 previous: tuple[str, set[str]] | None, summary: dict[str, Any]) -> None:
    """Store one page of an inspection; a page with review/block findings the last run did not have becomes an item.

    A page whose text changed but whose findings are the same as last time
    (a date in the footer, a new visitor count) is ``changed`` on the
    dashboard without a second item for findings already in review.
    """
    change = "new" if previous is None else ("same" if previous[0] == doc.sha256 else "changed")
    summary["pages"] += 1
    if change != "same":
        summary[change] += 1
    fingerprints = sorted({f.fingerprint for f in doc.findings if f.severity.value != "info"})
    fresh = set(fingerprints) - (previous[1] if previous else set())
    summary["new_findings"] += len(fresh) if change != "same" else 0
    with service.sessions() as db:
        item_id = None
        if change != "same" and doc.verdict.value != "pass" and (fresh or previous is None):
            summary["flagged"] += 1
            item_id = _new_item(service, db, unit_id, task, doc)
        db.add(InspectionPage(inspection_id=inspection_id, url=task.key, sha256=doc.sha256, verdict=doc.verdict.value,
                              fingerprints=fingerprints, change=change, item_id=item_id))
        db.commit()


def _new_item(service: Service, db: Session, unit_id: int, task: Any, doc: DocumentResult) -> str:
    """A review item for a flagged page: its bytes stored like an upload, its result stored, status 初审."""
    path = ""
    if task.data is not None:
        stored = service.config.uploads_dir / secrets.token_hex(16)
        fd = os.open(stored, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(task.data)
        path = str(stored)
    actor = Actor(name="secscan:reinspection", unit_id=unit_id)
    item = Item(id=secrets.token_hex(16), unit_id=unit_id, filename=task.key[:500], stored_path=path,
                size=len(task.data or b""), sha256=doc.sha256, status="queued", source="reinspection",
                created_by=actor.name, fields={"site": urllib.parse.urlsplit(task.key).netloc})
    db.add(item)
    db.flush()
    audit.record(db, actor=actor.name, action="upload", unit_id=unit_id, item_id=item.id, filename=item.filename,
                 size=item.size, sha256=item.sha256, source="reinspection")
    store_result(db, item, doc, service.meta)
    return item.id


def schedule(service: Service, stop: threading.Event) -> None:
    """The scheduler thread: every ``reinspect_every_seconds``, inspect the sites that are due."""
    while not stop.wait(service.config.reinspect_every_seconds):
        try:
            with service.sessions() as db:
                due = [site.id for site in due_sites(db)]
            for site_id in due:
                if stop.is_set():
                    return
                inspect_site(service, site_id)
        except Exception:  # the scheduler must outlive one bad run; the reason is logged
            log.exception("re-inspection failed")
