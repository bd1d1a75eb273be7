"""Interface language: Traditional Chinese by default, English through Qt Linguist files.

Source strings in the code are Traditional Chinese (the primary language, shown even
when no translation loads). resources/i18n/vaxdesk_en.ts holds the English; it is
compiled with pyside6-lrelease into vaxdesk_en.qm, which a QTranslator loads.
Messages that arrive from the domain already carry both languages (message_zh /
message_en); `pick` chooses one, `pick_joined` one half of a "zh / en" text. Qt's own
dialogs (file picker, message boxes, standard buttons) load Qt's translations of the
same language (qtbase_zh_TW.qm, shipped with PySide6).
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

log = logging.getLogger(__name__)

I18N_DIR = Path(__file__).resolve().parents[1] / "resources" / "i18n"

_current = ["zh_TW"]


def language() -> str:
    return _current[0]


def pick(zh: str | None, en: str | None) -> str:
    """The message in the interface language (falls back to whichever exists)."""
    if _current[0] == "en":
        return en or zh or ""
    return zh or en or ""


def pick_joined(text: str) -> str:
    """One language of a "zh / en" text (as the roster reader's fatal errors come)."""
    zh, sep, en = text.partition(" / ")
    return pick(zh, en) if sep else text


def _install_qt_translation(app: QCoreApplication, lang: str) -> None:
    if lang == "en":
        return  # Qt's own strings are English
    translator = QTranslator(app)
    translator.setObjectName("vaxdesk-translator")
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if translator.load(QLocale(lang), "qtbase", "_", folder):
        app.installTranslator(translator)
    else:
        log.warning("Qt's %s translation not found in %s", lang, folder)


def install_language(app: QCoreApplication, lang: str) -> QTranslator | None:
    """Switch the interface to `lang` ("zh_TW" or "en"); returns the translator installed."""
    for old in app.findChildren(QTranslator, "vaxdesk-translator"):
        app.removeTranslator(old)
        old.deleteLater()
    _current[0] = "en" if lang == "en" else "zh_TW"
    QLocale.setDefault(QLocale("en_US" if _current[0] == "en" else "zh_TW"))
    _install_qt_translation(app, _current[0])
    if _current[0] != "en":
        return None
    translator = QTranslator(app)
    translator.setObjectName("vaxdesk-translator")
    qm = I18N_DIR / "vaxdesk_en.qm"
    if not translator.load(str(qm)):
        # The Chinese source strings still show; say so in the log, not to the nurse.
        log.warning("English translation %s could not be loaded", qm)
        return None
    app.installTranslator(translator)
    return translator
