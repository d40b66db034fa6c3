"""The decision policy: one function turns a prefix and the model's opinion into a route."""

from dataclasses import dataclass

TEAMS = ("SI2C", "DRASI")

# Default thresholds, used only when no model card gives cross-validated ones.
DEFAULT_THRESHOLD = 0.8
DEFAULT_OVERRIDE_THRESHOLD = 0.9
# Floors under the cross-validated thresholds: a two-team model always has a probability of at
# least 0.5, so a threshold that low routes everything and nothing is left to a human when
# the model is unsure. Contradicting what the user typed asks for a model "very sure".
MIN_THRESHOLD = 0.70
MIN_OVERRIDE_THRESHOLD = 0.85
# Share of typed prefixes that name the right team (the desk's figure: three in four).
DEFAULT_PREFIX_RELIABILITY = 0.75


@dataclass(frozen=True)
class Decision:
    """A route: the team (None: left to a human), how sure, why, and what to flag."""

    team: str | None
    confidence: float
    source: str  # "prefix", "model" or "prefix+model"
    requalify: bool  # the typed prefix is probably wrong
    needs_review: bool  # a human should look at it
    reason: str  # short French reason, shown to agents
    suggestion: str | None = None  # the model's team (also when the ticket is left to a human)


def _combine(p_team: float, prefix_says_team: bool, reliability: float) -> float:
    """Probability of a team once the prefix is known (Bayes, prefix as a noisy witness)."""
    like = reliability if prefix_says_team else 1.0 - reliability
    other = (1.0 - reliability) if prefix_says_team else reliability
    num = p_team * like
    den = num + (1.0 - p_team) * other
    return num / den if den > 0 else p_team


def decide(
    *,
    prefix: str | None,
    model_team: str,
    model_proba: float,
    threshold: float = DEFAULT_THRESHOLD,
    override_threshold: float = DEFAULT_OVERRIDE_THRESHOLD,
    prefix_reliability: float = DEFAULT_PREFIX_RELIABILITY,
) -> Decision:
    """Route a ticket from its typed prefix and the model's team and probability.

    - prefix and model agree: that team, source ``prefix+model``;
    - no prefix: the model's team when its probability reaches ``threshold``, else no team
      (``UNASSIGNED``, ``needs_review``);
    - prefix and model disagree: the model's team when its probability reaches
      ``override_threshold`` (source ``model``, ``requalify``), else no team: left to a human
      with ``requalify`` and ``needs_review`` (obeying the prefix was the most frequent error).

    ``suggestion`` is the model's team; the confidence its probability, combined (Bayes,
    ``prefix_reliability``) with the prefix when both name the same team.
    """
    sure = model_proba >= threshold
    if prefix is None:
        reason = "contenu du ticket" if sure else "modèle pas assez sûr"
        return Decision(
            model_team if sure else None, model_proba, "model", False, not sure, reason, model_team
        )
    if prefix == model_team:
        confidence = _combine(model_proba, True, prefix_reliability)
        reason = "préfixe confirmé par le contenu"
        return Decision(prefix, confidence, "prefix+model", False, False, reason, model_team)
    if model_proba >= override_threshold:
        reason = f"préfixe {prefix} contredit par le contenu"
        return Decision(model_team, model_proba, "model", True, False, reason, model_team)
    reason = f"préfixe {prefix} mis en doute par le contenu : laissé à un agent"
    return Decision(None, model_proba, "model", True, True, reason, model_team)


def decide_proba(
    *,
    prefix: str | None,
    proba_si2c: float,
    threshold: float = DEFAULT_THRESHOLD,
    override_threshold: float = DEFAULT_OVERRIDE_THRESHOLD,
    prefix_reliability: float = DEFAULT_PREFIX_RELIABILITY,
) -> Decision:
    """``decide`` from the model's probability of SI2C (two teams)."""
    model_team = "SI2C" if proba_si2c >= 0.5 else "DRASI"
    p = proba_si2c if model_team == "SI2C" else 1.0 - proba_si2c
    return decide(
        prefix=prefix,
        model_team=model_team,
        model_proba=p,
        threshold=threshold,
        override_threshold=override_threshold,
        prefix_reliability=prefix_reliability,
    )
