"""The autograder's messages in the notebook's language (gettext catalogue, read with polib).

    from autograder.core.messages import _
    text = _("{earned}/{points} marks").format(earned=..., points=...)

A ``Catalogue(domain, locale_dir)`` is one gettext domain; ``_`` reads the
autograder's (``AUTOGRADER``), and the course library reads its own
(``seqlabs.messages``) through the same class, in the same language.

The language is the *notebook's*, never the machine's locale (``LANG``,
``LC_ALL`` and ``LANGUAGE`` are never read), found in this order:

1. ``use_language(lang)``: the grader, judging and writing the feedback page of
   one submission (a context variable, so concurrent submissions do not mix);
2. the notebook a Jupyter server opened this kernel for: the server gives the
   kernel ``JPY_SESSION_NAME`` (the notebook's path; ipykernel also sets
   ``__session__``), and the notebook's metadata ``seqlabs.language`` names
   its language (``autograder build`` writes it into every non-English
   notebook; absent means English);
3. ``SEQLABS_NOTEBOOK_LANGUAGE``: set by ``autograder build``/``grade``/``demo``
   for the kernels they start, from the notebook's metadata (a headless run
   has no session); a student running ``jupyter nbconvert --execute`` on a
   Spanish notebook sets it to ``es`` by hand;
4. English.

Why PO files read at run time rather than compiled ``.mo`` files: a ``.mo`` is
a generated binary that would have to be committed or compiled at install;
the catalogue is small (a few hundred entries, parsed once per kernel in
milliseconds) and polib is pure Python. Fuzzy and empty entries are ignored,
so an entry whose English changed falls back to the English.
"""
from __future__ import annotations

import functools
import json
import os
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

DEFAULT = "en"  # the language the masters and the messages are written in
ENV = "SEQLABS_NOTEBOOK_LANGUAGE"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "autograder"

_forced: ContextVar[str | None] = ContextVar("autograder_language", default=None)


@dataclass(frozen=True)
class Catalogue:
    """One gettext domain: ``<locale_dir>/<language>/LC_MESSAGES/<domain>.po``, read in the notebook's language.

    The autograder's own messages are ``AUTOGRADER``; the course library keeps its own (``seqlabs``: its
    printed messages and the labs' part titles, ``seqlabs/messages.py``) so that each package ships the
    words it writes, and both follow the same language (``current_language``).
    """

    domain: str
    locale_dir: Path

    def path(self, language: str) -> Path:
        return Path(self.locale_dir) / language / "LC_MESSAGES" / f"{self.domain}.po"

    def available(self) -> list[str]:
        """The languages with a catalogue, English first."""
        found = sorted(p.parent.parent.name for p in Path(self.locale_dir).glob(f"*/LC_MESSAGES/{self.domain}.po"))
        return [DEFAULT] + [lang for lang in found if lang != DEFAULT]

    def translations(self, language: str) -> dict[str, str]:
        """msgid -> msgstr of the translated, non-fuzzy entries of ``language``'s catalogue ({} for English)."""
        return {} if language == DEFAULT else _read(str(self.path(language)))

    def gettext(self, message: str) -> str:
        """``message`` (an English msgid) in the current language; itself when there is no translation."""
        language = current_language()
        if language == DEFAULT:
            return message
        return self.translations(language).get(message) or message


@functools.lru_cache(maxsize=None)
def _read(path: str) -> dict[str, str]:
    if not os.path.isfile(path):
        return {}
    import polib

    return {e.msgid: e.msgstr for e in polib.pofile(path) if e.msgstr and not e.fuzzy and not e.obsolete}


AUTOGRADER = Catalogue(DOMAIN, LOCALE_DIR)


def catalogue_path(language: str) -> Path:
    """``autograder/locale/<language>/LC_MESSAGES/autograder.po``."""
    return AUTOGRADER.path(language)


def available() -> list[str]:
    """The languages with a message catalogue of the autograder, English first."""
    return AUTOGRADER.available()


def translations(language: str) -> dict[str, str]:
    """msgid -> msgstr of the autograder's translated, non-fuzzy entries in ``language`` ({} for English)."""
    return AUTOGRADER.translations(language)


def notebook_language(nb: object) -> str:
    """The language a notebook records (``metadata.seqlabs.language``), English when it records none."""
    meta = nb.get("metadata", {}) if isinstance(nb, dict) else {}
    lang = (meta.get("seqlabs") or {}).get("language") if isinstance(meta.get("seqlabs"), dict) else None
    return lang if isinstance(lang, str) and lang.strip() else DEFAULT


@functools.lru_cache(maxsize=8)
def _language_of_file(path: str) -> str | None:
    """The language of the notebook file at ``path``; None when it cannot be read."""
    try:
        with open(path, encoding="utf-8") as f:
            return notebook_language(json.load(f))
    except (OSError, ValueError):
        return None


def session_notebook() -> str | None:
    """The notebook a Jupyter server started this kernel for (its path), or None (headless, plain Python)."""
    path = os.environ.get("JPY_SESSION_NAME")
    if not path:
        try:
            from IPython import get_ipython

            shell = get_ipython()
        except ImportError:
            shell = None
        path = shell.user_ns.get("__session__") if shell is not None else None
    return path if isinstance(path, str) and path.endswith(".ipynb") else None


def current_language() -> str:
    """The language messages are written in now (see the module docstring for the order)."""
    forced = _forced.get()
    if forced:
        return forced
    session = session_notebook()
    if session:
        # The server names the notebook by its full path, or (started without a file name) by its path under
        # the server's root; the kernel runs in the notebook's folder, so its base name is found there.
        found = _language_of_file(session) or _language_of_file(os.path.basename(session))
        if found:
            return found
    return os.environ.get(ENV, "").strip() or DEFAULT


@contextmanager
def use_language(language: str | None) -> Iterator[None]:
    """Write messages in ``language`` inside the block (the grader, per submission)."""
    token = _forced.set(language or DEFAULT)
    try:
        yield
    finally:
        _forced.reset(token)


def _(message: str) -> str:
    """``message`` (an English msgid) in the current language; itself when there is no translation."""
    return AUTOGRADER.gettext(message)


def ngettext(singular: str, plural: str, n: float) -> str:
    """gettext's plural form for the two-form languages we ship (English, Spanish): one is singular."""
    return _(singular) if n == 1 else _(plural)
