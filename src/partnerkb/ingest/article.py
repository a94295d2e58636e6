"""An article as ingest reads it: its text, split into numbered paragraphs, and its headline.

Input is a file, standard input or a web page. A page is fetched with httpx and its main text
is taken out of the site's menus and footers by trafilatura (both imported only for pages, so
plain text stays fast). Whatever arrives is checked before anything reads it: a binary file, an
empty one, a page with no article, or a text past `MAX_BYTES` is refused with one line that
says so (InvalidInput, exit code 2), never half read.

Paragraph numbers are the locators of every fact ingest proposes: `para. 1` is the first body
paragraph. Short lines before the body (headlines, a dateline, site furniture) are front matter,
not numbered; the longest headline-like one is offered as the title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InvalidInput

MAX_BYTES = 20 * 1024 * 1024  # 20 MiB of file or page: a web page carries scripts and markup
# The text of one article: a long report is some 50 kB; past this it is a book or an archive,
# refused with a message rather than proposed as hundreds of events nobody could review.
MAX_TEXT = 256 * 1024
FETCH_TIMEOUT = 20.0  # seconds for a whole page
# A lead paragraph of a news report is a sentence of at least this many words; blocks before the
# first such block are front matter (headlines, dates, the site's own lines).
LEAD_WORDS = 12
# What a site says about itself (notices, forms, menus) is not the article's lead.
_SITE_WORDS = re.compile(
    r"\b(?:website|cookies?|disclaimer|translat\w*|javascript|subscribe|newsletter|log ?in|"
    r"sign ?up|all rights reserved|privacy|feedback)\b",
    re.I,
)

_BLOCK_SPLIT = re.compile(r"\n\s*\n")
_WORD = re.compile(r"[^\W\d_][\w'’.-]*")
_HTML_START = re.compile(rb"^\s*(?:<!doctype html|<html|<head|<body|<article|<div|<p[\s>])", re.I)


@dataclass
class Article:
    """The text of an article: `paragraphs[0]` is para. 1; `front` holds the lines before it."""

    paragraphs: list[str]
    title: str | None = None
    front: list[str] = field(default_factory=list)
    url: str | None = None
    page_date: str | None = None  # a date the page itself shows (ISO), when one was found


def read_source(where: str, stdin: bytes | None = None) -> Article:
    """Read an article from a path, `-` (then `stdin` holds the bytes) or an http(s) URL.

    Raises InvalidInput for an unreadable file, a binary file, an empty one, a page that cannot
    be fetched or holds no article, and anything over MAX_BYTES.
    """
    if re.match(r"^https?://", where, re.I):
        content, url = fetch_page(where), where
        return article_from_bytes(content, url=url, html=True)
    if where == "-":
        if stdin is None:
            raise InvalidInput("no article on standard input")
        return article_from_bytes(stdin)
    path = Path(where)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InvalidInput(_too_big(size))
        content = path.read_bytes()
    except IsADirectoryError:
        raise InvalidInput(f"{where} is a folder, not an article") from None
    except FileNotFoundError:
        raise InvalidInput(f"no file {where!r}", hint="give a path, a URL or - for stdin") from None
    except OSError as exc:
        raise InvalidInput(f"cannot read {where}: {exc.strerror or exc}") from None
    return article_from_bytes(content)


def _too_big(size: int) -> str:
    return (
        f"the article is {size / 1024 / 1024:.1f} MB; ingest reads at most "
        f"{MAX_BYTES // 1024 // 1024} MB"
    )


def fetch_page(url: str) -> bytes:
    """The body of a web page (redirects followed), at most MAX_BYTES; InvalidInput if it
    cannot be had."""
    import httpx

    try:
        with httpx.Client(follow_redirects=True, timeout=FETCH_TIMEOUT) as client:
            with client.stream("GET", url, headers={"User-Agent": "partnerkb-ingest"}) as reply:
                if reply.status_code >= 400:
                    raise InvalidInput(f"could not fetch {url}: HTTP {reply.status_code}")
                chunks: list[bytes] = []
                total = 0
                for chunk in reply.iter_bytes():
                    total += len(chunk)
                    if total > MAX_BYTES:
                        raise InvalidInput(_too_big(total))
                    chunks.append(chunk)
    except httpx.HTTPError as exc:
        raise InvalidInput(f"could not fetch {url}: {exc}") from None
    return b"".join(chunks)


def decode(content: bytes) -> str:
    """Text from bytes: UTF-8 (with or without BOM), else UTF-16 with a BOM, else Windows-1252.

    A file with NUL bytes, or mostly unprintable, is binary and refused.
    """
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return content.decode("utf-16")
        except UnicodeDecodeError:
            raise InvalidInput("the file is not readable text (bad UTF-16)") from None
    if b"\x00" in content[:65536]:
        raise InvalidInput("the file is binary, not an article", hint="give plain text or HTML")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")
    sample = text[:65536]
    odd = sum(1 for c in sample if (ord(c) < 32 and c not in "\n\r\t\f") or c == "\ufffd")
    if sample and odd / len(sample) > 0.05:
        raise InvalidInput("the file is binary, not an article", hint="give plain text or HTML")
    return text


def article_from_bytes(content: bytes, *, url: str | None = None, html: bool = False) -> Article:
    """An Article from raw bytes: HTML (said so, or recognised) goes through the extractor."""
    if len(content) > MAX_BYTES:
        raise InvalidInput(_too_big(len(content)))
    if not content.strip():
        raise InvalidInput("the article is empty")
    text = decode(content)
    page_date = None
    if html or _HTML_START.match(content[:1024]):
        text, title, page_date = extract_main_text(text)
        article = article_from_text(text)
        if title and not article.title:
            article.title = title
    else:
        article = article_from_text(text)
    article.url = url
    article.page_date = page_date
    return article


def extract_main_text(page: str) -> tuple[str, str | None, str | None]:
    """The article in a web page (text, headline, date shown), by trafilatura; InvalidInput
    when the page holds no article."""
    import trafilatura

    text = trafilatura.extract(page, include_comments=False, include_tables=False)
    if not text or len(_WORD.findall(text)) < 5:
        raise InvalidInput("no article text found in the page", hint="save the text and ingest it")
    meta = trafilatura.extract_metadata(page)
    title = meta.title if meta is not None and meta.title else None
    found = meta.date if meta is not None and meta.date else None
    # trafilatura gives one line a paragraph: make them blocks
    return "\n\n".join(line for line in text.splitlines() if line.strip()), title, found


def article_from_text(text: str) -> Article:
    """Split text into front matter and numbered body paragraphs; InvalidInput when there is no
    text or more than MAX_TEXT."""
    if len(text) > MAX_TEXT:
        raise InvalidInput(
            f"the text is {len(text) / 1024:,.0f} kB; one article is at most {MAX_TEXT // 1024} kB",
            hint="give one article at a time",
        )
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    blocks = [" ".join(b.split()) for b in _BLOCK_SPLIT.split(text)]
    blocks = [b for b in blocks if b]
    if len(blocks) == 1 and "\n" in text.strip():  # one line a paragraph, no blank lines
        blocks = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    if not blocks:
        raise InvalidInput("the article is empty")
    if not any(_WORD.search(b) for b in blocks[:1000]):
        raise InvalidInput("the article has no words")
    lead = next((i for i, b in enumerate(blocks) if _is_lead(b)), 0)
    front, body = blocks[:lead], blocks[lead:]
    # what follows the body's last sentence (a byline, "Latest articles") is not a paragraph
    while len(body) > 1 and _words(body[-1]) < 6 and not body[-1].endswith((".", "…", '"')):
        body.pop()
    headlines = [b for b in front if _is_headline(b)]
    title = max(headlines, key=_words) if headlines else None
    return Article(paragraphs=body, title=title, front=front)


def _is_lead(block: str) -> bool:
    return (
        _words(block) >= LEAD_WORDS
        and block.rstrip("”\"' ").endswith((".", "…", "!"))
        and not _SITE_WORDS.search(block)
    )


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def _is_headline(block: str) -> bool:
    """A line with at least four words, not a sentence of the site (a question, a notice)."""
    words = _words(block)
    if words < 4 or words > 30 or block.endswith(("?", ":")):
        return False
    if block.endswith(".") and words > 12:
        return False  # a sentence, such as a notice about translation or cookies
    capitals = sum(1 for w in _WORD.findall(block) if w[0].isupper())
    return capitals >= 2
