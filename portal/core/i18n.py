"""Languages: English and Simplified Chinese from gettext catalogs, chosen per request.

The catalogs are `.po` files under portal/locales/, compiled in memory at start-up, so there is
no build step and no binary file in the repository. The current locale lives in a context
variable that the locale middleware sets for each request; `gettext` reads it.
"""

from __future__ import annotations

import contextvars
import io
from functools import cache

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from portal.settings import LOCALES_DIR

DEFAULT_LOCALE = "en"
LOCALES = {"en": "English", "zh_Hans": "简体中文"}
HTML_LANG = {"en": "en", "zh_Hans": "zh-Hans"}

_current: contextvars.ContextVar[str] = contextvars.ContextVar("locale", default=DEFAULT_LOCALE)


@cache
def translations(locale: str) -> NullTranslations:
    """The compiled catalog for `locale` (English is the source language: no catalog)."""
    path = LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po"
    if locale == DEFAULT_LOCALE or not path.exists():
        return NullTranslations()
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(fp=buf)


def set_locale(locale: str) -> contextvars.Token[str]:
    return _current.set(locale if locale in LOCALES else DEFAULT_LOCALE)


def get_locale() -> str:
    return _current.get()


@cache
def _parsed(locale: str) -> Locale:
    return Locale.parse(locale)


def babel_locale() -> Locale:
    return _parsed(get_locale())


def gettext(message: str, **params: object) -> str:
    """Translate `message` into the current locale and fill in `%(name)s` parameters."""
    text = translations(get_locale()).gettext(message)
    return text % params if params else text


def ngettext(singular: str, plural: str, n: int, **params: object) -> str:
    text = translations(get_locale()).ngettext(singular, plural, n)
    return text % {"num": n, **params}


def translated(message: str) -> str:
    """`message` in the current locale, parameters left as they are (templates fill them in)."""
    return _catalogs[_current.get()].gettext(message)


def translated_plural(singular: str, plural: str, n: int) -> str:
    return _catalogs[_current.get()].ngettext(singular, plural, n)


class _Catalogs(dict[str, NullTranslations]):
    """The catalogs by locale, compiled when first asked for (a dict read per string)."""

    def __missing__(self, locale: str) -> NullTranslations:
        self[locale] = translations(locale)
        return self[locale]


_catalogs = _Catalogs()

_ = gettext


def negotiate(accept_language: str, cookie: str | None) -> str:
    """The locale from the switcher's cookie, else the best match in Accept-Language."""
    if cookie in LOCALES:
        return cookie
    ranked: list[tuple[float, str]] = []
    for part in accept_language.split(","):
        tag, _sep, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            continue
        ranked.append((weight, tag.strip().lower()))
    for _weight, tag in sorted(ranked, key=lambda r: -r[0]):
        if tag.startswith("zh") and not any(t in tag for t in ("hant", "-tw", "-hk", "-mo")):
            return "zh_Hans"
        if tag.startswith("en"):
            return "en"
    return DEFAULT_LOCALE
