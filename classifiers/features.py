"""Feature helpers: the ``char_wb`` n-grams of a word (for explanations) and a French stemmer.

The vectorizers themselves are scikit-learn's own ``TfidfVectorizer`` (public API only): the
cached character vectorizer that overrode a private method is gone (see docs/model.md, Speed).
"""

import re
from functools import lru_cache

_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # the word vectorizer's token pattern


def word_char_ngrams(word: str, low: int, high: int) -> list[str]:
    """The ``char_wb`` n-grams of one word, as scikit-learn makes them (space-padded)."""
    padded = f" {word} "
    size = len(padded)
    grams = []
    for n in range(low, high + 1):
        if size <= n:
            grams.append(padded)  # a short word counts once, whole
            break
        grams.extend(padded[i : i + n] for i in range(size - n + 1))
    return grams


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    """The French Snowball stem of a folded word; placeholders (``_ora_``) stay whole."""
    if word.startswith("_"):
        return word
    return _stemmer().stemWord(word)


@lru_cache(maxsize=1)
def _stemmer():
    import snowballstemmer

    return snowballstemmer.stemmer("french")


class StemTokenizer:
    """Tokens of the word vectorizer, stemmed (a class, so the pipeline pickles)."""

    def __call__(self, text: str) -> list[str]:
        """The stems of a text's words of two characters or more."""
        return [stem(word) for word in _TOKEN.findall(text)]
