"""The bureau's enrolment QR code, scanned in the desk's settings dialog.

The Sites page shows it once when it enrols a desk (`vaccination.wire.DeskEnrolment`):
the server address, the site, the desk letter and the token. The token goes to a file
only its owner may read, beside the settings; the settings name that file and never
hold the token itself.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from vaccination.private_file import write_private
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
    write_private(path, (enrolment.token + "\n").encode())
    return path
