"""What a batch did: counts, failures, the slowest files; the closing summary a clerk reads on stderr."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from scanner.types import Brief, DocumentResult, Verdict


@dataclass(kw_only=True)
class BatchSummary:
    """What a batch did, for the closing summary on stderr and the json report."""

    elapsed: float = 0.0
    scanned: int = 0
    cached: int = 0
    resumed: int = 0
    bytes_scanned: int = 0
    failures: Counter[str] = field(default_factory=Counter)  # timeout / memory / crash / error
    verdicts: Counter[str] = field(default_factory=Counter)
    categories: Counter[str] = field(default_factory=Counter)
    slowest: list[tuple[float, str]] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    workers_replaced: int = 0
    peak_worker_rss_kb: int = 0
    cache_rejected: int = 0  # cache entries that failed their integrity check (rescanned)
    suppressed: int = 0  # findings a baseline accepted (left out of every report)
    cache_problems: list[str] = field(default_factory=list)  # the cache's warnings (set aside, turned off)
    busy_seconds: float = 0.0  # time workers spent on files: busy_seconds / elapsed = parallelism achieved
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. crawl statistics

    def add(self, doc: DocumentResult, *, seconds: float | None) -> None:
        self.add_brief(Brief.of(doc), doc.path, seconds=seconds)

    def add_brief(self, brief: Brief, path: str, *, seconds: float | None) -> None:
        """Count one result from its brief (``path``: the name it is reported under)."""
        self.verdicts[brief.verdict.value] += 1
        self.suppressed += brief.suppressed
        if brief.categories:
            self.categories.update(brief.categories)
        for error in brief.errors:
            self.errors.append((path, error))
        if seconds is not None:
            self.busy_seconds += seconds
            self.slowest.append((seconds, path))
            self.slowest.sort(reverse=True)
            del self.slowest[5:]

    def counts(self) -> dict[str, int]:
        """Documents per verdict, as :attr:`scanner.types.ScanResult.summary` counts them."""
        return {"documents": sum(self.verdicts.values()),
                **{verdict.value: self.verdicts.get(verdict.value, 0) for verdict in (Verdict.PASS, Verdict.REVIEW,
                                                                                     Verdict.BLOCK)}}

    def to_dict(self) -> dict[str, Any]:
        return {
            "elapsed_seconds": round(self.elapsed, 3),
            "documents": sum(self.verdicts.values()),
            "scanned": self.scanned,
            "cached": self.cached,
            "resumed": self.resumed,
            "bytes_scanned": self.bytes_scanned,
            "verdicts": dict(sorted(self.verdicts.items())),
            "categories": dict(sorted(self.categories.items())),
            "failures": dict(sorted(self.failures.items())),
            "slowest": [{"path": path, "seconds": round(seconds, 3)} for seconds, path in self.slowest],
            "errors": [{"path": path, "error": error} for path, error in self.errors],
            "workers_replaced": self.workers_replaced,
            "cache_rejected": self.cache_rejected,
            "suppressed": self.suppressed,
            "cache_problems": list(self.cache_problems),
            "busy_seconds": round(self.busy_seconds, 3),
            "peak_worker_rss_kb": self.peak_worker_rss_kb,
            **({"crawl": self.extra["crawl"]} if "crawl" in self.extra else {}),
        }

    def text(self) -> str:
        """The closing summary in Chinese, for stderr: verdicts and categories named as the text report names them."""
        from scanner.wording import CATEGORY_LABELS, VERDICT_LABELS

        documents = sum(self.verdicts.values())
        lines = [
            (f"共 {documents} 个文档，用时 {self.elapsed:.1f} 秒"
             f"（扫描 {self.scanned}，缓存 {self.cached}，续扫跳过 {self.resumed}）"),
            "结论：" + "，".join(
                f"{VERDICT_LABELS[verdict]} {self.verdicts.get(verdict.value, 0)}"
                for verdict in (Verdict.BLOCK, Verdict.REVIEW, Verdict.PASS)
            ),
        ]
        if self.categories:
            lines.append("发现类别：" + "，".join(
                f"{CATEGORY_LABELS.get(name, name)} {count}" for name, count in self.categories.most_common()
            ))
        if self.failures:
            names = {"timeout": "超时", "memory": "内存超限", "crash": "进程崩溃", "error": "扫描出错"}
            lines.append("隔离处理：" + "，".join(f"{names.get(k, k)} {v}" for k, v in sorted(self.failures.items())))
        if self.suppressed:
            lines.append(f"基线：另有 {self.suppressed} 条发现已列入基线（已接受），报告未列出")
        if self.cache_rejected or self.cache_problems:
            notes = [f"校验失败而重新扫描的条目 {self.cache_rejected} 个"] if self.cache_rejected else []
            notes += [f"警告 {len(self.cache_problems)} 条（见上）"] if self.cache_problems else []
            lines.append("缓存：" + "，".join(notes))
        crawl = self.extra.get("crawl")
        if crawl:
            names = {"fetched": "已下载", "errors": "下载失败", "robots_disallowed": "robots.txt 禁止",
                     "offsite_skipped": "站外链接未跟随", "over_max_depth": "超出深度", "over_max_pages": "超出数量",
                     "media_skipped": "样式/图片/媒体未下载", "pictures": "网页内容图片", "bad_links": "格式错误的链接已跳过",
                     "over_deadline": "超出总时限", "over_max_links": "超出链接上限", "page_cut": "页面过大只读取开头"}
            lines.append("抓取：" + "，".join(f"{names.get(k, k)} {v}" for k, v in sorted(crawl.items())))
        if self.slowest:
            lines.append("最慢的文件：")
            lines.extend(f"  {seconds:7.2f} 秒  {path}" for seconds, path in self.slowest)
        if self.errors:
            lines.append(f"错误（{len(self.errors)}）：")
            lines.extend(f"  {path}: {error}" for path, error in self.errors[:20])
            if len(self.errors) > 20:
                lines.append(f"  …… 另有 {len(self.errors) - 20} 条")
        return "\n".join(lines) + "\n"


