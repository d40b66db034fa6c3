"""The shipped corpus: JSON Lines of labelled tickets, and a reproducible split by group.

A record: ``{"id", "group", "title", "description", "team", "prefix", "hard"}``; ``title``
is as the user typed it (prefix right, wrong or missing), ``prefix`` the team that prefix
means (None without one), ``group`` ties near-twins together so a split never separates
them.

Held-out fifth, reproducibly::

    python -m classifiers.corpus split --out /tmp/holdout.jsonl [--fold 0] [--seed opale]
"""

import argparse
import hashlib
import json
import re
import sys
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
# The blind set: tickets written apart from the corpus, never trained on (its README).
BLIND_DIR = DATA_DIR / "blind"
BLIND_PARTS = ("validation", "test", "independent")
_BLIND_ID = re.compile(r"^blind[A-Z]-")
TEAMS = ("SI2C", "DRASI")
DEFAULT_SEED = "opale"
FOLDS = 5


class CorpusError(ValueError):
    """A corpus line that is not a usable labelled ticket."""


def corpus_files(data_dir: Path = DATA_DIR) -> list[Path]:
    """The shipped corpus files, in a stable order."""
    return sorted(Path(data_dir).glob("*.jsonl"))


def read_jsonl(path: Path | str) -> Iterator[dict]:
    """The labelled records of one JSON Lines file (blank lines skipped)."""
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise CorpusError(f"{path}:{number}: not JSON ({exc.msg})") from exc
            if not isinstance(record, dict) or record.get("team") not in TEAMS:
                raise CorpusError(f"{path}:{number}: a labelled ticket needs team SI2C or DRASI")
            record.setdefault("id", f"{Path(path).stem}-{number}")
            record.setdefault("group", record["id"])
            yield record


def load_corpus(paths: Iterable[Path | str] | None = None) -> list[dict]:
    """Every record of the given files (default: the shipped corpus)."""
    records: list[dict] = []
    for path in corpus_files() if paths is None else paths:
        records.extend(read_jsonl(path))
    return records


def blind_part(name: str) -> list[dict]:
    """One part of the blind set (``validation``: for choices; ``test``: for reports only)."""
    if name not in BLIND_PARTS:
        raise ValueError(f"unknown blind part {name!r}: expected one of {BLIND_PARTS}")
    return list(read_jsonl(BLIND_DIR / f"{name}.jsonl"))


def _text_hash(record: dict) -> str:
    text = f"{(record.get('title') or '').strip()}\x1f{(record.get('description') or '').strip()}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@lru_cache(maxsize=1)
def _blind_hashes() -> frozenset[str]:
    """Text hashes of every blind ticket (empty when the blind files are not installed)."""
    hashes = set()
    for name in BLIND_PARTS:
        path = BLIND_DIR / f"{name}.jsonl"
        if path.is_file():
            hashes.update(_text_hash(record) for record in read_jsonl(path))
    return frozenset(hashes)


def is_blind(record: dict) -> bool:
    """A blind-set ticket, by its id or group (``blindA-``, ``blindB-``) or by its text."""
    if _BLIND_ID.match(str(record.get("id") or "")) or _BLIND_ID.match(
        str(record.get("group") or "")
    ):
        return True
    return _text_hash(record) in _blind_hashes()


def corpus_hash(records: Iterable[dict]) -> str:
    """A short hash of the labelled texts, to tell which data a model saw."""
    digest = hashlib.sha256()
    for record in records:
        line = "\x1f".join(str(record.get(k) or "") for k in ("title", "description", "team"))
        digest.update(line.encode("utf-8") + b"\n")
    return digest.hexdigest()[:16]


def fold_of(group: str, *, seed: str = DEFAULT_SEED, folds: int = FOLDS) -> int:
    """The fold of a group: a stable hash, the same on every machine and run."""
    digest = hashlib.sha256(f"{seed}:{group}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % folds


def group_split(
    records: list[dict], *, fold: int = 0, seed: str = DEFAULT_SEED, folds: int = FOLDS
) -> tuple[list[dict], list[dict]]:
    """(train, held-out): the held-out part is every group whose fold is ``fold``."""
    train, held = [], []
    for record in records:
        target = held if fold_of(str(record["group"]), seed=seed, folds=folds) == fold else train
        target.append(record)
    return train, held


def write_jsonl(records: Iterable[dict], handle) -> int:
    """Write records as JSON Lines; return how many."""
    count = 0
    for record in records:
        handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count


def main(argv: list[str] | None = None) -> int:
    """``split``: write the held-out fifth (or the rest with ``--train``) of the corpus."""
    parser = argparse.ArgumentParser(prog="python -m classifiers.corpus")
    sub = parser.add_subparsers(dest="command", required=True)
    split = sub.add_parser("split", help="write a held-out fold of the shipped corpus")
    split.add_argument("--out", default="-", help="output file (default: standard output)")
    split.add_argument("--fold", type=int, default=0)
    split.add_argument("--seed", default=DEFAULT_SEED)
    split.add_argument("--train", action="store_true", help="write the other folds instead")
    args = parser.parse_args(argv)
    train, held = group_split(load_corpus(), fold=args.fold, seed=args.seed)
    chosen = train if args.train else held
    if args.out == "-":
        count = write_jsonl(chosen, sys.stdout)
    else:
        with open(args.out, "w", encoding="utf-8") as handle:
            count = write_jsonl(chosen, handle)
    print(f"{count} tickets written", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
