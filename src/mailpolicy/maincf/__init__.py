"""Postfix main.cf as it is on disk: a reader that keeps every line, and the merge into a base file."""

from mailpolicy.maincf.reader import Definition, LineKind, MainCf, Override, PhysicalLine, Problem, read_main_cf

__all__ = ["Definition", "LineKind", "MainCf", "Override", "PhysicalLine", "Problem", "read_main_cf"]
