"""Periodic re-inspection of a registered site: a site on 127.0.0.1 is crawled twice, the second time changed.

New and changed pages that need review become items in 初审; the dashboard
shows what is new or changed since the last run; ``secscan serve
--reinspect`` (for cron) runs the sites that are due.
"""

from __future__ import annotations

import http.server
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.service_server import UNIT, Server, create_users, login

pytest.importorskip("fastapi", reason="the serve extra is not installed (pip install -e '.[test]')")

PAGES = {
    "/": '<html><body><h1>某市人民政府</h1><a href="/a.html">通知</a> <a href="/b.html">公示</a></body></html>',
    "/a.html": "<html><body><p>关于开展安全生产检查的通知。请各单位按时报送材料。</p></body></html>",
    "/b.html": "<html><body><p>联系人：张三，手机13812345678。</p></body></html>",
}


@pytest.fixture
def site():
    pages = dict(PAGES)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages.get(self.path)
            if body is None:
                self.send_error(404)
                return
            data = body.encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/", pages
    httpd.shutdown()
    httpd.server_close()


def test_two_inspections_find_what_is_new_and_changed(site, tmp_path: Path) -> None:
    from sqlalchemy import select

    from scanner.service.app import build_service
    from scanner.service.config import ServiceConfig
    from scanner.service.db import InspectionPage, Item, Unit
    from scanner.service.reinspect import due_sites, inspect_site, register_site

    url, pages = site
    data = tmp_path / "data"
    create_users(data)
    service = build_service(ServiceConfig(data_dir=data, jobs=1, ocr=False, reinspect_every_seconds=0))
    try:
        with service.sessions() as db:
            unit = db.execute(select(Unit).where(Unit.name == UNIT)).scalar_one()
            site_id = register_site(db, unit_id=unit.id, url=url, actor="admin", interval_hours=24).id
            db.commit()
            assert [s.id for s in due_sites(db)] == [site_id]
        first = inspect_site(service, site_id, delay=0)
        assert first.status == "done", first.summary
        assert first.summary["pages"] == 3 and first.summary["new"] == 3 and first.summary["flagged"] == 1
        with service.sessions() as db:
            items = list(db.execute(select(Item).where(Item.source == "reinspection")).scalars())
            assert [item.filename for item in items] == [url + "b.html"]
            assert items[0].status == "first" and items[0].verdict == "review"
            assert Path(items[0].stored_path).read_bytes() == pages["/b.html"].encode()
            assert due_sites(db) == []  # just inspected

        pages["/a.html"] = "<html><body><p>内部资料 注意保存</p><p>关于开展安全生产检查的通知。</p></body></html>"
        # b changes too, but its finding is the one already in review: changed, no second item
        pages["/b.html"] = pages["/b.html"].replace("</p>", "</p><p>更新时间：2025年1月2日</p>")
        second = inspect_site(service, site_id, delay=0)
        assert second.summary["new"] == 0 and second.summary["changed"] == 2 and second.summary["flagged"] == 1
        with service.sessions() as db:
            changed = list(db.execute(select(InspectionPage).where(InspectionPage.inspection_id == second.id,
                                                                     InspectionPage.change != "same")).scalars())
            assert sorted((p.url, p.change, p.verdict, p.item_id is not None) for p in changed) == [
                (url + "a.html", "changed", "block", True), (url + "b.html", "changed", "review", False)]
            items = db.execute(select(Item).where(Item.source == "reinspection")).scalars().all()
            assert len(items) == 2 and items[-1].filename == url + "a.html"

        pages.pop("/b.html")
        pages["/"] = pages["/"].replace('<a href="/b.html">公示</a>', "")
        third = inspect_site(service, site_id, delay=0)
        assert third.summary["gone"] == 1 and third.summary["flagged"] == 0
    finally:
        service.runner.stop()

    server = Server(data, "--jobs", "1", "--no-ocr", "--reinspect-every", "0").start()
    try:
        page = login(server.url, "wang").get("/").text
        # the latest run: the start page changed (a link gone), one page went offline
        assert url in page and "新增 0，变化 1，已下线 1，新发现 0 处，送审 0" in page
        assert "变化</span> " + url in page
        assert "定期复查的网站" in page
    finally:
        server.stop()


def test_reinspect_command_for_cron(site, tmp_path: Path) -> None:
    from cli import secscan

    url, _pages = site
    data = tmp_path / "data"
    create_users(data)
    runner = CliRunner()
    added = runner.invoke(secscan, ["serve", "--data-dir", str(data), "--add-site", url, "--unit", UNIT])
    assert added.exit_code == 0 and "已登记网站" in added.output, added.output
    bad = runner.invoke(secscan, ["serve", "--data-dir", str(data), "--add-site", "ftp://x/", "--unit", UNIT])
    assert bad.exit_code == 2 and "http" in bad.output
    done = runner.invoke(secscan, ["serve", "--data-dir", str(data), "--reinspect", "--jobs", "1", "--no-ocr"])
    assert done.exit_code == 0, done.output
    assert "3 页，新增 3" in done.output and "需审查 1" in done.output
    again = runner.invoke(secscan, ["serve", "--data-dir", str(data), "--reinspect", "--jobs", "1", "--no-ocr"])
    assert "没有到期需要复查的网站" in again.output
    verified = runner.invoke(secscan, ["serve", "--data-dir", str(data), "--verify-audit"])
    assert verified.exit_code == 0 and "哈希链校验通过" in verified.output
