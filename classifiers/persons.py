"""Person names are no evidence: greetings, signatures and "Mme X" lose their names.

In a corpus written by a few people, the names in signatures follow a team by chance; on
real tickets they are noise, and an explanation that shows a surname as a reason is wrong.
Read on the text before case folding (capitals tell a name), names become ``_personne_``:
- after a civility: ``Mme Kerbrat``, ``M. DUPONT``, ``Madame Le Gall``;
- a known first name followed by a surname: ``Sandrine Kerbrat``, ``Marc Antoine Giordano``,
  ``Jean-Pierre MARTIN``; a known first name alone after a greeting or a closing formula
  (``Bonjour Sandrine,``, ``Merci, Karine``);
- the capitalised words that open a line after a closing formula (``Cordialement,\\nAlix
  Tanguy``), whatever the first name.
"""

import re

_FIRST_NAMES = """
adrien agnes alain alexandre alexandra alice aline alix amandine amelie anne annie
antoine arnaud audrey aurelie aurelien baptiste beatrice benedicte benjamin benoit
bernard bertrand brigitte bruno camille carole caroline catherine cecile celine chantal
charles charlotte christelle christian christine christophe claire clara claude
clement colette corinne cyril damien daniel danielle david delphine denis didier
dominique dorothee edith elisabeth elise elodie elsa emilie emmanuel emmanuelle eric
estelle etienne eugenie eve fabien fabienne fabrice fanny florence florian francis
franck francois francoise frederic frederique gabriel gael gaelle genevieve gerald gerard
gilles gisele guillaume guy helene henri herve hugues hugo isabelle jacqueline jacques
jean jeanne jeremy jerome joel johanna jonathan joseph josiane julie julien juliette
justine karine laetitia laura laure laurence laurent lea leo lionel lise louis louise
lucas lucie lucienne ludovic lydie magali manon marc marcel margot marie marine
marion martine mathieu mathilde matthieu maxime melanie michel michele micheline
mireille monique muriel myriam nadia nadine nathalie nicolas nicole noemie odile olivier
pascal pascale patricia patrick paul pauline philippe pierre quentin rachel raphael
regine remi renaud rene richard robert roger romain sabine sabrina samuel sandra
sandrine sebastien serge severine simon solene sophie stephane stephanie suzanne
sylvain sylvie thibault thierry thomas valerie vanessa veronique victor vincent
virginie xavier yann yannick yves yvette yvonne zoe therese gerard odette josette
maryse ginette paulette huguette mickael michael kevin anthony jessica jennifer melissa
ludivine coralie aurore oceane chloe emma ines jade lola sarah nina axel theo enzo nathan
helene agathe ambre anais apolline armelle blandine capucine clemence flavie gwenaelle
maelle marianne morgane nolwenn perrine sandrine solange tiphaine
"""
FIRST_NAMES = frozenset(_FIRST_NAMES.split())

PLACEHOLDER = "_personne_"
_UPPER = "A-ZÀ-Ý"
_LOWER = "a-zà-ÿ"
# A capitalised word or one in capitals ("Kerbrat", "KERBRAT", "Le-Gall", "N.")
_SURNAME = (
    rf"(?:[{_UPPER}][{_LOWER}'’]+(?:-[{_UPPER}][{_LOWER}'’]+)*"
    rf"|[{_UPPER}]{{2,}}(?:-[{_UPPER}]{{2,}})*|[{_UPPER}]\.)"
)
# "de", "du", "d'" in lower case; "Le", "La" only capitalised ("Monsieur le Principal")
_PARTICLE = r"(?:(?:de|du|d'|d’|Le|La|Van|Von|van|von)\s?)"
_CIVILITY = re.compile(
    rf"\b(?P<civ>M\.|Mr\.?|Mme|Mmes|Mlle|Melle|Madame|Monsieur)\s+"
    rf"(?P<name>(?:{_PARTICLE}?{_SURNAME})(?:[ \t]+{_PARTICLE}?{_SURNAME}){{0,2}})"
)
_CLOSING = (
    r"(?i:bien\s+cordialement|cordialement|cdlt|bien\s+a\s+vous|bien\s+à\s+vous|"
    r"salutations(?:\s+distinguées)?|respectueusement|merci(?:\s+(?:d'avance|par\s+avance|"
    r"beaucoup|à\s+vous|a\s+vous))?|bonne\s+(?:journée|journee|soirée|fin\s+de\s+journée))"
)
_SIGNATURE = re.compile(
    rf"(?P<closing>\b{_CLOSING})(?P<sep>[ \t]*[,.!]?[ \t]*\n\s*|[ \t]*[,.!][ \t]*)"
    rf"(?P<name>{_SURNAME}(?:[ \t]+{_PARTICLE}?{_SURNAME}){{0,2}})(?=\s*(?:[,.;:\n/(-]|$))"
)
_WORD = re.compile(rf"[{_UPPER}][{_LOWER}]+(?:-[{_UPPER}][{_LOWER}]+)?")
_FOLD = str.maketrans("àâäáãçéèêëíìîïñóòôöõúùûüýÿ", "aaaaaceeeeiiiinooooouuuuyy")


def _folded(word: str) -> str:
    return word.lower().translate(_FOLD)


def _is_first_name(word: str) -> bool:
    """A known first name, or two joined by a hyphen (``Jean-Pierre``)."""
    parts = _folded(word).split("-")
    return all(part in FIRST_NAMES for part in parts)


_FIRST_AND_SURNAME = re.compile(
    rf"\b(?P<first>{_WORD.pattern})(?P<rest>(?:[ \t]+{_WORD.pattern})?"
    rf"[ \t]+{_PARTICLE}?{_SURNAME})"
)
_GREETING_NAME = re.compile(
    rf"(?P<lead>\b(?i:bonjour|bonsoir|salut|merci|cordialement)[ \t]*[,!]?[ \t]+)"
    rf"(?P<first>{_WORD.pattern})(?=\s*(?:[,.!;:\n]|$))"
)


def _first_and_surname(match: re.Match) -> str:
    if not _is_first_name(match.group("first")):
        return match.group(0)
    return f" {PLACEHOLDER} "


def _greeting(match: re.Match) -> str:
    if not _is_first_name(match.group("first")):
        return match.group(0)
    return f"{match.group('lead')}{PLACEHOLDER}"


# A town after its postal code, in an address ("69002 Lyon", "60200 Compiègne")
_POSTAL_TOWN = re.compile(
    rf"(?P<code>\b\d{{5}})[ \t]+(?P<name>[{_UPPER}][\w'’]*(?:[ \t-]+(?:sur|sous|en|le|la|les|de)?"
    rf"[ \t-]*[{_UPPER}][\w'’]*)*)"
)
# In the last lines, a line that opens with two or three capitalised words and then a comma
# or its end is a signature ("Thérèse Lamotte, AC, lycée ..."), first name known or not.
_TAIL_LINES = 4
_SIGNATURE_LINE = re.compile(
    rf"(?m)^[ \t]*(?P<name>{_SURNAME}(?:[ \t]+{_PARTICLE}?{_SURNAME}){{1,2}})(?=[ \t]*(?:,|$))"
)


def _tail_start(text: str) -> int:
    """Where the last lines of a text begin."""
    start = len(text)
    for _ in range(_TAIL_LINES):
        start = text.rfind("\n", 0, max(start - 1, 0) or 0)
        if start < 0:
            return 0
    return start


def person_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of the person names of a text (for explanations, which blank them)."""
    spans = [m.span("name") for m in _CIVILITY.finditer(text)]
    spans += [m.span("name") for m in _SIGNATURE.finditer(text)]
    spans += [m.span() for m in _FIRST_AND_SURNAME.finditer(text) if _is_first_name(m["first"])]
    spans += [m.span("first") for m in _GREETING_NAME.finditer(text) if _is_first_name(m["first"])]
    tail = _tail_start(text)
    spans += [
        (tail + a, tail + b)
        for a, b in (m.span("name") for m in _SIGNATURE_LINE.finditer(text[tail:]))
    ]
    spans += [m.span("name") for m in _POSTAL_TOWN.finditer(text)]
    return sorted(spans)


def persons(text: str) -> str:
    """Replace person names by ``_personne_`` (before case folding)."""
    if not text:
        return text or ""
    text = _CIVILITY.sub(lambda m: f"{m.group('civ')} {PLACEHOLDER}", text)
    text = _SIGNATURE.sub(lambda m: f"{m.group('closing')}{m.group('sep')}{PLACEHOLDER}", text)
    text = _FIRST_AND_SURNAME.sub(_first_and_surname, text)
    text = _GREETING_NAME.sub(_greeting, text)
    tail = _tail_start(text)
    text = text[:tail] + _SIGNATURE_LINE.sub(PLACEHOLDER, text[tail:])
    return _POSTAL_TOWN.sub(lambda m: f"{m.group('code')} _ville_", text)
