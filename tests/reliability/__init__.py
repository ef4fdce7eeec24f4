"""Reliability tests: faults across network namespaces, load, hostile input, security.

A package (with __init__.py) so that its conftest.py is `reliability.conftest` and never
shadows tests/conftest.py, which the other test modules import as `conftest`.
"""
