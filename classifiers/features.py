"""A faster ``char_wb`` TF-IDF vectorizer: each distinct word's n-grams are looked up once.

scikit-learn's ``char_wb`` analyzer builds every 3-5-gram of every word of every ticket in
Python, then looks each one up in the vocabulary: most of the time of ``triage classify``.
Tickets reuse the same few thousand words, so this vectorizer remembers, per word, the
vocabulary columns of its n-grams and builds the count matrix from those arrays. Fitting is
scikit-learn's own; the transform gives the same matrix (tested).
"""

import numpy as np
import scipy.sparse as sp
import sklearn.feature_extraction.text as sk_text
from sklearn.feature_extraction.text import TfidfVectorizer

CACHE_WORDS = 200_000  # a bound for long-running processes; cleared when reached
_EMPTY = np.zeros(0, dtype=np.int32)
# scikit-learn returns the sparse type its configuration asks for (matrix or array)
_align = getattr(sk_text, "_align_api_if_sparse", lambda matrix: matrix)


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


class CachedCharVectorizer(TfidfVectorizer):
    """``TfidfVectorizer(analyzer="char_wb")`` whose transform caches each word's columns."""

    def __getstate__(self) -> dict:
        """Pickle without the word cache (it is rebuilt on use)."""
        state = super().__getstate__()
        state.pop("_word_columns", None)
        return state

    def _columns(self, word: str) -> np.ndarray:
        """Vocabulary columns of a word's n-grams (repeats kept), remembered."""
        vocabulary = self.vocabulary_
        low, high = self.ngram_range
        found = [vocabulary[g] for g in word_char_ngrams(word, low, high) if g in vocabulary]
        columns = np.array(found, dtype=np.int32) if found else _EMPTY
        cache = self.__dict__.get("_word_columns")
        if cache is None or len(cache) >= CACHE_WORDS:
            # a new dict rather than clear(): other threads may be reading the old one
            cache = self.__dict__["_word_columns"] = {}
        cache[word] = columns
        return columns

    def _count_vocab(self, raw_documents, fixed_vocab):
        """Counts of the fitted vocabulary (cached per word); fitting is scikit-learn's."""
        if not fixed_vocab or self.analyzer != "char_wb":
            return super()._count_vocab(raw_documents, fixed_vocab)
        preprocess, decode = self.build_preprocessor(), self.decode
        pieces: list[np.ndarray] = []
        indptr = [0]
        for document in raw_documents:
            cached = self.__dict__.get("_word_columns") or {}
            found = []
            for word in preprocess(decode(document)).split():
                columns = cached.get(word)
                found.append(columns if columns is not None else self._columns(word))
            pieces.extend(found)
            indptr.append(indptr[-1] + sum(map(len, found)))
        indices = np.concatenate(pieces) if pieces else _EMPTY
        counts = sp.csr_matrix(
            (np.ones(len(indices), dtype=self.dtype), indices, np.array(indptr, dtype=np.int64)),
            shape=(len(indptr) - 1, len(self.vocabulary_)),
        )
        counts.sum_duplicates()  # repeated n-grams add up, columns sorted
        return self.vocabulary_, _align(counts)
