"""The bureau's enrolment QR code, scanned in the desk's settings dialog.

The Sites page shows it once when it enrols a desk (`vaccination.wire.DeskEnrolment`):
the server address, the site, the desk letter and the token. The token goes to a file
only its owner may read, beside the settings; the settings name that file and never
hold the token itself.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import ValidationError

from vaccination.wire import DeskEnrolment


def read_enrolment(raw: str) -> DeskEnrolment | None:
    """The enrolment a scan carries, or None when the scan is something else."""
    if not raw.lstrip().startswith("{"):
        return None
    try:
        return DeskEnrolment.model_validate_json(raw)
    except ValidationError:
        return None


def save_token(folder: Path, enrolment: DeskEnrolment) -> Path:
    """Write the desk's token to `folder/desk_<letter>.token` (mode 600); its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"desk_{enrolment.desk}.token"
    partial = path.with_suffix(".token.new")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(enrolment.token + "\n")
    os.replace(partial, path)
    return path
