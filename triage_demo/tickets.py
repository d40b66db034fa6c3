"""The demo's tickets: the sandbox's generator fed with the texts of the labelled corpus."""

import datetime as dt
from typing import Any

from classifiers.corpus import load_corpus
from classifiers.prefix import read_prefix
from connectors.itop.sandbox.data import Text, synthetic_tickets

SEED = 2026


def corpus_texts() -> list[Text]:
    """(team, title without its prefix, description) of every ticket of the shipped corpus."""
    texts = []
    for record in load_corpus():
        title = str(record.get("title") or "")
        while (reading := read_prefix(title)).team:  # "RE: [SI2C] DRASI ..." has two
            title = reading.rest
        if title.strip():
            texts.append((record["team"], title, record.get("description") or ""))
    return texts


def demo_tickets(count: int, *, now: dt.datetime, seed: int = SEED) -> list[dict[str, Any]]:
    """Ticket specs over the last 90 days, last changed at random times as on a real desk."""
    return synthetic_tickets(
        count, now=now, seed=seed, texts=corpus_texts() or None, changed_now=False
    )
