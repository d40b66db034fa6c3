"""HTML descriptions and case-log entries to readable plain text (BeautifulSoup)."""

import re

from bs4 import BeautifulSoup, NavigableString, Tag

_BLOCKS = frozenset(
    "p div ul ol table tr h1 h2 h3 h4 h5 h6 blockquote pre section article header footer"
    " address dl dt dd form fieldset figure hr".split()
)
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def looks_like_html(text: str) -> bool:
    """True when the text holds tags or entities worth parsing."""
    return bool(re.search(r"<[a-zA-Z/!][^>]*>|&[#a-zA-Z0-9]+;", text or ""))


def html_to_text(html: str | None) -> str:
    """Plain text of an HTML fragment: paragraphs and line breaks kept, entities decoded."""
    if not html:
        return ""
    if not looks_like_html(html):
        return html.strip()
    soup = BeautifulSoup(html, "html.parser")
    for dead in soup(["script", "style", "head", "title"]):
        dead.decompose()
    parts: list[str] = []
    _walk(soup, parts)
    lines = [_SPACES.sub(" ", line).strip() for line in "".join(parts).split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _walk(node: Tag, parts: list[str]) -> None:
    """Append the text of ``node``, with newlines where blocks and <br> are."""
    for child in node.children:
        if isinstance(child, NavigableString):
            if child.__class__.__name__ in {"Comment", "Doctype", "Declaration"}:
                continue
            parts.append(str(child).replace("\n", " "))
        elif isinstance(child, Tag):
            name = child.name.lower()
            if name == "br":
                parts.append("\n")
                continue
            if name == "li":
                parts.append("\n- ")
            elif name in _BLOCKS:
                parts.append("\n\n" if name == "p" else "\n")
            if name in {"td", "th"}:
                parts.append(" ")
            _walk(child, parts)
            if name in _BLOCKS:
                parts.append("\n\n" if name == "p" else "\n")
