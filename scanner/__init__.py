"""上网信息保密审查 — a pre-publication confidentiality scanner for Chinese documents."""

__version__ = "0.1.0"
