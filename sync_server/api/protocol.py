"""The desks' protocol version: checked on every sync call, so an old desk learns to update."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header

from sync_server.errors import ServiceError
from vaccination.wire import MIN_PROTOCOL, PROTOCOL, PROTOCOL_HEADER


def upgrade_required() -> ServiceError:
    """426: the desk speaks an older protocol than this server answers."""
    return ServiceError(
        426,
        "upgrade_required",
        f"此櫃台的 VaxDesk 版本太舊，請更新後再同步（伺服器協定 {PROTOCOL}）",
        f"this desk's VaxDesk is too old for the server (protocol {PROTOCOL}); update it to sync",
    )


async def check_protocol(
    protocol: Annotated[
        int | None,
        Header(alias=PROTOCOL_HEADER, description="the sync protocol the desk speaks"),
    ] = None,
) -> int:
    """The caller's protocol version; 426 when it is missing or older than the server takes."""
    if protocol is None or protocol < MIN_PROTOCOL:
        raise upgrade_required()
    return protocol


ProtocolDep = Annotated[int, Depends(check_protocol)]
