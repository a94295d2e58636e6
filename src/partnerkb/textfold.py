"""Folding text for matching: case, accents, scripts and common spellings reduced to one form.

Names in this field come in many scripts and spellings, so two spellings of one name must fold to
the same words: `fold("Şuşa") == fold("Shusha") == "shusha"`, `fold("Əliyev") == fold("Aliyev")`,
`fold("AlMalik") == fold("Al-Malik") == fold("Al Malik") == fold("Almalik") == "almalik"`.
The steps (documented for users in docs/search.md):

1. a few Azerbaijani and Turkish letters become the letters English spellings of those names
   use, where anyascii would give one bare letter: `ş` -> `sh`, `ç` -> `ch`, `ğ` -> `gh`,
   `ə` -> `a` (`Şuşa` -> `Shusha`, `Əliyev` -> `Aliyev`), and Arabic vowel marks are left
   out (`شُوشَا` -> `شوشا`, as Arabic is mostly written); then anyascii transliterates any
   script to ASCII (`ı` -> `i`, `ü` -> `u`, Arabic, Cyrillic, Greek, accents...);
2. lowercase; a possessive `'s` vanishes (`Shusha's` -> `shusha`), other apostrophes join
   (`O'Brien` -> `obrien`); anything else that is not a letter or digit separates words;
   runs of separators count as one;
3. the Arabic article joins the word it precedes: `al malik` -> `almalik`, `el fassi` ->
   `elfassi`.

`fold` is idempotent (`fold(fold(x)) == fold(x)`). `fold_many` folds many texts at once for the
search index; `fold_chars` folds character by character, keeping positions, for highlighting.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

# Letters anyascii transliterates unlike the usual English spelling of names (see step 1).
# Arabic vowel marks (harakat, U+064B..U+065F, the superscript alef U+0670) and the tatweel
# (U+0640, a stretch of the line) are left out: most Arabic text is written without them, so
# `شُوشَا` must fold as `شوشا` does.
_BEFORE_ANYASCII = str.maketrans({
    "ş": "sh", "Ş": "Sh", "ç": "ch", "Ç": "Ch", "ğ": "gh", "Ğ": "Gh", "ə": "a", "Ə": "A",
    **{chr(code): "" for code in (*range(0x064B, 0x0660), 0x0670, 0x0640)},
})  # fmt: skip

# Bumped whenever folding changes: derived search indexes made with other rules are rebuilt.
FOLD_VERSION = 3

# Separators that `fold_many` keeps so that folded texts and their fields can be told apart.
RECORD_SEP = "\x1e"
FIELD_SEP = "\x1f"
FIELD_JOIN = f" {FIELD_SEP} "  # how the fields of one text are joined for `fold_many`


def _ascii_table(keep: str = "") -> dict[int, int | None]:
    """Lowercase letters, keep digits and `keep`, drop apostrophes, the rest becomes a space."""
    table: dict[int, int | None] = {}
    for code in range(128):
        char = chr(code)
        if char.isupper():
            table[code] = ord(char.lower())
        elif not (char.isalnum() or char in keep):
            table[code] = None if char in "'`" else ord(" ")
    return table


_WORDS_ONLY = _ascii_table()
_KEEP_SEPARATORS = _ascii_table(RECORD_SEP + FIELD_SEP)
_POSSESSIVE = re.compile(r"'[sS](?![A-Za-z0-9])")
_ARTICLE_AL = re.compile(" al +(?=[a-z0-9])")
_ARTICLE_EL = re.compile(" el +(?=[a-z0-9])")
# The article joins only a following word: never a separator or the end of a text.


class _Transliteration(dict[int, str]):
    """A `str.translate` table filled on first use of each character: translating a text is a
    C loop over dictionary hits, where anyascii alone runs a Python loop per character."""

    def __missing__(self, code: int) -> str:
        from anyascii import anyascii

        char = chr(code)
        value = char if code < 128 else str(anyascii(char.translate(_BEFORE_ANYASCII)))
        self[code] = value
        return value


_TRANSLITERATION = _Transliteration()


def transliterate(text: str) -> str:
    """Any script to ASCII (step 1); ASCII text is returned as is."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFC", text).translate(_TRANSLITERATION)


def _fold_ascii(text: str, table: dict[int, int | None], collapse: bool = True) -> str:
    """Steps 2-3 on ASCII text, framed: the result starts and ends with a space."""
    if "'" in text:
        text = _POSSESSIVE.sub("", text)
    text = f" {text.translate(table)} "
    if collapse:
        while "  " in text:
            text = text.replace("    ", " ").replace("  ", " ")
    # the article joins the word after it, however many spaces apart (uncollapsed text)
    return _ARTICLE_EL.sub(" el", _ARTICLE_AL.sub(" al", text))


def fold(text: str) -> str:
    """Lowercase ASCII words separated by single spaces, spellings folded (see the module)."""
    return _fold_ascii(transliterate(text), _WORDS_ONLY).strip()


def fold_many(texts: Sequence[str], collapse: bool = True) -> str:
    """Fold many texts in one pass: the folded texts joined by RECORD_SEP.

    A text may itself hold fields joined by FIELD_JOIN; they stay apart (a phrase never runs from
    one field into the next). The result is framed for word searches: every word has a space or
    a separator on each side, so `" word "` finds a whole word and `" wor"` a word's start.
    Folding a big string at once costs a few C passes instead of a Python call per text.

    With `collapse=False` words may be apart by several spaces (collapsing them is the slowest
    pass on long texts): a phrase must then be looked for with " +" between its words.
    """
    ascii_texts = [text if text.isascii() else transliterate(text) for text in texts]
    joined = f" {RECORD_SEP} ".join(ascii_texts)
    if joined.count(RECORD_SEP) != max(len(ascii_texts) - 1, 0):  # a text holds the separator
        joined = f" {RECORD_SEP} ".join(t.replace(RECORD_SEP, " ") for t in ascii_texts)
    return _fold_ascii(joined, _KEEP_SEPARATORS, collapse)


def scripts(text: str) -> set[str]:
    """The scripts of the letters in `text`, as Unicode names them: {'ARABIC'}, {'LATIN',
    'CYRILLIC'}; digits, spaces and punctuation have none."""
    found: set[str] = set()
    for char in set(text):
        if char.isalpha():
            name = unicodedata.name(char, "")
            if name:
                found.add(name.split(" ", 1)[0])
    return found


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
