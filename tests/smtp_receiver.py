"""A real SMTP server on loopback (aiosmtpd): records each message and its envelope."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Mailroom:
    """`messages` holds the raw bytes of each message; `recipients` its envelope's RCPT TOs."""

    messages: list[bytes] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)
    port: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd calls it so
        self.messages.append(envelope.content)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"


@contextmanager
def running() -> Iterator[Mailroom]:
    room = Mailroom()
    with socket.socket() as probe:  # aiosmtpd needs the port before it listens
        probe.bind(("127.0.0.1", 0))
        room.port = probe.getsockname()[1]
    controller = Controller(room, hostname="127.0.0.1", port=room.port)
    controller.start()
    try:
        yield room
    finally:
        controller.stop()
