"""Text normalisation for the model: HTML stripped, accents and case folded, placeholders.

The model should learn words, not the particular numbers, school codes, addresses or links
a ticket carries, so those become placeholders (``_uai_``, ``_email_``, ``_url_``,
``_num3_`` for a three-digit number: its length still hints at an account or an error code).
Establishment names go too ("collège Marie Curie, Mouy" becomes ``college _etab_``): in a
corpus written by a few people they follow a team by chance, on real tickets they are noise.
"""

import re
import unicodedata
from html.parser import HTMLParser

from classifiers.persons import persons
from classifiers.prefix import read_prefix
from classifiers.signals import technical_signals

_HTML_HINT = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>|&[a-zA-Z]+;|&#\d+;")
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_UAI = re.compile(r"\b\d{7}[a-z]\b", re.IGNORECASE)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# An establishment: its kind, then a proper name (capitalised words, particles, hyphens,
# initials like "J. Mermoz"), then maybe its town after a comma, a dash or "à". Read on the
# text before case folding: the capitals tell a name ("lycée Jean Calvin") from ordinary
# words ("le lycée a un problème"), which stay.
_KIND = (
    r"(?i:coll[eè]ge|lyc[ée]e|cit[ée]\s+scolaire)"
    r"(?:\s+(?i:professionnel|polyvalent|agricole|horticole|g[ée]n[ée]ral|technologique|"
    r"priv[ée]|public))?"
    r"|LP|LGT|LPO|LEGT|EREA|SEP"
)
_CAPITALISED = r"(?:[A-ZÀ-Ý]\.\s?)*[A-ZÀ-Ý][a-zà-ÿ][\w’']*(?:-[\w’']+)*"
_PARTICLE = r"(?:(?i:de|du|des|la|le|les|d'|d’|l'|l’)\s*)"
_NOT_A_NAME = r"(?!(?:Bonjour|Merci|Cordialement|Bonne|Madame|Monsieur|Le|La|Les|De|Du|Des)\b)"
_NAME = rf"(?:{_PARTICLE}*{_NOT_A_NAME}{_CAPITALISED})"
ESTABLISHMENT = re.compile(
    rf"\b(?P<kind>{_KIND})\s+(?P<name>{_NAME}(?:[ \t]+(?:et[ \t]+)?{_NAME})*"
    rf"(?:(?:\s*,|\s+[-–]|\s+à)\s+{_CAPITALISED}(?=\s*(?:[.,;:()\]\n]|$)))?)"
)
# Spans that become one placeholder (for explanations, which show words only).
SPAN_PLACEHOLDERS = (_URL, _EMAIL, _UAI)
_ESTABLISHMENT_HINT = re.compile(r"(?i:coll|lyc|cit)|LP|LGT|LEGT|EREA|SEP")
_SPACES = re.compile(r"\s+")
_DIGIT = re.compile(r"\d")
# Pasted logs and mail threads add little after the first screenful and cost time.
MAX_CHARS = 3000
# Bump whenever normalize() changes what the model sees: cards of other versions are refused.
TEXT_VERSION = 3  # 3: person names as _personne_, technical signals as placeholders
_BLOCK_TAGS = frozenset(("p", "div", "br", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "pre"))
_SKIPPED_TAGS = frozenset(("script", "style"))


class _TextParser(HTMLParser):
    """Collects the text of an HTML fragment, a space at block boundaries, no scripts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _SKIPPED_TAGS:
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS and self._skip:
            self._skip -= 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def strip_html(text: str) -> str:
    """Plain text of an HTML fragment (the standard library's parser, tolerant of bad HTML;
    blocks end lines, as signatures need); text without markup is kept as is."""
    if not text or not _HTML_HINT.search(text):
        return text or ""
    parser = _TextParser()
    parser.feed(text)
    parser.close()
    return "".join(parser.parts)


def fold_accents(text: str) -> str:
    """Lower-case and remove accents; ``œ`` and ``æ`` become ``oe`` and ``ae``.

    Other characters outside ASCII (``€``, ``«``, emoji) carry no routing sense and go.
    """
    text = text.lower().replace("œ", "oe").replace("æ", "ae")
    if text.isascii():
        return text
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def establishments(text: str) -> str:
    """Replace establishment names by ``_etab_``, keeping their kind (before case folding)."""
    if not _ESTABLISHMENT_HINT.search(text):
        return text
    return ESTABLISHMENT.sub(lambda m: f"{m.group('kind')} _etab_", text)


def _number(match: re.Match) -> str:
    digits = sum(c.isdigit() for c in match.group(0))
    return f" _num{min(digits, 8)}_ "


def placeholders(text: str) -> str:
    """Replace links, e-mail addresses, UAI codes and numbers by placeholders (in lower-case
    text, as ``normalize`` gives it)."""
    # each pattern needs a character most tickets lack: skip the scans that cannot match
    if "http" in text or "www." in text:
        text = _URL.sub(" _url_ ", text)
    if "@" in text:
        text = _EMAIL.sub(" _email_ ", text)
    if not _DIGIT.search(text):
        return text
    text = _UAI.sub(" _uai_ ", text)
    return _NUMBER.sub(_number, text)


def normalize(text: str, *, signals: bool = True, names: bool = True) -> str:
    """HTML-free, folded, placeholder text with single spaces (establishments as ``_etab_``,
    person names as ``_personne_``, technical signals marked: ``classifiers.signals``).

    ``signals`` and ``names`` exist to measure what each step brings (``bench/``)."""
    text = establishments(strip_html(text))
    text = fold_accents(persons(text) if names else text)
    text = placeholders(technical_signals(text) if signals else text)
    return _SPACES.sub(" ", text).strip()


def model_text(title: str | None, description: str | None) -> str:
    """What the model reads: the title without its prefix, then the description."""
    return text_after_prefix(read_prefix(title or "").rest, description)


def text_after_prefix(rest: str, description: str | None) -> str:
    """``model_text`` from a title whose prefix is already removed (long texts cut)."""
    return normalize(f"{rest} . {(description or '')[:MAX_CHARS]}")
