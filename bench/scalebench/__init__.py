"""Pieces of ``bench/scale_bench.py``: the data set, the loader, the HTTP and in-process timings.

A package of its own (not ``bench/*.py``) so that ``make bench`` does not run its modules.
"""
