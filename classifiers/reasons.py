"""A routing decision told in French: which words pushed where, the threshold, who decides.

The ingest stores the explanation at routing time and writes it to iTop; agents read it on
the ticket page. ``Explanation`` holds the facts, ``sentence`` renders them:

    Le modèle penche vers DRASI (confiance 66 %), sous le seuil de 70 % : laissé à un agent.
"""

from dataclasses import dataclass, field

from classifiers.policy import Decision


@dataclass(frozen=True)
class Explanation:
    """Why the router decided as it did, for one ticket."""

    leaning: str  # the model's team
    confidence: float  # the model's probability of that team (prefix not counted)
    threshold: float  # routing threshold in force
    override_threshold: float  # what the model needs to contradict a typed prefix
    terms: list = field(default_factory=list)  # [term, weight, team], heaviest first
    sentence: str = ""

    def stored(self) -> dict:
        """As a ticket keeps it (JSON): every field, the terms copied."""
        return {
            "leaning": self.leaning,
            "confidence": self.confidence,
            "threshold": self.threshold,
            "override_threshold": self.override_threshold,
            "terms": [list(term) for term in self.terms],
            "sentence": self.sentence,
        }

    def pairs(self, team: str | None = None) -> list[list]:
        """[term, weight] of the terms pushing towards ``team`` (default: the leaning)."""
        wanted = team or self.leaning
        return [[term, weight] for term, weight, side in self.terms if side == wanted]


def _pct(value: float) -> str:
    # "> 99 %" would be honest for 0.996; a sure 100 % only when it is
    return f"{min(round(value * 100), 99) if value < 1 else 100} %"


def _quoted(terms: list, team: str, count: int = 3) -> str:
    words = [f"« {term} »" for term, _, side in terms if side == team][:count]
    return ", ".join(words)


def sentence(
    *,
    prefix: str | None,
    decision: Decision,
    leaning: str,
    confidence: float,
    threshold: float,
    override_threshold: float,
    terms: list,
) -> str:
    """The French sentence that says why a ticket went where it went (or to a human)."""
    sure = f"confiance {_pct(confidence)}"
    if decision.team is None and prefix is None:
        head = (
            f"Le modèle penche vers {leaning} ({sure}), sous le seuil de "
            f"{_pct(threshold)} : laissé à un agent."
        )
    elif decision.team is None:
        head = (
            f"Préfixe {prefix}, mais le modèle penche vers {leaning} ({sure}), sous le seuil "
            f"de {_pct(override_threshold)} pour passer outre : laissé à un agent."
        )
    elif prefix is None:
        head = f"Le modèle attribue le ticket à {leaning} ({sure}, seuil {_pct(threshold)})."
    elif prefix == decision.team:
        head = f"Préfixe {prefix} confirmé par le contenu ({sure})."
    else:
        head = (
            f"Préfixe {prefix} contredit par le contenu : le modèle est sûr de {leaning} "
            f"({sure}, seuil {_pct(override_threshold)}) et le ticket va à {leaning}."
        )
    evidence = [
        f"mots en faveur de {team} : {quoted}"
        for team in (leaning, "DRASI" if leaning == "SI2C" else "SI2C")
        if (quoted := _quoted(terms, team))
    ]
    if not evidence:
        return head
    said = " ; ".join(evidence)
    return f"{head} {said[0].upper()}{said[1:]}."
