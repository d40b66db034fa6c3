"""Model cards and model errors, without scikit-learn: what a process that neither routes
nor trains needs to know about saved models (the admin page, the CLI's start-up)."""

import json
from pathlib import Path

# Model kinds: a classifier, "+stem" for stemmed word n-grams (bench/compare_models.py).
CLASSIFIERS = ("svm", "logreg", "cnb")
ALL_KINDS = CLASSIFIERS + tuple(f"{k}+stem" for k in CLASSIFIERS)
KINDS = ("svm+stem",)  # the kind trained by default: the comparison's choice (docs/model.md)
CARD_FORMAT = 1
CARD_GLOB = "model-*.json"


class ModelError(RuntimeError):
    """A saved model that cannot be used."""


class ModelVersionError(ModelError):
    """A model saved by another scikit-learn version (it could predict wrongly)."""


class ModelIntegrityError(ModelError):
    """A model file this service did not write (missing card, wrong hash)."""


def read_card(card_path: Path | str) -> dict:
    """A model card (JSON)."""
    with open(card_path, encoding="utf-8") as handle:
        return json.load(handle)


def list_cards(directory: Path | str) -> list[Path]:
    """Model cards of a folder, newest first (versions sort by time)."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    return sorted(directory.glob(CARD_GLOB), key=lambda p: p.name, reverse=True)
