"""Router fixtures: a sample of the shipped corpus and one model trained per test session."""

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from classifiers.corpus import load_corpus, read_jsonl

MINI = Path(__file__).resolve().parent.parent / "data" / "router_mini.jsonl"
PER_TEAM = 150


def _sample() -> list[dict]:
    """Up to PER_TEAM tickets per team from the shipped corpus, chosen by a stable hash."""
    records = load_corpus()
    chosen = []
    for team in ("SI2C", "DRASI"):
        of_team = [r for r in records if r["team"] == team]
        of_team.sort(key=lambda r: hashlib.sha256(str(r["id"]).encode()).hexdigest())
        chosen.extend(of_team[:PER_TEAM])
    if min(sum(r["team"] == t for r in chosen) for t in ("SI2C", "DRASI")) < 40:
        return list(read_jsonl(MINI))  # the shipped corpus is not there yet
    return chosen


@pytest.fixture(scope="session")
def router_corpus_file(tmp_path_factory) -> Path:
    """A small labelled corpus (JSON Lines) for fast training in tests."""
    path = tmp_path_factory.mktemp("router") / "corpus.jsonl"
    with open(path, "w", encoding="utf-8") as handle:
        for record in _sample():
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


@pytest.fixture(scope="session")
def router_models(tmp_path_factory, router_corpus_file) -> Path:
    """A model folder holding one model trained on the test corpus (once per session)."""
    from triage.config import Settings
    from triage.services.training import ensure_model, reset_router_cache

    directory = tmp_path_factory.mktemp("router-models")
    files = {"MODEL_DIR": str(directory), "ROUTER_CORPUS_FILES": [str(router_corpus_file)]}
    ensure_model(settings=Settings.from_mapping(files))
    reset_router_cache()
    return directory


@pytest.fixture
def use_router(app_config, router_models, router_corpus_file) -> dict:
    """Point the test's settings at a copy of the session's model and the test corpus."""
    from triage.services.training import reset_router_cache

    models = Path(app_config["INSTANCE_PATH"]) / "models"
    shutil.copytree(router_models, models)
    app_config.update(MODEL_DIR=str(models), ROUTER_CORPUS_FILES=[str(router_corpus_file)])
    yield app_config
    reset_router_cache()
