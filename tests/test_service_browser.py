"""The reviewers' pages in a real headless Chromium (the Debian package, driven by Playwright; no browser download).

Each role logs in with its own browser context; one draft goes 初审 → 复审 →
审批 through the pages' own forms; at each step the other roles see no
signing form (and a hand-made request is refused, see
tests/test_service_workflow.py); another unit's user gets 404; the filled
sheet is downloaded.  Screenshots go to ``$SECSCAN_SCREENSHOTS`` (the README's
are made with ``SECSCAN_SCREENSHOTS=docs/img``), else to the test's tmp dir.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from tests.browser import launched, needs_chromium, watched
from tests.builders import make_docx
from tests.service_server import PASSWORD, USERS, Server, create_users

pytest.importorskip("fastapi", reason="the serve extra is not installed (pip install -e '.[test]')")
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    data = tmp_path_factory.mktemp("service-browser") / "data"
    create_users(data)
    server = Server(data, "--jobs", "1", "--no-ocr", "--reinspect-every", "0").start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser():
    with launched(sync_api) as browser:
        yield browser


class Reviewer:
    """One user's browser context, logged in."""

    def __init__(self, browser, server: Server, username: str) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN",
                                           accept_downloads=True)
        self.page = self.context.new_page()
        self.problems = watched(self.page)
        self.server = server
        self.page.goto(server.url + "/")
        assert self.page.url.endswith("/login")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_url(server.url + "/")
        assert USERS[username][1] in self.page.inner_text("header")

    def open(self, item_url: str) -> None:
        self.page.goto(item_url)

    def sign(self, opinion: str, outcome: str = "approve") -> None:
        self.page.fill("#sign textarea[name=opinion]", opinion)
        self.page.click(f"#sign button[value={outcome}]")
        self.page.wait_for_load_state()


def _shot(page, name: str, tmp_path: Path) -> Path:
    target = Path(os.environ.get("SECSCAN_SCREENSHOTS") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    path = target / name
    # A viewport as tall as the page rather than full_page=True: Chromium leaves a sandboxed
    # frame blank when it resizes the page only for the capture.
    size = page.viewport_size
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": height})
    page.wait_for_timeout(500)
    page.screenshot(path=str(path))
    page.set_viewport_size(size)
    return path


def test_one_draft_through_the_pages_with_every_role(browser, server: Server, tmp_path: Path) -> None:
    draft = make_docx(tmp_path / "关于重点项目安排的请示.docx",
                      ["关于2025年度重点项目安排的请示", "经研究，拟将某项目列入年度计划，联系人张三，电话13812345678。"],
                      deleted=["拟提拔王五同志任办公室主任"])
    users = {name: Reviewer(browser, server, name) for name in ("zhang", "li", "wang", "zhao", "admin", "other")}
    clerk = users["zhang"].page
    clerk.set_input_files("input[name=file]", str(draft))
    clerk.fill("#upload input[name=site]", "www.example.gov.cn")
    clerk.fill("#upload input[name=column]", "通知公告")
    clerk.click("#upload button[type=submit]")
    clerk.wait_for_selector("form.decide", timeout=120_000)  # the page polls while the scan runs, then reloads
    item_url = clerk.url
    assert "需人工审查" in clerk.inner_text("#verdict")
    assert clerk.locator("iframe.report").count() == 1
    frame = clerk.frame_locator("iframe.report")
    assert frame.locator("mark").count() >= 1  # the document with its findings highlighted
    frame.locator("a[href='#f1']").first.click()  # the report's own side list works inside the frame
    _shot(clerk, "service-item-first.png", tmp_path)

    # nobody else may act at 初审 (the administrator neither); another unit sees nothing
    for name in ("li", "wang", "zhao", "admin"):
        users[name].open(item_url)
        assert users[name].page.locator("#sign").count() == 0
        assert users[name].page.locator("form.decide").count() == 0
    users["other"].open(item_url)
    assert "没有这个事项" in users["other"].page.content()
    assert users["other"].problems == ["Failed to load resource: the server responded with a status of 404 (Not Found)"]
    users["other"].problems.clear()

    forms = clerk.locator("form.decide")
    for index in range(forms.count()):
        form = clerk.locator("form.decide").nth(index)
        form.locator("select[name=decision]").select_option("false_positive" if index else "confirmed")
        form.locator("input[name=reason]").fill("已核实：公开的办公电话" if index else "")
        form.locator("button").click()
        clerk.wait_for_load_state()
    assert clerk.locator(".decided").count() == forms.count()
    users["zhang"].sign("删除修订中的人事内容后发布，拟同意")
    assert "待复审（处室负责人）" in clerk.inner_text("#status")

    for name, opinion in (("li", "同意"), ("wang", "经保密审查，同意")):
        reviewer = users[name]
        reviewer.open(item_url)
        for other in {"zhang", "li", "wang", "zhao"} - {name}:
            users[other].open(item_url)
            assert users[other].page.locator("#sign").count() == 0, (other, name)
        reviewer.sign(opinion)
    leader = users["zhao"]
    leader.open(item_url)
    assert leader.page.locator("#sign button[value=reject]").count() == 1
    leader.page.frame_locator("iframe.report").locator("mark").first.wait_for()
    _shot(leader.page, "service-item-leader.png", tmp_path)
    leader.sign("同意发布")
    # one finding was confirmed: the leader cannot approve publication, the page says why
    assert "属实" in leader.page.inner_text("#error")
    assert leader.problems == ["Failed to load resource: the server responded with a status of 409 (Conflict)"]
    leader.problems.clear()
    leader.sign("不同意发布，请删除后重新送审", outcome="reject")
    assert "不予发布" in leader.page.inner_text("#status")

    with clerk.expect_download() as download:
        users["zhang"].open(item_url)
        clerk.click("#download-sheet")
    from docx import Document

    sheet = Document(io.BytesIO(Path(download.value.path()).read_bytes()))
    text = "\n".join(cell.text for table in sheet.tables for row in table.rows for cell in row.cells)
    for name in ("张承办", "李处长", "王保密", "赵领导"):
        assert f"签字：{name}" in text
    assert "不同意发布，请删除后重新送审（不同意发布）" in text

    users["zhang"].page.goto(server.url + "/")
    _shot(users["zhang"].page, "service-dashboard.png", tmp_path)
    users["admin"].page.goto(server.url + "/admin")
    assert "张承办" in users["admin"].page.inner_text("table.users")
    users["wang"].page.goto(server.url + "/audit")
    assert "哈希链校验通过" in users["wang"].page.inner_text("#chain")
    _shot(users["wang"].page, "service-audit.png", tmp_path)
    for reviewer in users.values():
        assert reviewer.problems == [], reviewer.problems
        reviewer.context.close()


def test_login_page_and_a_wrong_password(browser, server: Server, tmp_path: Path) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 700}, locale="zh-CN")
    page = context.new_page()
    page.goto(server.url + "/login")
    _shot(page, "service-login.png", tmp_path)
    page.fill("input[name=username]", "zhang")
    page.fill("input[name=password]", "wrong-password-1")
    page.click("button[type=submit]")
    assert "用户名或密码错误" in page.inner_text("[role=alert]")
    context.close()
