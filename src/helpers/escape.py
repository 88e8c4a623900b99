"""Text from ``data/`` made safe where it becomes Markdown or HTML, defined once for each format.

Two kinds of text reach a page:

- **data text**: a wording, an option, a survey title, a source name, a note. Shown as text, always:
  :func:`markdown_text` backslash-escapes every character Markdown could read as markup (so ``<script>``,
  ``[x](javascript:…)``, ``# heading`` or ``*`` show as typed) and :func:`markupsafe.escape` does the same
  for HTML (the templates' autoescape).
- **sentences** of :mod:`helpers.narrative`: plain text that may carry ``*emphasis*`` and ``**strong**``,
  and data text inside it. :func:`markdown_sentence` escapes everything but the asterisks;
  :func:`html_sentence` escapes everything and then turns the asterisk pairs into ``<em>``/``<strong>``,
  so the only elements a sentence can ever produce are those two.

Line breaks in either kind become spaces (a value never starts a new Markdown block: no injected heading,
list or table). A source's web address becomes a link only through :func:`web_address` (http or https,
percent-encoded). The templates of :mod:`helpers.pages` apply these functions; nothing else should.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from markupsafe import Markup, escape

# CommonMark lets a backslash escape any ASCII punctuation; these are the ones that start markup inline
# (links, images, autolinks and raw HTML, emphasis, code, entities, tables, strikethrough).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~&])")
_SENTENCE_SPECIAL = re.compile(r"([\\`_\[\]<>#|~&])")
# What starts a block when it opens a line (a list item, a numbered item, a setext underline)
_BLOCK_START = re.compile(r"^([-+*=](?=[\s=]|$)|\d{1,9}(?=[.)](?:\s|$)))")
_STRONG = re.compile(r"\*\*(.+?)\*\*")
_EMPHASIS = re.compile(r"\*(.+?)\*")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def one_line(text: object) -> str:
    """The text on one line: every run of whitespace (line breaks included) becomes one space."""
    return " ".join(str(text).split())


def markdown_text(text: object) -> str:
    """Data text for Markdown: shown exactly as written, never read as markup."""
    return _block_safe(_MARKDOWN_SPECIAL.sub(r"\\\1", one_line(text)))


def markdown_sentence(text: object) -> str:
    """A narrative sentence for Markdown: its ``*emphasis*`` kept, every other markup character escaped."""
    return _block_safe(_SENTENCE_SPECIAL.sub(r"\\\1", one_line(text)))


def _block_safe(text: str) -> str:
    match = _BLOCK_START.match(text)
    if not match:
        return text
    return match.group(1) + "\\" + text[match.end() :] if match.group(1)[0].isdigit() else "\\" + text


def html_sentence(text: object) -> Markup:
    """A narrative sentence for HTML: escaped, then its ``**strong**`` and ``*emphasis*`` as elements."""
    escaped = str(escape(one_line(text)))
    escaped = _STRONG.sub(r"<strong>\1</strong>", escaped)
    return Markup(_EMPHASIS.sub(r"<em>\1</em>", escaped))


def spreadsheet_cell(value: object) -> object:
    """A CSV cell a spreadsheet will not run: text starting with ``= + - @``, a tab or a carriage return
    gets a leading apostrophe (OWASP's advice on CSV injection). Numbers are left as numbers."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def is_web_address(text: str) -> bool:
    """Whether ``text`` is an http or https address: the one test of what may become a link."""
    return text.lower().startswith(("https://", "http://"))


def web_address(url: str) -> str:
    """A source's address as a link target in Markdown or HTML: http or https only (anything else is a
    ValueError, so no ``javascript:`` link can be made), with every character that could end the target or
    start markup (space, quotes, brackets, parentheses, backslash) percent-encoded."""
    if not is_web_address(url):
        raise ValueError(f"not an http(s) address: {url!r}")
    return quote(one_line(url), safe=":/?#@!$&*+,;=%~")
