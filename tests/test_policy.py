"""The decision policy: each branch, the thresholds as parameters, sane confidences."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from classifiers.policy import decide, decide_proba

T, O9 = 0.8, 0.9


def test_prefix_and_model_agree():
    d = decide(
        prefix="SI2C", model_team="SI2C", model_proba=0.6, threshold=T, override_threshold=O9
    )
    assert (d.team, d.source, d.requalify, d.needs_review) == ("SI2C", "prefix+model", False, False)
    # the prefix is a second witness: more sure than the model alone
    assert 0.6 < d.confidence <= 1.0


def test_no_prefix_sure_model_routes():
    d = decide(
        prefix=None, model_team="DRASI", model_proba=0.85, threshold=T, override_threshold=O9
    )
    assert (d.team, d.source, d.requalify, d.needs_review) == ("DRASI", "model", False, False)
    assert d.confidence == pytest.approx(0.85)


def test_no_prefix_unsure_model_leaves_it_to_a_human():
    d = decide(
        prefix=None, model_team="DRASI", model_proba=0.79, threshold=T, override_threshold=O9
    )
    assert d.team is None
    assert d.needs_review and not d.requalify


def test_threshold_is_inclusive_and_a_parameter():
    routed = decide(
        prefix=None, model_team="SI2C", model_proba=0.7, threshold=0.7, override_threshold=O9
    )
    held = decide(
        prefix=None, model_team="SI2C", model_proba=0.7, threshold=0.71, override_threshold=O9
    )
    assert routed.team == "SI2C" and held.team is None


def test_disagreement_with_a_very_sure_model_overrides_the_prefix():
    d = decide(
        prefix="SI2C", model_team="DRASI", model_proba=0.95, threshold=T, override_threshold=O9
    )
    assert (d.team, d.source, d.requalify, d.needs_review) == ("DRASI", "model", True, False)
    assert "SI2C" in d.reason


def test_disagreement_with_an_unsure_model_goes_to_a_human():
    d = decide(
        prefix="DRASI", model_team="SI2C", model_proba=0.85, threshold=T, override_threshold=O9
    )
    # not sent to the prefixed team: left to an agent, with the model's suggestion
    assert (d.team, d.source, d.requalify, d.needs_review) == (None, "model", True, True)
    assert d.suggestion == "SI2C"
    assert d.confidence == pytest.approx(0.85)
    assert "DRASI" in d.reason and "agent" in d.reason


def test_every_decision_carries_the_models_suggestion():
    for prefix in (None, "SI2C", "DRASI"):
        for p in (0.05, 0.4, 0.6, 0.97):
            d = decide_proba(prefix=prefix, proba_si2c=p, threshold=T, override_threshold=O9)
            assert d.suggestion == ("SI2C" if p >= 0.5 else "DRASI")


def test_override_threshold_is_a_parameter():
    low = decide(
        prefix="DRASI", model_team="SI2C", model_proba=0.85, threshold=T, override_threshold=0.85
    )
    assert low.team == "SI2C" and low.requalify


def test_decide_proba_reads_the_probability_of_si2c():
    assert decide_proba(prefix=None, proba_si2c=0.9, threshold=T).team == "SI2C"
    assert decide_proba(prefix=None, proba_si2c=0.1, threshold=T).team == "DRASI"
    assert decide_proba(prefix=None, proba_si2c=0.5, threshold=T).team is None


@given(
    prefix=st.sampled_from([None, "SI2C", "DRASI"]),
    p=st.floats(0.0, 1.0),
    threshold=st.floats(0.5, 1.0),
    override=st.floats(0.5, 1.0),
    reliability=st.floats(0.05, 0.95),
)
def test_every_decision_is_consistent(prefix, p, threshold, override, reliability):
    d = decide_proba(
        prefix=prefix,
        proba_si2c=p,
        threshold=threshold,
        override_threshold=override,
        prefix_reliability=reliability,
    )
    model_team = "SI2C" if p >= 0.5 else "DRASI"
    assert 0.0 <= d.confidence <= 1.0
    assert d.team in {prefix, model_team, None}
    assert d.source in {"prefix", "model", "prefix+model"}
    assert d.requalify == (prefix is not None and prefix != model_team)
    if prefix is not None and d.team is not None:
        assert d.team == prefix or d.team == model_team
    if prefix is not None and prefix != model_team:
        # never obeyed against the text: overridden when very sure, else left to a human
        assert d.team == (model_team if max(p, 1 - p) >= override else None)
    if d.team is None:
        assert d.needs_review
    assert d.suggestion == model_team
    assert d.reason
