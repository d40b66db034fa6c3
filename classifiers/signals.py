"""Signals of a technical failure, as placeholders the model can learn whatever the wording.

A technical failure told in business words ("impossible de valider le mandat : ORA-01403")
is full of accounting nouns; what tells it apart is a short signal: an Oracle error, an
exception, an HTTP status, a time-out, a rights message. Each family becomes one placeholder,
next to the words (which stay), so that ``ORA-03113`` and ``ORA-00942``, ``erreur 502`` and
``Bad Gateway``, ``time-out`` and ``délai d'attente dépassé`` count as the same evidence:
- ``_ora_``: Oracle and database errors (``ORA-xxxxx``, ``SQLException``, ``deadlock``);
- ``_exception_``: exception names, stack traces (``NullPointerException``,
  ``java.lang.StackOverflowError``, ``Traceback``);
- ``_http_client_`` (4xx), ``_http_server_`` (5xx): HTTP statuses, by number after
  "erreur", "code" or "HTTP", or by name
  (``Internal Server Error``, ``Service Unavailable``, ``Forbidden``, ``Not Found``);
- ``_timeout_``: time-outs (``timeout``, ``time-out``, ``délai d'attente dépassé``,
  ``délai de connexion dépassé``, ``ne répond plus``);
- ``_droits_``: rights and access messages (``accès refusé``, ``droits insuffisants``,
  ``non autorisé``, ``access denied``, ``aucun profil``);
- ``_errtech_``: generic technical failures (``erreur technique``, ``erreur inattendue``,
  ``une erreur est survenue``, ``erreur interne``, ``plantage``).

Works on folded text (lower case, no accents), before the number placeholders.
"""

import re

_FAMILIES: tuple[tuple[str, re.Pattern], ...] = (
    (
        "_ora_",
        re.compile(
            r"\bora\s?-?\s?\d{3,5}\b|\bsql\s?exception\b|\bdeadlock\b|\bsqlstate\b"
            r"|\bpls\s?-\s?\d{3,5}\b"
        ),
    ),
    (
        "_exception_",
        re.compile(
            r"\b(?:[a-z_]+\.)*[a-z_]*(?:exception|error)\b(?<!\berror)"
            r"|\bstack\s?trace\b|\btraceback\b|\bnull\s?pointer\b"
        ),
    ),
    (
        "_http_server_",
        re.compile(
            r"\b(?:erreur|error|code|http|statut|status)\s*:?\s*5\d\d\b"
            r"|\binternal server error\b|\bbad gateway\b|\bservice (?:temporarily )?unavailable\b"
            r"|\bgateway time-?out\b"
        ),
    ),
    (
        "_http_client_",
        re.compile(
            r"\b(?:erreur|error|code|http|statut|status)\s*:?\s*4\d\d\b"
            r"|\bforbidden\b|\bnot found\b|\bunauthori[sz]ed\b|\bbad request\b"
        ),
    ),
    (
        "_timeout_",
        re.compile(
            r"\btime[\s-]?outs?\b|\btimed out\b|\bdelai (?:d'attente|de connexion|de reponse)"
            r"(?: (?:est |a ete )?(?:depasse|expire)e?s?)?|\bne repond (?:plus|pas)\b"
            r"|\bsession (?:a )?expiree?\b"
        ),
    ),
    (
        "_droits_",
        re.compile(
            r"\bacces (?:refuse|interdit|non autorise)e?s?\b|\baccess denied\b"
            r"|\bpermission denied\b|\bdroits? insuffisants?\b|\bnon autorisee?s?\b"
            r"|\bpas (?:les|des) droits\b|\baucun profil\b|\bpas habilite"
        ),
    ),
    (
        "_errtech_",
        re.compile(
            r"\berreur (?:technique|inattendue|interne|systeme|inconnue|fatale)\b"
            r"|\bune erreur (?:s'est produite|est survenue)\b|\bplant(?:e|age|ages|ent)\b"
        ),
    ),
)
PLACEHOLDERS = tuple(name for name, _ in _FAMILIES)
_HINT = re.compile(
    r"ora|exception|error|erreur|trace|null|http|code|statut|status|forbidden|found|unauth"
    r"|time|delai|repond|expir|acces|access|permission|droit|autoris|profil|habilit|plant"
    r"|deadlock|sql|pls|gateway|server|unavailable|request"
)


def technical_signals(text: str) -> str:
    """Add a family placeholder after each technical signal of folded text (words kept)."""
    if not _HINT.search(text):
        return text
    for name, pattern in _FAMILIES:
        text = pattern.sub(lambda m, name=name: f"{m.group(0)} {name} ", text)
    return text


def signal_spans(folded: str) -> list[tuple[str, int, int]]:
    """(placeholder, start, end) of each technical signal of folded text (offsets kept)."""
    if not _HINT.search(folded):
        return []
    return [(name, *m.span()) for name, pattern in _FAMILIES for m in pattern.finditer(folded)]
