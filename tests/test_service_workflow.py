"""Sessions, CSRF, roles and units against a real ``secscan serve``, as a browser would talk to it (forms, cookies).

One draft goes 初审 → 复审 → 审批 with each role; every role is refused out
of turn; another unit's clerk sees nothing; the filled sheet carries the
real names, opinions and dates; the audit trail of the item is complete.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import httpx
import pytest

from tests.builders import make_docx
from tests.service_server import PASSWORD, USERS, Server, create_users, csrf_of, login

pytest.importorskip("fastapi", reason="the serve extra is not installed (pip install -e '.[test]')")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    data = tmp_path_factory.mktemp("service-flow") / "data"
    create_users(data)
    server = Server(data, "--jobs", "1", "--no-ocr", "--reinspect-every", "0", "--cookie-secure", "auto").start()
    yield server
    server.stop()


def _upload(client: httpx.Client, path: Path) -> str:
    csrf = csrf_of(client)
    with open(path, "rb") as handle:
        answer = client.post("/items", files={"file": (path.name, handle)},
                             data={"csrf_token": csrf, "department": "综合处", "site": "www.example.gov.cn"})
    assert answer.status_code == 303, answer.text
    return answer.headers["location"].rsplit("/", 1)[-1]


def _wait_scanned(client: httpx.Client, item: str) -> str:
    import time

    deadline = time.monotonic() + 120
    while True:
        page = client.get(f"/items/{item}")
        if 'data-poll=' not in page.text:
            return page.text
        assert time.monotonic() < deadline
        time.sleep(0.5)


def _fingerprints(page: str) -> list[str]:
    return re.findall(r'<input type="hidden" name="fingerprint" value="([0-9a-f]+)">', page)


def _post(client: httpx.Client, path: str, **data: str) -> httpx.Response:
    return client.post(path, data={"csrf_token": csrf_of(client), **data})


def test_login_logout_and_session_cookie(server: Server) -> None:
    anonymous = httpx.get(f"{server.url}/", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/login"
    client = login(server.url, "zhang")
    cookie = client.cookies.get("secscan_session")
    assert cookie
    header = next(v for k, v in client.get("/login").request.headers.items() if k == "cookie")
    assert "secscan_session" in header
    home = client.get("/")
    assert home.status_code == 200 and "张承办（承办人）" in home.text
    # a second login gets a new session (no fixation); both are live until logged out
    second = login(server.url, "zhang")
    assert second.cookies.get("secscan_session") != cookie
    assert _post(client, "/logout").status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 303  # the old cookie opens nothing now
    stale = httpx.Client(base_url=server.url, cookies={"secscan_session": cookie})
    assert stale.get("/", follow_redirects=False).status_code == 303
    assert second.get("/").status_code == 200


def test_session_cookie_flags(server: Server) -> None:
    client = httpx.Client(base_url=server.url)
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    answer = client.post("/login", data={"username": "li", "password": PASSWORD, "csrf_token": token})
    (set_cookie,) = [c.lower() for c in answer.headers.get_list("set-cookie") if c.startswith("secscan_session=")]
    assert "httponly" in set_cookie and "samesite=strict" in set_cookie and "path=/" in set_cookie
    assert "secure" not in set_cookie  # --cookie-secure auto, and this is plain http
    home = client.get("/")
    assert home.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in home.headers["content-security-policy"]
    assert home.headers["cache-control"] == "no-store"
    # over https (here: as a trusted proxy on 127.0.0.1 says) the cookie is Secure and __Host- prefixed
    secure = httpx.Client(base_url=server.url)
    page = secure.get("/login", headers={"X-Forwarded-Proto": "https"})
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    (nonce,) = [c for c in page.headers.get_list("set-cookie") if c.startswith("secscan_login=")]
    assert "secure" in nonce.lower()
    answer = secure.post("/login", data={"username": "li", "password": PASSWORD, "csrf_token": token},
                         headers={"X-Forwarded-Proto": "https", "Cookie": nonce.split(";", 1)[0]})
    assert answer.status_code == 303
    (set_cookie,) = [c.lower() for c in answer.headers.get_list("set-cookie") if "secscan_session=" in c]
    assert set_cookie.startswith("__host-secscan_session=") and "; secure" in set_cookie


def test_login_needs_its_form_token_and_is_rate_limited(server: Server) -> None:
    client = httpx.Client(base_url=server.url)
    client.get("/login")
    refused = client.post("/login", data={"username": "wang", "password": PASSWORD, "csrf_token": "forged"})
    assert refused.status_code == 403
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    cross = client.post("/login", data={"username": "wang", "password": PASSWORD, "csrf_token": token},
                        headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403
    for _ in range(5):
        wrong = client.post("/login", data={"username": "spare", "password": "not-the-password", "csrf_token": token})
        assert wrong.status_code == 401 and "用户名或密码错误" in wrong.text
    limited = client.post("/login", data={"username": "spare", "password": PASSWORD, "csrf_token": token})
    assert limited.status_code == 429 and "分钟后再试" in limited.text
    # other users from the same address are not locked out by one user's failures
    assert login(server.url, "wang").get("/").status_code == 200


def test_csrf_is_required_for_every_change(server: Server, tmp_path: Path) -> None:
    client = login(server.url, "zhang")
    draft = tmp_path / "notice.txt"
    draft.write_text("关于开展安全检查的通知\n联系人张三，电话13812345678。", encoding="utf-8")
    with open(draft, "rb") as handle:
        no_token = client.post("/items", files={"file": ("notice.txt", handle)})
    assert no_token.status_code == 403
    item = _upload(client, draft)
    page = _wait_scanned(client, item)
    (fingerprint,) = _fingerprints(page)
    for data, headers in (({"fingerprint": fingerprint, "decision": "confirmed"}, {}),
                          ({"fingerprint": fingerprint, "decision": "confirmed", "csrf_token": "x" * 43}, {}),
                          ({"fingerprint": fingerprint, "decision": "confirmed", "csrf_token": csrf_of(client)},
                           {"Origin": "https://evil.example"})):
        answer = client.post(f"/items/{item}/decide", data=data, headers=headers)
        assert answer.status_code == 403, answer.text
    # the API under a session needs the header token too
    assert client.delete(f"/api/v1/scans/{item}").status_code == 403
    ok = client.delete(f"/api/v1/scans/{item}", headers={"X-CSRF-Token": csrf_of(client)})
    assert ok.status_code == 204


def test_a_draft_through_every_step_with_the_right_roles_only(server: Server, tmp_path: Path) -> None:
    draft = make_docx(tmp_path / "请示.docx", ["关于2025年度重点项目安排的请示",
                                               "经研究，拟将某项目列入年度计划，联系人张三，电话13812345678。"])
    clients = {name: login(server.url, name) for name in USERS}
    clerk = clients["zhang"]
    item = _upload(clerk, draft)
    page = _wait_scanned(clerk, item)
    fingerprints = _fingerprints(page)
    assert len(fingerprints) >= 2

    # another unit sees nothing of it
    other = clients["other"]
    assert other.get(f"/items/{item}").status_code == 404
    assert other.get(f"/items/{item}/view.html").status_code == 404
    assert _post(other, f"/items/{item}/sign", outcome="approve", opinion="同意").status_code == 404
    assert item not in other.get("/").text

    # out of turn: nobody but the clerk may decide or sign 初审
    for name in ("li", "wang", "zhao", "admin"):
        refused = _post(clients[name], f"/items/{item}/sign", outcome="approve", opinion="同意")
        assert refused.status_code == 409 and "须由承办人签署" in refused.text, name
        refused = _post(clients[name], f"/items/{item}/decide", fingerprint=fingerprints[0], decision="confirmed")
        assert refused.status_code == 409, name
    # the clerk cannot sign before every finding is decided
    early = _post(clerk, f"/items/{item}/sign", outcome="approve", opinion="可以发布")
    assert early.status_code == 409 and "未核实" in early.text
    missing_reason = _post(clerk, f"/items/{item}/decide", fingerprint=fingerprints[0], decision="false_positive")
    assert missing_reason.status_code == 409 and "理由" in missing_reason.text
    for fingerprint in fingerprints:
        answer = _post(clerk, f"/items/{item}/decide", fingerprint=fingerprint, decision="false_positive",
                       reason="公开的办公电话，已核实")
        assert answer.status_code == 303
    assert _post(clerk, f"/items/{item}/sign", outcome="approve", opinion="经核实无涉密内容，拟同意发布").status_code == 303

    steps = (("li", "section_head", "同意", "approve"), ("wang", "secrecy", "请补充来源后再报", "return"))
    for name, _role, opinion, outcome in steps:
        for wrong in set(USERS) - {name, "other"}:
            answer = _post(clients[wrong], f"/items/{item}/sign", outcome="approve", opinion="同意")
            assert answer.status_code == 409, (wrong, name)
        assert _post(clients[name], f"/items/{item}/sign", outcome=outcome, opinion=opinion).status_code == 303
    # returned to 初审: signed again, then through to the leader
    assert "待初审" in clerk.get(f"/items/{item}").text
    assert _post(clerk, f"/items/{item}/sign", outcome="approve", opinion="已补充来源，拟同意发布").status_code == 303
    for name, opinion in (("li", "同意"), ("wang", "经保密审查，同意"), ("zhao", "同意发布")):
        assert _post(clients[name], f"/items/{item}/sign", outcome="approve", opinion=opinion).status_code == 303
    final = clerk.get(f"/items/{item}").text
    assert "已批准发布" in final
    assert _post(clients["zhao"], f"/items/{item}/sign", outcome="approve", opinion="再批").status_code == 409

    sheet = clerk.get(f"/api/v1/scans/{item}/sheet.docx")
    assert sheet.status_code == 200
    from docx import Document

    document = Document(io.BytesIO(sheet.content))
    text = "\n".join(cell.text for table in document.tables for row in table.rows for cell in row.cells)
    for name in ("张承办", "李处长", "王保密", "赵领导"):
        assert f"签字：{name}" in text, name
    assert "经保密审查，同意（同意）" in text and "同意发布（同意）" in text
    assert re.search(r"日期：20\d\d年\d{1,2}月\d{1,2}日", text)
    assert "请补充来源后再报" in text and "退回初审" in text  # the record page keeps the return
    assert "公开的办公电话，已核实" in text and "误报" in text

    # the 误报 of an approved item feed the unit's baseline, a scan --baseline file (hashes only)
    baseline = clerk.get("/api/v1/baseline")
    assert baseline.status_code == 200
    assert sorted(baseline.json()["fingerprints"]) == sorted(fingerprints) and baseline.json()["version"] == 1
    assert "13812345678" not in baseline.text
    assert clients["other"].get("/api/v1/baseline").json()["fingerprints"] == []
    baseline_file = tmp_path / "baseline.json"
    baseline_file.write_bytes(baseline.content)
    from click.testing import CliRunner

    from cli import main

    rescanned = CliRunner().invoke(main, [str(draft), "--baseline", str(baseline_file), "--format", "json", "--no-ocr"])
    import json

    assert json.loads(rescanned.output)["documents"][0]["findings"] == []

    history = clerk.get(f"/items/{item}").text
    for label in ("上传送审", "扫描完成", "核实发现", "签署", "下载"):
        assert label in history
    audit_page = clients["wang"].get("/audit")
    assert audit_page.status_code == 200 and "哈希链校验通过" in audit_page.text
    assert clients["zhang"].get("/audit").status_code == 403


def test_a_confirmed_finding_cannot_be_approved_for_publication(server: Server, tmp_path: Path) -> None:
    draft = tmp_path / "名单.txt"
    draft.write_text("关于拟提拔干部的情况说明\n拟提拔王五同志任办公室主任。", encoding="utf-8")
    clients = {name: login(server.url, name) for name in ("zhang", "li", "wang", "zhao")}
    item = _upload(clients["zhang"], draft)
    page = _wait_scanned(clients["zhang"], item)
    for fingerprint in _fingerprints(page):
        assert _post(clients["zhang"], f"/items/{item}/decide", fingerprint=fingerprint, decision="confirmed",
                     reason="").status_code == 303
    assert _post(clients["zhang"], f"/items/{item}/sign", outcome="approve", opinion="属实，不宜发布").status_code == 303
    for name in ("li", "wang"):
        assert _post(clients[name], f"/items/{item}/sign", outcome="approve", opinion="同意").status_code == 303
    refused = _post(clients["zhao"], f"/items/{item}/sign", outcome="approve", opinion="同意发布")
    assert refused.status_code == 409 and "属实" in refused.text
    assert _post(clients["zhao"], f"/items/{item}/sign", outcome="reject", opinion="不同意发布").status_code == 303
    assert "不予发布" in clients["zhang"].get(f"/items/{item}").text


def test_the_admin_page_manages_the_units_users_and_tokens(server: Server) -> None:
    admin = login(server.url, "admin")
    page = admin.get("/admin")
    assert page.status_code == 200 and "张承办" in page.text and "钱外单位" not in page.text  # own unit only
    assert login(server.url, "zhang").get("/admin").status_code == 403
    weak = _post(admin, "/admin/users", username="newclerk", display_name="周新", role="clerk", password="short")
    assert weak.status_code == 400 and "至少" in weak.text
    created = _post(admin, "/admin/users", username="newclerk", display_name="周新", role="clerk",
                    department="综合处", password="another-long-pass")
    assert created.status_code == 303
    assert _post(admin, "/admin/users", username="newclerk", display_name="x", role="clerk",
                 password="another-long-pass").status_code == 409
    newcomer = login(server.url, "newclerk", "another-long-pass")
    assert "周新（承办人）" in newcomer.get("/").text
    # deactivated: the live session stops working and no new login succeeds
    rows = re.findall(r"<tr><td>(\w+)</td>.*?/admin/users/(\d+)/active", admin.get("/admin").text, flags=re.S)
    target = dict(rows)["newclerk"]
    assert _post(admin, f"/admin/users/{target}/active", active="0").status_code == 303
    assert newcomer.get("/", follow_redirects=False).status_code == 303
    with pytest.raises(AssertionError):
        login(server.url, "newclerk", "another-long-pass")

    made = admin.post("/admin/tokens", data={"csrf_token": csrf_of(admin, "/admin"), "name": "门户CMS",
                                             "scope": ["scans:read"]})
    assert made.status_code == 200
    secret = re.search(r'<p class="mono" id="secret">(sst_[^<]+)</p>', made.text).group(1)  # type: ignore[union-attr]
    reader = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {secret}"})
    assert reader.get("/api/v1/scans").status_code == 200
    assert reader.post("/api/v1/scans", files={"file": ("a.txt", b"x")}).status_code == 403
    token_id = re.search(r"/admin/tokens/(\d+)/revoke", admin.get("/admin").text).group(1)  # type: ignore[union-attr]
    assert _post(admin, f"/admin/tokens/{token_id}/revoke").status_code == 303
    assert reader.get("/api/v1/scans").status_code == 401
    assert "撤销接口令牌" in login(server.url, "wang").get("/audit").text


def test_a_user_changes_their_own_password(server: Server) -> None:
    from tests.service_server import PASSWORD

    here = login(server.url, "li")
    elsewhere = login(server.url, "li")
    wrong = _post(here, "/account", current="not-my-password", new="a-new-long-pass", again="a-new-long-pass")
    assert wrong.status_code == 400 and "当前密码不正确" in wrong.text
    mismatch = _post(here, "/account", current=PASSWORD, new="a-new-long-pass", again="another-new-pass")
    assert mismatch.status_code == 400 and "不一致" in mismatch.text
    short = _post(here, "/account", current=PASSWORD, new="short", again="short")
    assert short.status_code == 400 and "至少" in short.text
    changed = _post(here, "/account", current=PASSWORD, new="a-new-long-pass", again="a-new-long-pass")
    assert changed.status_code == 200 and "密码已修改" in changed.text
    assert here.get("/").status_code == 200  # this session goes on
    assert elsewhere.get("/", follow_redirects=False).status_code == 303  # the others end
    with pytest.raises(AssertionError):
        login(server.url, "li")
    assert login(server.url, "li", "a-new-long-pass").get("/").status_code == 200
    _post(here, "/account", current="a-new-long-pass", new=PASSWORD, again=PASSWORD)  # as the other tests expect
