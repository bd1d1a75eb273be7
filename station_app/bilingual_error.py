"""A failure the desk says to its user in both languages (`station_app.i18n.pick`)."""

from __future__ import annotations


class BilingualError(Exception):
    """The reason in Traditional Chinese and in English; str() is the English (logs)."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_zh = message_zh
        self.message_en = message_en
