"""mailpolicy: compile a declarative mail policy into a safe Postfix configuration."""

__version__ = "0.1.0"
