"""stub"""
from stats import BenchResult


def run(stack, profile=False):
    return BenchResult("fanout", skipped="not written yet")
