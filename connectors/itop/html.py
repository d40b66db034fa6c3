"""HTML descriptions and case-log entries to readable plain text.

A streaming pass of the standard library's ``HTMLParser`` (no tree is built): it gives the
text BeautifulSoup's tree walk gave, at a fraction of the cost on a first sync
(bench/sync_bench.py; docs/architecture.md, "Scale").
"""

import re
from html.parser import HTMLParser

_BLOCKS = frozenset(
    "p div ul ol table tr h1 h2 h3 h4 h5 h6 blockquote pre section article header footer"
    " address dl dt dd form fieldset figure hr".split()
)
_SKIPPED = frozenset({"script", "style", "head", "title"})  # their content is not text
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def looks_like_html(text: str) -> bool:
    """True when the text holds tags or entities worth parsing."""
    return bool(re.search(r"<[a-zA-Z/!][^>]*>|&[#a-zA-Z0-9]+;", text or ""))


class _TextParser(HTMLParser):
    """Collects the text, with newlines where blocks and <br> are, list items as "- "."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0  # depth inside script, style, head or title

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _SKIPPED:
            self.skipping += 1
        if self.skipping:
            return
        if tag == "br":
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag == "hr":  # void: no end tag comes to close the block
            self.parts.append("\n\n")
        elif tag in _BLOCKS:
            self.parts.append("\n\n" if tag == "p" else "\n")
        elif tag in ("td", "th"):
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skipping = max(self.skipping - 1, 0)
        elif not self.skipping and tag in _BLOCKS:
            self.parts.append("\n\n" if tag == "p" else "\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data.replace("\n", " "))


def html_to_text(html: str | None) -> str:
    """Plain text of an HTML fragment: paragraphs and line breaks kept, entities decoded."""
    if not html:
        return ""
    if not looks_like_html(html):
        return html.strip()
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    lines = [_SPACES.sub(" ", line).strip() for line in "".join(parser.parts).split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
