"""HTML as iTop 3.2 stores it: its sanitizer's effect on HTML, and text made HTML.

What the recordings show (files 11, 70-74): ``<script>`` is removed with its content, other
tags are kept as written, entities are decoded into characters (``&laquo;&nbsp;`` becomes
``«`` and a no-break space) except that ``&``, ``<`` and ``>`` in text are written as
entities, quotes and newlines stay raw. Text made HTML (``format: "text"`` case-log entries)
is escaped with ``&apos;`` / ``&quot;`` and its line breaks become ``<br/>``.
"""

import html
from html.parser import HTMLParser

# Removed with their content. <script> is what the recordings show; <style> is assumed.
_DEAD = frozenset({"script", "style"})


class _Sanitizer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.dead = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _DEAD:
            self.dead += 1
        elif not self.dead:
            self.out.append(self.get_starttag_text() or "")

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        if not self.dead and tag not in _DEAD:
            self.out.append(self.get_starttag_text() or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in _DEAD:
            self.dead = max(0, self.dead - 1)
        elif not self.dead:
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if not self.dead:
            self.out.append(html.escape(data, quote=False))


def sanitize_html(text: str) -> str:
    """``text`` as iTop's HTML sanitizer leaves it (see the module docstring)."""
    parser = _Sanitizer()
    parser.feed(text)
    parser.close()
    return "".join(parser.out)


def text_to_html(text: str) -> str:
    """Plain text as iTop shows it in HTML: escaped (``&apos;``), line breaks as ``<br/>``."""
    escaped = html.escape(text, quote=True).replace("&#x27;", "&apos;")
    return escaped.replace("\r\n", "<br/>").replace("\r", "<br/>").replace("\n", "<br/>")
