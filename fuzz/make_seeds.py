"""Write the seed corpus: a few small valid files per format into fuzz/seeds/FORMAT/.

Run from the repository root: ``python -m fuzz.make_seeds``.  The seeds are
committed; regenerate them only when a builder gains a layer worth fuzzing.
Each seed exercises layers the extractor reads (comments, hidden text,
tracked changes, notes, hidden sheets ...), so mutations reach that code.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

from tests.builders import make_docx, make_html, make_pdf, make_pptx, make_xlsx

SEEDS = Path(__file__).parent / "seeds"
FORMATS = ("docx", "xlsx", "pptx", "html", "text", "pdf", "ofd")

OFD_NS = "http://www.ofdspec.org/2016"


def ofd_bytes(pages: list[list[str]], *, title: str = "", per_char: bool = False) -> bytes:
    """A minimal valid OFD package: one document, one text line per entry.

    ``per_char`` writes one TextObject per character on the same baseline,
    as many generators do.
    """
    info = f"<ofd:DocInfo><ofd:DocID>seed</ofd:DocID><ofd:Title>{_x(title)}</ofd:Title></ofd:DocInfo>" if title else ""
    ofd = (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="{OFD_NS}" Version="1.0" DocType="OFD">'
        f"<ofd:DocBody>{info}<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"
    )
    page_refs = "".join(
        f'<ofd:Page ID="{i + 10}" BaseLoc="Pages/Page_{i}/Content.xml"/>' for i in range(len(pages))
    )
    document = (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document xmlns:ofd="{OFD_NS}">'
        '<ofd:CommonData><ofd:MaxUnitID>100</ofd:MaxUnitID>'
        '<ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea></ofd:CommonData>'
        f"<ofd:Pages>{page_refs}</ofd:Pages></ofd:Document>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("OFD.xml", ofd)
        package.writestr("Doc_0/Document.xml", document)
        for index, lines in enumerate(pages):
            objects = []
            unit = 1
            for row, line in enumerate(lines):
                top = 20 + row * 10
                pieces = list(line) if per_char else [line]
                for column, piece in enumerate(pieces):
                    unit += 1
                    objects.append(
                        f'<ofd:TextObject ID="{unit}" Boundary="{20 + column * 5} {top} 170 8" Font="1" Size="5">'
                        f'<ofd:TextCode X="0" Y="5">{_x(piece)}</ofd:TextCode></ofd:TextObject>'
                    )
            content = (
                f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="{OFD_NS}"><ofd:Content>'
                f'<ofd:Layer ID="1">{"".join(objects)}</ofd:Layer></ofd:Content></ofd:Page>'
            )
            package.writestr(f"Doc_0/Pages/Page_{index}/Content.xml", content)
    return buffer.getvalue()


def _x(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write_seeds(root: Path = SEEDS) -> dict[str, int]:
    """Write every seed; returns the number of files per format."""
    work = Path(tempfile.mkdtemp())
    seeds: dict[str, dict[str, bytes]] = {name: {} for name in FORMATS}
    seeds["docx"]["layers.docx"] = make_docx(
        work / "a.docx", ["机密★1年", "关于某事的通知"], header="内部资料", comments=["请删除"],
        deleted=["删除的文字"], inserted=["插入"], hidden=["隐藏"], table=[["姓名", "身份证号"], ["张三", "x"]],
        footnote="脚注", textbox="文本框",
    ).read_bytes()
    seeds["docx"]["plain.docx"] = make_docx(work / "b.docx", ["公开"]).read_bytes()
    seeds["xlsx"]["sheets.xlsx"] = make_xlsx(
        work / "a.xlsx", {"表1": [["姓名", "电话"], ["张三", "13800138000"]], "隐藏": [["秘密"]]},
        hidden=["隐藏"], comments={("表1", "A1"): "批注"}, header="内部", hidden_rows={"表1": [2]},
    ).read_bytes()
    seeds["pptx"]["slides.pptx"] = make_pptx(
        work / "a.pptx", ["第一页", ["标题", "内容"]], notes={1: "备注"}, hidden=[2], title="演示",
    ).read_bytes()
    seeds["html"]["page.html"] = make_html(
        work / "a.html", '<p>正文</p><div hidden>隐藏</div><!-- 中文批注 --><img alt="图" src="x.png">'
        '<table><tr><td>格</td></tr></table><script>var a=1;</script>',
        title="标题", meta={"keywords": "关键词"},
    ).read_bytes()
    seeds["html"]["gbk.html"] = make_html(work / "b.html", "<p>国标编码</p>", charset="gbk").read_bytes()
    seeds["text"]["utf8.txt"] = "机密★1年\n关于某事\r\n正文\f第二页\n".encode()
    seeds["text"]["gbk.txt"] = "内部资料，注意保存\n第二行".encode("gb18030")
    seeds["text"]["utf16.txt"] = "秘密 文件".encode("utf-16")
    seeds["pdf"]["text.pdf"] = make_pdf(work / "a.pdf", [["机密★1年", "正文"], ["第二页"]], title="标题").read_bytes()
    seeds["ofd"]["lines.ofd"] = ofd_bytes([["关于某事的通知", "正文"], ["第二页"]], title="标题")
    seeds["ofd"]["chars.ofd"] = ofd_bytes([["内部资料"]], per_char=True)
    counts = {}
    for name, files in seeds.items():
        folder = root / name
        folder.mkdir(parents=True, exist_ok=True)
        for filename, data in files.items():
            (folder / filename).write_bytes(data)
        counts[name] = len(files)
    return counts


if __name__ == "__main__":
    print(write_seeds())
