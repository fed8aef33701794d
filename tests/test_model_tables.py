"""The residual-risk model on long and tabular documents (issue #23 item 5).

A budget workbook and a statistical yearbook are tables of figures that any
public body publishes; before the model was retrained they scored 0.85 and
1.00 (review) on digit n-grams ("89", "75") and on 统计/数据.  The wording of
these tables is written here, not drawn from the training corpus's
generator, so they stand for workbooks the model has not seen.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from scanner.decide import Policy
from scanner.extract import extract_bytes
from scanner.findings import DocumentViews
from scanner.pipeline import Settings, scan_file
from scanner.risk.linear import LinearTextModel
from scanner.roles import Role
from scanner.types import Verdict
from tests.builders import make_xlsx

ROOT = Path(__file__).resolve().parents[1]
THRESHOLD = Policy().review_threshold


@pytest.fixture(scope="module")
def model() -> LinearTextModel:
    return LinearTextModel.from_json((ROOT / "models" / "risk_model.json").read_bytes())


def _figures(rng: random.Random, count: int) -> list[float]:
    return [round(rng.uniform(0, 5000), 2) for _ in range(count)]


def budget_workbook(path: Path) -> Path:
    rng = random.Random(7)
    items = ["基本工资", "津贴补贴", "绩效工资", "机关事业单位基本养老保险缴费", "办公费", "印刷费", "水费", "电费",
             "邮电费", "物业管理费", "差旅费", "维修（护）费", "会议费", "培训费", "公务接待费", "工会经费", "福利费",
             "公务用车运行维护费", "退休费", "生活补助"]
    return make_xlsx(path, {
        "部门收支总表": [["表一"], ["部门收支总表"], ["部门名称：某市农业农村局", "", "单位：万元"], ["项目", "预算数", "项目", "预算数"],
                    *[[a, *_figures(rng, 1), b, *_figures(rng, 1)] for a, b in [
                        ("一、一般公共预算拨款收入", "一、农林水支出"), ("二、事业收入", "二、社会保障和就业支出"),
                        ("本年收入合计", "本年支出合计")]]],
        "一般公共预算基本支出表": [["表五"], ["一般公共预算基本支出表"], ["经济分类科目编码", "经济分类科目名称", "基本支出", "人员经费", "公用经费"],
                        *[[f"30{index:03d}", item, *_figures(rng, 3)] for index, item in enumerate(items)]],
        "“三公”经费支出表": [["表七"], ["一般公共预算“三公”经费支出表"], ["合计", "因公出国（境）费", "公务用车购置及运行费", "公务接待费"],
                       _figures(rng, 4)],
    })


def yearbook(tables: int) -> str:
    rng = random.Random(8)
    lines = ["2023统计年鉴", "第三篇　工业和建筑业"]
    trades = ["煤炭开采和洗选业", "农副食品加工业", "纺织业", "化学原料和化学制品制造业", "医药制造业", "通用设备制造业",
              "汽车制造业", "计算机、通信和其他电子设备制造业", "电力、热力生产和供应业"]
    for number in range(1, tables + 1):
        lines.append(f"3-{number}　规模以上工业企业主要经济指标（按行业分）")
        lines.append("行业\t企业单位数（个）\t工业总产值（亿元）\t营业收入（亿元）\t利润总额（亿元）")
        lines.extend(trade + "\t" + "\t".join(map(str, _figures(rng, 4))) for trade in trades)
        lines.append("注：规模以上工业企业指年主营业务收入2000万元及以上的工业法人单位。")
    return "\n".join(lines)


def probability(model: LinearTextModel, data: bytes, name: str) -> float:
    views, joined = DocumentViews.normalised(extract_bytes(data, name).units)
    return model.score(views, joined=joined).probability


def test_the_vocabulary_holds_no_digit(model: LinearTextModel) -> None:
    assert not [term for term in model.terms if any(char.isdigit() for char in term)]


def test_a_budget_workbook_passes(tmp_path: Path, settings: Settings) -> None:
    result = scan_file(budget_workbook(tmp_path / "budget.xlsx"), settings)
    assert result.format == "xlsx"
    assert settings.catalogue.for_role(Role.MODEL).id not in {finding.rule for finding in result.findings}
    assert result.verdict is Verdict.PASS, [(f.rule, f.message) for f in result.findings]


@pytest.mark.parametrize("tables", [3, 40, 400])  # 400 tables: about 500 pages
def test_a_statistical_yearbook_is_not_reviewed_at_any_length(model: LinearTextModel, tables: int) -> None:
    assert probability(model, yearbook(tables).encode("utf-8"), "yearbook.txt") < 0.2


def test_an_internal_table_of_figures_still_scores_high(tmp_path: Path, model: LinearTextModel) -> None:
    rng = random.Random(9)
    rows = [["2024年各部门绩效考核初步得分（未经审定，请勿外传）"], ["部门", "得分", "排名", "扣分事项"],
            *[[unit, *_figures(rng, 1), rank, "督办事项未按期办结"] for rank, unit in
              enumerate(["发改委", "教育局", "财政局", "民政局", "交通局", "卫健委"], start=1)],
            ["备注：拟在党组会上通报，结果暂不公开。"]]
    path = make_xlsx(tmp_path / "ranking.xlsx", {"考核": rows})
    assert probability(model, path.read_bytes(), path.name) >= THRESHOLD


def test_a_long_public_report_does_not_drift_with_length(shared_dir: Path, model: LinearTextModel) -> None:
    """The first real reports, their head, whole and ten times over: all far below the threshold."""
    with (shared_dir / "corpus" / "real" / "government_work_reports.jsonl").open(encoding="utf-8") as lines:
        reports = [json.loads(line)["content"] for _, line in zip(range(10), lines)]
    for report in reports:
        for text in (report[:3000], report, report * 10):
            assert probability(model, text.encode("utf-8"), "report.txt") < 0.2
