"""Training the router and loading it once per process.

Data: the corpus shipped in ``classifiers/data`` plus every agent's requalification (the
ticket's text labelled with the team the agent chose; an agent's label wins over the corpus
for the same text). Models live in ``MODEL_DIR`` (``instance/models``) beside JSON cards.
"""

import copy
import logging
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, select

from classifiers.cards import KINDS, ModelError, list_cards, read_card
from classifiers.corpus import corpus_hash, load_corpus, read_jsonl
from classifiers.text import normalize, strip_html
from triage.config import Settings
from triage.models import ROUTABLE_TEAMS, RoutingDecision, Ticket

if TYPE_CHECKING:  # scikit-learn is imported where a model is fitted or loaded, not before
    from classifiers.router import Router

log = logging.getLogger(__name__)

AGENT_WEIGHT = 3.0  # an agent's decision is fresher and closer to real tickets than the corpus
KEEP_MODELS = 5
_lock = threading.Lock()
_cache: dict[tuple, tuple[str, "Router"]] = {}
_refused: dict[str, str] = {}
_shipped: dict[str, tuple[Any, dict]] = {}  # corpus hash -> the shipped-corpus fit
_FILE_KEYS = ("version", "card_file", "model_file", "model_sha256", "format", "libraries")


def model_dir(settings: Settings) -> Path:
    """The folder of saved models."""
    return settings.model_dir


def corpus_records(settings: Settings) -> list[dict]:
    """The shipped corpus (``ROUTER_CORPUS_FILES`` may name other files, for tests)."""
    return load_corpus(settings.router_corpus_files)


def agent_records(*, session: Session) -> list[dict]:
    """Each ticket an agent requalified, labelled with the agent's latest team for it."""
    rows = session.exec(
        select(RoutingDecision, Ticket)
        .join(Ticket, Ticket.id == RoutingDecision.ticket_id)
        .where(RoutingDecision.source == "agent")
        .order_by(RoutingDecision.at, RoutingDecision.id)
    ).all()
    latest: dict[int, dict] = {}
    for decision, ticket in rows:
        if decision.to_team not in ROUTABLE_TEAMS:
            latest.pop(ticket.id, None)  # sent elsewhere (national): no label for the router
            continue
        latest[ticket.id] = {
            "id": f"ticket-{ticket.ref}",
            "group": f"ticket-{ticket.ref}",
            "title": ticket.title or "",
            "description": ticket.description or strip_html(ticket.description_html or ""),
            "team": decision.to_team,
        }
    return list(latest.values())


def _text_key(record: dict) -> str:
    return normalize(f"{record.get('title') or ''} {record.get('description') or ''}")


def training_set(
    corpus: list[dict], agents: list[dict], exclude: Iterable[dict] = ()
) -> tuple[list[dict], list[float]]:
    """Corpus + agents' examples (agents win on the same text), minus ``exclude``."""
    excluded = list(exclude)
    ids = {str(r.get("id")) for r in excluded} | {str(r.get("group")) for r in excluded}
    texts = {_text_key(r) for r in excluded}
    agent_texts = {_text_key(r) for r in agents}
    records, weights = [], []
    for record in corpus:
        key = _text_key(record)
        if str(record.get("group")) in ids or str(record.get("id")) in ids or key in texts:
            continue
        if key in agent_texts:
            continue  # the agent's label replaces the corpus's
        records.append(record)
        weights.append(1.0)
    for record in agents:
        if _text_key(record) not in texts:
            records.append(record)
            weights.append(AGENT_WEIGHT)
    return records, weights


def train(
    *,
    session: Session,
    settings: Settings,
    progress: bool = False,
    exclude_file: str | None = None,
    kinds: tuple[str, ...] = KINDS,
    folds: int = 5,
    quick: bool = False,
) -> dict:
    """Retrain on the shipped corpus plus agents' decisions; save; return the card.

    ``quick`` fits the vocabulary once for all folds (seconds instead of a minute).
    """
    from classifiers.fitting import without_blind
    corpus = corpus_records(settings)
    agents = agent_records(session=session)
    excluded = list(read_jsonl(exclude_file)) if exclude_file else []
    records, weights = training_set(corpus, agents, excluded)
    # the blind set is never trained on, even when the corpus files point at it
    records, weights, skipped = without_blind(records, weights)
    data = _data_summary(weights, skipped, excluded, exclude_file)
    return _fit_and_save(
        settings,
        records,
        weights,
        kinds=kinds,
        progress=progress,
        origin="shipped+agents" if agents else "shipped",
        data=data,
        folds=folds,
        quick=quick,
    )


def _data_summary(weights: list[float], skipped: int, excluded: list[dict],
                  exclude_file: str | None) -> dict:
    """What the model was trained on, for its card: corpus, agents, blind and excluded."""
    data = {
        "corpus": sum(w == 1.0 for w in weights),
        "agents": sum(w != 1.0 for w in weights),
        "blind_skipped": skipped,
    }
    if excluded:
        data["excluded"] = {
            "file": Path(exclude_file).name,
            "tickets": len(excluded),
            "hash": corpus_hash(excluded),
        }
    return data


def _fit_and_save(
    settings: Settings,
    records: list[dict],
    weights: list[float],
    *,
    kinds: tuple[str, ...],
    progress: bool,
    origin: str,
    folds: int = 5,
    data: dict | None = None,
    quick: bool = False,
) -> dict:
    """Cross-validate, fit and save a model; return its card."""
    from classifiers.fitting import fit_router
    from classifiers.model import save_model
    bar = None
    on_step: Callable[[str], None] | None = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(kinds) * folds + 1, desc="entraînement", unit="étape")

        def on_step(label: str) -> None:
            bar.set_postfix_str(label)
            bar.update(1)

    try:
        pipeline, card = fit_router(
            records, weights=weights, kinds=kinds, folds=folds, on_step=on_step, quick=quick
        )
    finally:
        if bar is not None:
            bar.close()
    card["data"].update(origin=origin, **(data or {}))
    card_path = save_model(pipeline, card, model_dir(settings))
    card["card_file"] = card_path.name
    _prune(settings)
    reset_router_cache()
    log.info("model %s saved (%s, %d tickets)", card["version"], card["kind"], len(records))
    return card


def _prune(settings: Settings) -> None:
    """Keep the newest models only (a model is a few megabytes)."""
    for card_path in list_cards(model_dir(settings))[KEEP_MODELS:]:
        try:
            name = read_card(card_path).get("model_file")
            if name:
                (card_path.parent / Path(name).name).unlink(missing_ok=True)
        except (OSError, ValueError):
            pass
        card_path.unlink(missing_ok=True)


def current_card(*, settings: Settings) -> dict | None:
    """The card of the model the service uses now (None when there is none)."""
    try:
        return get_router(settings, build=False).card
    except ModelError:
        return None


def ensure_model(*, settings: Settings) -> dict:
    """The card of a usable model, building one from the shipped corpus when none is there."""
    from classifiers.model import load_model, save_model
    card = current_card(settings=settings)
    if card is not None:
        return card
    records = corpus_records(settings)
    key = corpus_hash(records)
    built = _shipped.get(key)
    if built is not None:
        # the same corpus was fitted earlier in this process: save that fit again
        pipeline, fitted = built
        card = save_model(pipeline, copy.deepcopy(fitted), model_dir(settings))
        reset_router_cache()
        return read_card(card)
    # one vocabulary for all folds: a good model in seconds
    card = _fit_and_save(
        settings,
        records,
        [1.0] * len(records),
        kinds=KINDS,
        progress=False,
        origin="shipped",
        quick=True,
    )
    pipeline, _ = load_model(model_dir(settings) / card["card_file"])
    fitted = {k: v for k, v in card.items() if k not in _FILE_KEYS}
    _shipped.clear()
    _shipped[key] = (pipeline, fitted)
    return card


def reset_router_cache() -> None:
    """Forget loaded models (after training, or in tests)."""
    with _lock:
        _cache.clear()
        _refused.clear()


def get_router(settings: Settings, *, build: bool = True) -> "Router":
    """The newest good model of ``MODEL_DIR``, loaded once per process (per model)."""
    from classifiers.model import load_model
    from classifiers.router import Router
    directory = model_dir(settings)
    key = (str(directory), settings.router_threshold, settings.router_override_threshold)
    with _lock:
        cards = [c for c in list_cards(directory) if str(c) not in _refused]
        cached = _cache.get(key)
        if cached and cards and cached[0] == str(cards[0]):
            return cached[1]
        for card_path in cards:
            try:
                pipeline, card = load_model(card_path)
            except ModelError as exc:
                _refused[str(card_path)] = str(exc)
                log.error("model refused: %s", exc)
                continue
            router = Router(
                pipeline,
                card,
                threshold=settings.router_threshold,
                override_threshold=settings.router_override_threshold,
            )
            _cache[key] = (str(card_path), router)
            return router
        refused = "; ".join(_refused.values())
    if not build:
        raise ModelError("no usable model" + (f" ({refused})" if refused else ""))
    log.warning("no usable model in %s: building one from the shipped corpus", directory)
    ensure_model(settings=settings)
    return get_router(settings, build=False)


def evaluate_file(*, settings: Settings, path: str) -> dict:
    """The current router and prefix-only routing measured on a labelled JSON Lines file."""
    from classifiers.evaluate import prefix_only_outputs, summarize
    records = list(read_jsonl(path))
    router = get_router(settings)
    outputs = router.classify_many(records)
    excluded = (router.card.get("data") or {}).get("excluded") or {}
    return {
        "model_version": router.version,
        "file": str(path),
        "held_out": excluded.get("hash") == corpus_hash(records),
        "router": summarize(records, outputs),
        "prefix_only": summarize(records, prefix_only_outputs(records)),
    }
