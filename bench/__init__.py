"""Benchmarks for tornsf: `python -m bench` starts every server on 127.0.0.1 and prints a table."""
