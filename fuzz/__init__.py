"""Fuzzing the extractors: seed corpus, harness and run script (see fuzz/README.md)."""
