"""Folding text for matching: case, accents and scripts reduced to one comparable form.

`fold("Şuşa") == fold("susa")`; `fold("Əliyev") == "aliyev"`. Names in this field come in many
scripts: anyascii transliterates any of them to ASCII (Arabic, Cyrillic, Azerbaijani schwa...),
after which case is folded and anything that is not a letter or digit becomes a single space.
"""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lowercase ASCII words separated by single spaces."""
    if text.isascii():
        lowered = text.lower()
    else:
        from anyascii import anyascii

        lowered = anyascii(unicodedata.normalize("NFC", text)).lower()
    return _NON_WORD.sub(" ", lowered).strip()


def fold_compact(text: str) -> str:
    """Folded with no spaces: 'Al-Malik', 'Al Malik' and 'AlMalik' all give 'almalik'."""
    return fold(text).replace(" ", "")


def fold_chars(text: str) -> str:
    """Fold character by character, keeping positions: for highlighting matches in the original.

    A character whose folded form is not one letter (e.g. 'ß' -> 'ss') stays lowercased as is.
    """
    out = []
    for char in text:
        folded = fold(char) if char.strip() else " "
        out.append(folded if len(folded) == 1 else (char.lower() if char.isalnum() else " "))
    return "".join(out)
