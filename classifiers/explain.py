"""Explanations an agent can read: the ticket's own words that pushed towards a team.

The model weighs folded word n-grams, character n-grams and placeholders; none of those is
worth showing as such (``_num1_``, ``um1``). Each feature's contribution (weight x value) is
given back to the words of the ticket that produced it: a word unigram to its occurrences,
a character n-gram shared among the words containing it, a word bigram to the pair. Words
are shown as typed (accents kept), short tool words and numbers are left out, and a pair or
a triple such as "mot de passe" is shown whole when the model weighed the phrase itself.
"""

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

import numpy as np
from sklearn.pipeline import Pipeline

from classifiers.features import word_char_ngrams
from classifiers.persons import person_spans
from classifiers.prefix import fold, read_prefix
from classifiers.signals import signal_spans
from classifiers.text import (
    ESTABLISHMENT,
    MAX_CHARS,
    SPAN_PLACEHOLDERS,
    fold_accents,
    strip_html,
)

_WORD = re.compile(r"\w+")
# Words that carry no meaning for an agent, even when the model leans on them a little.
_STOPWORDS = """a à au aux avec ce ces cet cette dans de des du elle en est et il ils je la le les
    leur lui ma me mes mon ne nous on ou où par pas pour qu que qui sa se ses son sur ta te
    tes ton tu un une vos votre vous y ai as ont sont été être avoir fait bien bonjour merci
    cordialement svp stp madame monsieur encore aussi depuis car mais donc plus très tout
    tous toute toutes ici cela ça comme si sans avons avez peut pouvez suis sommes êtes était
    rien moment minutes minute heure heures jour jours fois hier matin soir semaine toujours
    jamais déjà après avant quand comment pourquoi nos notre leurs ceci celle celui faire dit
    voudrais pourriez pouvoir besoin aide cordiales salutations remercie bonsoir bonne journée
    vois veux non oui alors puis dont chez entre sous même chaque environ collège lycée op
    opale""".split()
STOPWORDS = frozenset(fold_accents(word) for word in _STOPWORDS)


@dataclass
class _Token:
    surface: str
    key: str  # folded, as the model reads it
    start: int
    end: int
    score: float = 0.0


def _surface(title: str, description: str) -> str:
    """The text the model reads, before folding: links, addresses, UAI codes, establishment
    and person names blanked (an establishment keeps its kind: "collège")."""
    text = strip_html(f"{read_prefix(title or '').rest} . {(description or '')[:MAX_CHARS]}")
    text = ESTABLISHMENT.sub(lambda m: m.group("kind").ljust(len(m.group(0))), text)
    for start, end in person_spans(text):
        text = text[:start] + " " * (end - start) + text[end:]
    for pattern in SPAN_PLACEHOLDERS:
        text = pattern.sub(lambda m: " " * len(m.group(0)), text)
    return text


def _tokens(text: str) -> list[_Token]:
    """Word tokens as the model sees them (two characters or more, numbers as such)."""
    tokens = []
    for match in _WORD.finditer(text):
        key = fold_accents(match.group(0))
        if len(key) >= 2:
            tokens.append(_Token(match.group(0), key, match.start(), match.end()))
    return tokens


def _showable(token: _Token) -> bool:
    return token.key.isalpha() and token.key not in STOPWORDS


@dataclass(frozen=True)
class FeatureNames:
    """A model's feature names (``FeatureUnion.get_feature_names_out``) split once: each
    column's vectorizer ("word", "char"...) and term."""

    kinds: tuple[str, ...]
    kind_of: np.ndarray  # column -> its vectorizer's index in ``kinds``
    term_of: np.ndarray  # column -> its term (strings)

    @classmethod
    def of(cls, names) -> "FeatureNames":
        split = [str(name).partition("__") for name in names]
        kinds = tuple(dict.fromkeys(kind for kind, _, _ in split))
        index = {kind: i for i, kind in enumerate(kinds)}
        return cls(
            kinds,
            np.array([index[kind] for kind, _, _ in split], dtype=np.int16),
            np.array([term for _, _, term in split], dtype=object),
        )


def _contributions(weights: np.ndarray, names: FeatureNames, row, sign: float) -> dict:
    """{vectorizer name: {term: contribution}} of one ticket's feature row ((columns,
    values) of its non-zero features)."""
    columns, values = row
    contrib = weights[columns] * values * sign
    kinds = names.kind_of[columns]
    maps: dict[str, dict[str, float]] = {}
    for i, kind in enumerate(names.kinds):
        mine = kinds == i
        if mine.any():
            maps[kind] = dict(zip(names.term_of[columns[mine]].tolist(), contrib[mine].tolist(),
                                  strict=True))  # fmt: skip
    return maps


@lru_cache(maxsize=4096)  # the commonest words: about 8 MB when full
def _char_grams(key: str, low: int, high: int) -> tuple[str, ...]:
    return tuple(word_char_ngrams(key, low, high))


def _score_tokens(
    tokens: list[_Token], maps: dict, char_range: tuple[int, int] | None, word_key=None
) -> dict[tuple[int, int], float]:
    """Give each token its share of unigrams and char n-grams; return bigram contributions.

    ``word_key``: how the word vectorizer reads a folded word (a stemmer), if not as is."""
    words = maps.get("word", {})
    keys = [word_key(t.key) if word_key else t.key for t in tokens]
    unigram_counts = Counter(keys)
    for token, key in zip(tokens, keys, strict=True):
        token.score += words.get(key, 0.0) / unigram_counts[key]
    if char_range is not None:
        chars = maps.get("char", {})
        low, high = char_range
        # a word typed several times has the same n-grams, and the same share, each time
        repeats = Counter(t.key for t in tokens)
        counts: Counter = Counter()
        for key, times in repeats.items():
            for gram in _char_grams(key, low, high):
                counts[gram] += times
        shares = {key: sum(chars[g] / counts[g] for g in _char_grams(key, low, high)
                           if g in chars) for key in repeats}  # fmt: skip
        for token in tokens:
            token.score += shares[token.key]
    pairs = Counter(f"{a} {b}" for a, b in pairwise(keys))
    links = {}
    for i, (a, b) in enumerate(pairwise(keys)):
        pair = f"{a} {b}"
        if pair in words:
            links[(i, i + 1)] = words[pair] / pairs[pair]
    return links


def _score_signals(text: str, tokens: list[_Token], words: dict) -> None:
    """Give a technical signal's weight (``_ora_``...) to the words that told it: the
    placeholder is no word an agent reads, "ORA", "exception", "time-out" are."""
    spans = signal_spans(fold(text))
    matches = Counter(name for name, _, _ in spans)
    for name, start, end in spans:
        if name not in words:
            continue
        inside = [t for t in tokens if t.start < end and t.end > start and _showable(t)]
        for token in inside:
            token.score += words[name] / matches[name] / len(inside)


def _phrases(text: str, tokens: list[_Token], links: dict) -> list[tuple[str, str, float]]:
    """(surface, key, score) of the phrases the model weighed as such (2-3 words)."""
    found = []
    for i in range(len(tokens) - 1):
        for length in (2, 3):
            span = tokens[i : i + length]
            if len(span) < length or not (_showable(span[0]) and _showable(span[-1])):
                continue
            steps = [links.get((i + j, i + j + 1)) for j in range(length - 1)]
            if any(s is None or s <= 0 for s in steps):
                continue
            between = [text[a.end : b.start] for a, b in pairwise(span)]
            if any(gap.strip() not in ("", "'", "’", "-") for gap in between):
                continue  # a phrase is read across spaces or an apostrophe, not punctuation
            score = sum(steps) + sum(t.score for t in span)
            surface = text[span[0].start : span[-1].end]
            found.append((surface, " ".join(t.key for t in span), score))
    return found


def _display(surface: str) -> str:
    """Acronyms keep their capitals; other words are shown in lower case."""
    return " ".join(w if len(w) > 1 and w.isupper() else w.lower() for w in surface.split(" "))


def char_ngram_range(pipeline: Pipeline) -> tuple[int, int] | None:
    """The n-gram range of the pipeline's character vectorizer (None without one)."""
    vectorizers = dict(pipeline.named_steps["features"].transformer_list)
    return tuple(vectorizers["char"].ngram_range) if "char" in vectorizers else None


def ranked_terms(
    *,
    weights: np.ndarray,
    names: np.ndarray,
    char_range: tuple[int, int] | None,
    title: str,
    description: str,
    row,
    team: str,
    word_key=None,
) -> list[tuple[str, str, float]]:
    """(surface, folded key, score towards ``team``) of the ticket's words, phrases and
    technical signals, heaviest first (negative scores push towards the other team)."""
    sign = 1.0 if team == "SI2C" else -1.0
    text = _surface(title, description)
    tokens = _tokens(text)
    maps = _contributions(weights, names, row, sign)
    links = _score_tokens(tokens, maps, char_range, word_key)
    _score_signals(text, tokens, maps.get("word", {}))
    surfaces: dict[str, str] = {}
    totals: dict[str, float] = defaultdict(float)
    for token in tokens:
        if _showable(token):
            totals[token.key] += token.score
            known = surfaces.get(token.key)
            # the accented spelling reads better when the ticket has both
            if known is None or (known.isascii() and not token.surface.isascii()):
                surfaces[token.key] = token.surface
    ranked = [(surfaces[key], key, score) for key, score in totals.items()]
    ranked += _phrases(text, tokens, links)
    ranked.sort(key=lambda item: -item[2])
    return ranked


def top_terms(ranked: list[tuple[str, str, float]], k: int = 8) -> list[list]:
    """The ``k`` heaviest positive terms, each word shown once ([term, weight] pairs)."""
    chosen, covered = [], set()
    for surface, key, score in ranked:
        if score <= 0 or len(chosen) >= k:
            break
        words = set(key.split(" ")) - STOPWORDS
        if words & covered:
            continue  # already shown, inside a phrase or as a word
        covered |= words
        chosen.append([_display(surface), round(score, 4)])
    return chosen


def explain_terms(*, k: int = 8, **ticket) -> list[list]:
    """The words and phrases of the ticket that weighed most towards ``team``, heaviest first.

    ``weights``: the linear weight of each feature towards SI2C; ``names``: the features'
    names (``FeatureNames``); ``row``: the ticket's feature row.
    """
    return top_terms(ranked_terms(**ticket), k)


def explain_both(*, k: int = 8, **ticket) -> list[list]:
    """[term, weight, team] for the words pushing towards either team, heaviest first."""
    ranked = ranked_terms(**{**ticket, "team": "SI2C"})
    si2c = top_terms(ranked, k)
    drasi = top_terms([(s, key, -score) for s, key, score in reversed(ranked)], k)
    both = [[t, w, "SI2C"] for t, w in si2c] + [[t, w, "DRASI"] for t, w in drasi]
    return sorted(both, key=lambda item: -item[1])[:k]
