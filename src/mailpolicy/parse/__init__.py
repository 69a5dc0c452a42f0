"""The parse stage: text to statements, with located syntax diagnostics."""

from mailpolicy.parse.parser import ParseResult, parse_text

__all__ = ["ParseResult", "parse_text"]
