"""Benchmarks: accuracy and speed measured on generated corpora."""
