"""Mail: headers, bodies and every attachment, decoded and scanned recursively."""

from __future__ import annotations

import io
import sys
import zipfile
from email.message import EmailMessage
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from builders import make_docx, make_pdf
from legacy_builders import msg

from scanner.extract import extract_bytes, sniff
from scanner.pipeline import scan_bytes
from scanner.types import Verdict


def mail(body: str, attachments: dict[str, tuple[str, bytes]] = (), *, html: str | None = None) -> bytes:
    message = EmailMessage()
    message["From"] = "办公室 <office@example.gov.cn>"
    message["To"] = "web@example.gov.cn"
    message["Subject"] = "转发：关于网站更新的材料"
    message["Date"] = "Mon, 07 Dec 2026 09:00:00 +0800"
    message.set_content(body)
    if html is not None:
        message.add_alternative(html, subtype="html")
    for name, (mime, data) in dict(attachments).items():
        maintype, subtype = mime.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


def test_an_attached_pdf_marked_secret_blocks_located_to_the_attachment(settings, tmp_path):
    pdf = make_pdf(tmp_path / "p.pdf", [["秘密★6个月", "关于某事项的通知"]]).read_bytes()
    data = mail("请审核附件后发布。", {"通知.pdf": ("application/pdf", pdf)})
    assert sniff(data, "x") == "eml"
    result = scan_bytes(data, "mail.eml", settings)
    assert result.verdict is Verdict.BLOCK
    marks = [f for f in result.findings if f.rule == "CM001"]
    assert [(f.location.source, f.location.part, f.text) for f in marks] == [("附件 通知.pdf", "body", "秘密★6个月")]
    # the base64 of the attachment is never read as text
    assert not any("JVBER" in unit.text for unit in result.units)


def test_the_same_mail_without_the_mark_passes(settings, tmp_path):
    pdf = make_pdf(tmp_path / "p.pdf", [["关于某事项的通知", "现将有关事项通知如下。"]]).read_bytes()
    result = scan_bytes(mail("请审核附件后发布。", {"通知.pdf": ("application/pdf", pdf)}), "mail.eml", settings)
    assert result.errors == ()
    assert result.verdict is Verdict.PASS, result.findings


def test_headers_bodies_and_a_zip_attachment_are_read(settings):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("名单.txt", "联系人 张三 13812345678".encode())
    data = mail(
        "各位：材料见附件。",
        {"材料.zip": ("application/zip", buffer.getvalue())},
        html="<html><body><p>各位：材料见附件。</p><p style='display:none'>内部资料 注意保存</p></body></html>",
    )
    extraction = extract_bytes(data, "a.eml")
    assert extraction.title == "转发：关于网站更新的材料"
    headers = [unit.text for unit in extraction.units if unit.part == "metadata"]
    assert "Subject: 转发：关于网站更新的材料" in headers
    assert [unit.text for unit in extraction.units if unit.part == "body"] == ["各位：材料见附件。"]
    assert [member.name for member in extraction.embedded] == ["邮件正文2.html", "材料.zip"]
    result = scan_bytes(data, "a.eml", settings)
    phones = [f for f in result.findings if f.category == "personal-info"]
    assert phones and phones[0].location.source == "附件 材料.zip › 名单.txt"
    assert any(f.category == "internal-marking" and f.location.source.startswith("邮件正文2.html")
               for f in result.findings)


def test_a_forwarded_mail_is_read_in_turn(settings):
    inner = EmailMessage()
    inner["Subject"] = "原始邮件"
    inner["From"] = "a@example.cn"
    inner.set_content("机密★1年\n关于某事项的请示")
    outer = EmailMessage()
    outer["Subject"] = "Fwd: 原始邮件"
    outer["From"] = "b@example.cn"
    outer["To"] = "c@example.cn"
    outer.set_content("见下。")
    outer.add_attachment(inner)
    result = scan_bytes(outer.as_bytes(), "fwd.eml", settings)
    assert result.verdict is Verdict.BLOCK
    marks = [f.location.source for f in result.findings if f.rule == "CM001"]
    assert marks == ["附件 转发邮件2.eml › 邮件正文"]


def test_a_text_note_starting_with_a_date_is_not_mail():
    assert sniff("Date: 2026-12-07\n会议在三楼召开。\n".encode(), "note.txt") == "text"
    assert sniff("From: 办公室\nSubject: 通知\n\n正文".encode(), "a.eml") == "eml"


# -- Outlook .msg, written byte by byte (tests/legacy_builders.msg) ----------------------------------------


def test_an_outlook_msg_with_a_marked_attachment_blocks_located_to_it(settings, tmp_path):
    attached = make_docx(tmp_path / "a.docx", ["秘密★6个月", "关于某事项的通知"]).read_bytes()
    data = msg("转发：关于网站更新的材料", "请审核附件后发布。", attachments={"通知.docx": attached})
    assert sniff(data, "x") == "msg"
    result = scan_bytes(data, "mail.msg", settings)
    assert result.verdict is Verdict.BLOCK
    marks = [f for f in result.findings if f.rule == "CM001"]
    assert [(f.location.source.split(" › ")[0], f.text) for f in marks] == [("附件 通知.docx", "秘密★6个月")]
    assert "Subject: 转发：关于网站更新的材料" in [unit.text for unit in result.units if unit.part == "metadata"]


def test_the_same_msg_without_the_mark_passes_and_a_cut_one_is_review(settings, tmp_path):
    attached = make_docx(tmp_path / "a.docx", ["关于某事项的通知", "现将有关事项通知如下。"]).read_bytes()
    data = msg("关于网站更新的材料", "请审核附件后发布。", attachments={"通知.docx": attached})
    result = scan_bytes(data, "mail.msg", settings)
    assert result.errors == ()
    assert result.verdict is Verdict.PASS, result.findings
    for size in (3000, 20000):  # the directory cut off; the attachment's stream cut off
        cut = extract_bytes(data[:size], "mail.msg")
        assert cut.errors, size
        assert scan_bytes(data[:size], "mail.msg", settings).verdict is Verdict.REVIEW
