"""Benchmarks run by `ikaze bench NAME` (see README.md)."""
