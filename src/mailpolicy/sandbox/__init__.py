"""Boot a real, throwaway Postfix (+ Dovecot for SASL) on loopback for tests.

    with Sandbox(main_cf, maps={...}, logins={...}) as sb:
        sb.try_send("127.0.0.9", None, None, "a@x.test", "victim@gmail.test")
"""

from .availability import sandbox_available
from .client import Attempt
from .sandbox import PortUnavailable, Sandbox, SandboxUnavailable

__all__ = ["Attempt", "PortUnavailable", "Sandbox", "SandboxUnavailable", "sandbox_available"]
