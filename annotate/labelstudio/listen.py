"""Where a local Label Studio listens: 127.0.0.1 on a free port, unless ``server start --host/--port``.

Loopback is the default because Label Studio's open-source edition is unsafe to expose as it is:
plain HTTP carries passwords and API tokens in clear, and anyone who reaches it could sign up.
A team on one machine's server may still ask for another address; the server then refuses
sign-up without the organisation's invite link (``annotate annotators add`` uses that link), and
``annotate server start`` prints a warning. ``annotate`` itself always talks to the server over
loopback when it listens on every interface.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass

from annotate.labelstudio.errors import ServerError

LOOPBACK = "127.0.0.1"
EVERY_INTERFACE = "0.0.0.0"
# Set in the server's environment when it listens beyond loopback (Label Studio's own setting).
NO_OPEN_SIGNUP = {"LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true"}


@dataclass(frozen=True)
class Listen:
    """The address and port a newly started server binds (``port`` None: a free one is picked)."""

    host: str = LOOPBACK
    port: int | None = None

    def __post_init__(self) -> None:
        if ":" in self.host:  # Label Studio's `start` has no IPv6 switch; a bracketless URL would break too
            raise ServerError(f"--host {self.host}: give an IPv4 address or a host name (IPv6 is not supported)")
        if self.port is not None and not 1 <= self.port <= 65535:
            raise ServerError(f"--port {self.port}: a port is between 1 and 65535")

    @property
    def beyond_loopback(self) -> bool:
        """Whether other machines may reach the server (anything but 127.0.0.0/8 or ``localhost``)."""
        if self.host == "localhost":
            return False
        try:
            return not ipaddress.ip_address(self.host).is_loopback
        except ValueError:  # a host name: it resolves to whatever the network says
            return True

    @property
    def client_host(self) -> str:
        """The address ``annotate`` talks to: loopback when the server listens on every interface."""
        return LOOPBACK if self.host in (EVERY_INTERFACE, "localhost") else self.host

    def pick_port(self) -> int:
        """The asked port, checked free now (a clear error beats Label Studio hopping to the next
        one), or a free port on the host."""
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((self.host, self.port or 0))
            except OSError as exc:
                where = f"{self.host}:{self.port}" if self.port else self.host
                raise ServerError(f"cannot listen on {where}: {exc.strerror or exc} "
                                  "(another program uses the port, or the address is not this machine's)") from None
            return sock.getsockname()[1]

    def env(self) -> dict[str, str]:
        """Label Studio settings this address calls for."""
        return dict(NO_OPEN_SIGNUP) if self.beyond_loopback else {}
