"""The course library's words in the notebook's language: its printed messages and the labs' titles.

    from seqlabs.messages import _
    problems.append(_("give one or two student ids (got {count})").format(count=n))

A gettext catalogue of its own (``seqlabs/locale/<language>/LC_MESSAGES/seqlabs.po``, shipped as package
data), read by the autograder core's ``Catalogue``, so the language is the notebook's, found as for every
autograder message (``autograder.core.messages.current_language``). The part and lab titles of
``seqlabs.settings.outlines`` are msgids here too: the code cells stay the same in every language and the
titles are translated when they are shown (``autograder.outline(..., catalogue=CATALOGUE)``).
``python -m autograder.i18n.source_messages es`` adds new msgids to the catalogue.
"""
from __future__ import annotations

from pathlib import Path

from autograder.core.messages import Catalogue, current_language

CATALOGUE = Catalogue("seqlabs", Path(__file__).resolve().parent / "locale")


def _(message: str) -> str:
    """``message`` (an English msgid) in the notebook's language."""
    return CATALOGUE.gettext(message)


def number(n: int) -> str:
    """``n`` grouped as the notebook's language writes it (CLDR's data, through Babel): ``21,963`` in English,
    ``21.963`` in Spanish, where ``21,963`` reads as twenty-one and a bit."""
    from babel.core import UnknownLocaleError
    from babel.numbers import format_decimal

    try:
        return format_decimal(n, locale=current_language())
    except (UnknownLocaleError, ValueError):  # a language CLDR does not know: English grouping
        return f"{n:,}"
