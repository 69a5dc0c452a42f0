"""`mailpolicy fmt`: the canonical layout of a policy file, comments kept, every statement on its own line."""

from mailpolicy.fmt.layout import FormatResult, format_text

__all__ = ["FormatResult", "format_text"]
