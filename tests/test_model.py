"""The model card, refusing foreign or tampered models, and learning from requalifications."""

import json
import logging
from pathlib import Path

import pytest
import sklearn

from classifiers.model import (
    KINDS,
    ModelIntegrityError,
    ModelVersionError,
    file_sha256,
    list_cards,
    load_model,
)
from classifiers.policy import MIN_OVERRIDE_THRESHOLD, MIN_THRESHOLD, decide_proba
from classifiers.router import Router
from classifiers.text import TEXT_VERSION, model_text
from triage.config import get_settings, replace_settings
from triage.services.requalify import requalify
from triage.services.routing import classify
from triage.services.training import current_card, get_router, reset_router_cache, train


@pytest.fixture
def app_config(app_config, use_router):
    return use_router


def _newest(settings) -> Path:
    return list_cards(settings.model_dir)[0]


def test_card_describes_the_model(settings):
    card = current_card(settings=settings)
    path = _newest(settings)
    assert json.loads(path.read_text())["version"] == card["version"]
    assert card["model_sha256"] == file_sha256(path.parent / card["model_file"])
    assert card["libraries"]["scikit-learn"] == sklearn.__version__
    data = card["data"]
    assert data["tickets"] == data["SI2C"] + data["DRASI"] > 0
    assert len(data["hash"]) == 16 and data["origin"] == "shipped"
    cv = card["cv"]
    for key in ("model_accuracy", "routed_accuracy", "coverage", "macro_f1", "brier"):
        assert 0.0 <= cv[key] <= 1.0
    assert set(cv["candidates"]) == set(KINDS) and card["kind"] in cv["candidates"]
    assert card["data"]["blind_skipped"] == 0
    for part in ("validation", "test"):  # the blind parts, reported apart from CV
        figures = card["blind"][part]
        assert figures["n"] > 0 and 0.0 <= figures["coverage"] <= 1.0
        assert set(figures["by_prefix"]) == {"none", "right", "wrong"}
        assert {"hard", "normal"} <= set(figures["by_difficulty"])
    thresholds = card["thresholds"]
    assert "blind validation" in thresholds["chosen_on"]
    assert MIN_THRESHOLD <= thresholds["min_threshold"] <= thresholds["threshold"] <= 1.0
    assert MIN_OVERRIDE_THRESHOLD <= thresholds["override_threshold"] <= 1.0
    per_set = thresholds["per_set"]  # what the validation part and CV each asked for
    assert thresholds["threshold"] == max(*per_set["threshold"], MIN_THRESHOLD)
    assert cv["risk_coverage"] and cv["calibration"]


def test_thresholds_keep_their_floors_unless_a_setting_says_otherwise(settings):
    router = get_router(settings)
    old_card = {**router.card, "thresholds": {"threshold": 0.5, "override_threshold": 0.6}}
    old = Router(router.pipeline, old_card)  # a card written before the floors existed
    assert (old.threshold, old.override_threshold) == (MIN_THRESHOLD, MIN_OVERRIDE_THRESHOLD)
    low = {"threshold": 0.5, "override_threshold": 0.5, "min_threshold": 0.6}
    assert Router(router.pipeline, {**router.card, "thresholds": low}).threshold == 0.6
    chosen = Router(router.pipeline, router.card, threshold=0.55, override_threshold=0.6)
    assert (chosen.threshold, chosen.override_threshold) == (0.55, 0.6)  # the settings win
    # between the floors, an unsure model leaves a prefix-less ticket to a human
    unsure = [(None, p) for p in (0.35, 0.6, 0.69)] + [(None, 0.75)]
    decided = [
        decide_proba(
            prefix=prefix,
            proba_si2c=p,
            threshold=old.threshold,
            override_threshold=old.override_threshold,
        ).team
        for prefix, p in unsure
    ]
    assert decided == [None, None, None, "SI2C"]
    disputed = decide_proba(
        prefix="DRASI",
        proba_si2c=0.8,
        threshold=old.threshold,
        override_threshold=old.override_threshold,
    )
    # the model leans against the prefix but is not sure enough: an agent decides
    assert disputed.team is None and disputed.requalify and disputed.needs_review
    assert disputed.suggestion == "SI2C"


def test_a_model_of_another_sklearn_version_is_refused(caplog, settings):
    path = _newest(settings)
    good_version = json.loads(path.read_text())["version"]
    card = json.loads(path.read_text())
    card["libraries"]["scikit-learn"] = "0.24.2"
    path.write_text(json.dumps(card))
    with pytest.raises(ModelVersionError, match=r"scikit-learn 0\.24\.2.*triage train"):
        load_model(path)
    reset_router_cache()
    with caplog.at_level(logging.ERROR):
        router = get_router(settings)
    # the service falls back to a model built from the shipped corpus
    assert router.version != good_version
    assert router.card["data"]["origin"] == "shipped"
    assert "0.24.2" in caplog.text


def test_a_model_of_another_text_normalisation_is_refused(settings):
    path = _newest(settings)
    card = json.loads(path.read_text())
    assert card["text_version"] == TEXT_VERSION
    del card["text_version"]  # a card written before the normalisation was versioned
    path.write_text(json.dumps(card))
    with pytest.raises(ModelVersionError, match=r"text normalisation v1.*triage train"):
        load_model(path)


def test_a_model_file_the_card_does_not_describe_is_refused(settings):
    path = _newest(settings)
    model_file = path.parent / json.loads(path.read_text())["model_file"]
    model_file.write_bytes(model_file.read_bytes() + b"\0")
    with pytest.raises(ModelIntegrityError, match="hash"):
        load_model(path)


def test_a_model_without_its_card_is_never_loaded(settings):
    path = _newest(settings)
    path.unlink()
    reset_router_cache()
    router = get_router(settings)  # builds a fresh one instead
    assert router.version not in path.name
    assert len(list_cards(settings.model_dir)) == 1


PROBE = (
    "Le module Quasar ne reprend pas les pièces",
    "Depuis la mise à jour, le module Quasar "
    "ne reprend pas les pièces du lot Zéphyr, l'état Quasar reste orange.",
)
LIKE_PROBE = [
    ("Quasar : état orange sur le lot Zéphyr", "L'état Quasar reste orange pour le lot Zéphyr."),
    ("Module Quasar bloqué", "Le module Quasar bloque la reprise des pièces du lot Zéphyr."),
    ("Quasar lot Zéphyr", "Rien ne passe dans Quasar, lot Zéphyr toujours en orange."),
    ("Reprise Quasar", "La reprise Quasar des pièces Zéphyr ne se fait plus."),
    ("Quasar encore", "Le module Quasar et le lot Zéphyr : état orange, pièces non reprises."),
]


def _p_si2c(settings) -> float:
    return float(get_router(settings).proba_si2c([model_text(*PROBE)])[0])


def test_retraining_after_requalifications_changes_the_prediction(
    session, ticket_factory, settings
):
    before = _p_si2c(settings)
    wanted = "DRASI" if before >= 0.5 else "SI2C"  # the team the model does not pick
    for title, description in LIKE_PROBE:
        ticket = ticket_factory(title=title, description=description)
        requalify(
            session=session,
            settings=settings,
            ticket=ticket,
            team=wanted,
            actor="agent.test",
            comment="mauvaise équipe",
        )
    card = train(session=session, settings=settings, folds=3, quick=True)
    assert card["data"]["agents"] == len(LIKE_PROBE)
    assert card["data"]["origin"] == "shipped+agents"
    assert get_router(settings).version == card["version"]
    after = _p_si2c(settings)
    assert ("SI2C" if after >= 0.5 else "DRASI") == wanted
    line = classify(settings=settings, title=PROBE[0], description=PROBE[1], explain=True)
    assert line["team"] in (wanted, None)  # None: not yet sure enough to route alone
    assert any("quasar" in term or "zephyr" in term for term, _ in line["explanation"])


def test_training_never_sees_the_blind_set(app, session, tmp_path):
    from classifiers.corpus import BLIND_DIR, CorpusError, is_blind, read_jsonl

    blind = BLIND_DIR / "validation.jsonl"
    corpus = list(get_settings(app).router_corpus_files)
    settings = replace_settings(app, router_corpus_files=(*corpus, str(blind)))  # pointed at it
    card = train(session=session, settings=settings, folds=3, quick=True)
    blind_count = len(list(read_jsonl(blind)))
    assert card["data"]["blind_skipped"] == blind_count
    assert card["data"]["tickets"] == sum(len(list(read_jsonl(p))) for p in corpus)
    # renamed or re-identified, a blind ticket is still known by its text
    renamed = tmp_path / "renamed.jsonl"
    with open(renamed, "w", encoding="utf-8") as handle:
        for i, record in enumerate(read_jsonl(blind)):
            handle.write(json.dumps({**record, "id": f"x-{i}", "group": f"x-{i}"}) + "\n")
    assert all(is_blind(r) for r in read_jsonl(renamed))
    settings = replace_settings(app, router_corpus_files=(str(renamed),))
    with pytest.raises(CorpusError, match="blind"):
        train(session=session, settings=settings, folds=3, quick=True)
