"""What the words of a sentence say about each tool: a linear model over word 1–2-grams and
character 2–5-grams (TF-IDF), fitted by scikit-learn on what people say for each tool (the
training corpus, `tools/utterances/*.yaml`), and scored here with plain numpy.

Fitting takes a few seconds and needs scikit-learn, which takes seconds to import; scoring must
take a millisecond. So the fitted model is exported as arrays (vocabulary, idf, coefficients) and
cached on disk under a hash of the corpus: the first start fits, every later one loads.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np

log = logging.getLogger("aitickets.voice")

# Bump when the features or the fit change: a cached model of another version is refitted.
VERSION = "text-3"
C = 10.0  # little regularisation: the corpus is small and every sentence in it was meant
NONE = "_none"  # the class of sentences that ask for no tool at all
_WORD = re.compile(r"(?u)\b\w\w+\b")
_SPACES = re.compile(r"\s\s+")


def _words(text: str) -> list[str]:
    tokens = _WORD.findall(text.lower())
    return tokens + [f"{a} {b}" for a, b in pairwise(tokens)]


def _chars(text: str) -> list[str]:
    """sklearn's `char_wb` analyzer, 2–5: n-grams inside each word padded with spaces."""
    grams: list[str] = []
    for word in _SPACES.sub(" ", text.lower()).split():
        padded = f" {word} "
        size = len(padded)
        for n in range(2, 6):
            grams.extend(padded[i : i + n] for i in range(size - n + 1))
            if n >= size:
                break
    return grams


@dataclass(frozen=True)
class TextModel:
    """The exported fit: per analyzer a vocabulary and idf; one coefficient row per class."""

    classes: tuple[str, ...]
    word_vocab: Mapping[str, int]
    word_idf: np.ndarray
    char_vocab: Mapping[str, int]
    char_idf: np.ndarray
    coef: np.ndarray  # (n_word + n_char, n_classes)
    intercept: np.ndarray

    def _part(
        self, grams: list[str], vocab: Mapping[str, int], idf: np.ndarray
    ) -> dict[int, float]:
        counts: dict[int, float] = {}
        for gram in grams:
            index = vocab.get(gram)
            if index is not None:
                counts[index] = counts.get(index, 0.0) + 1.0
        if not counts:
            return {}
        weights = {i: (1.0 + np.log(c)) * idf[i] for i, c in counts.items()}  # sublinear tf
        norm = float(np.sqrt(sum(w * w for w in weights.values())))
        return {i: w / norm for i, w in weights.items()}

    def scores(self, text: str) -> dict[str, float]:
        """Every class's margin for one sentence (above 0: the words say this class)."""
        words = self._part(_words(text), self.word_vocab, self.word_idf)
        offset = len(self.word_idf)
        chars = self._part(_chars(text), self.char_vocab, self.char_idf)
        indices = list(words) + [offset + i for i in chars]
        values = np.fromiter([*words.values(), *chars.values()], dtype=np.float64)
        logits = self.intercept.copy()
        if indices:
            logits += values @ self.coef[indices]
        return dict(zip(self.classes, logits.tolist(), strict=True))


def corpus_hash(corpus: Mapping[str, Sequence[str]]) -> str:
    blob = json.dumps({k: list(v) for k, v in sorted(corpus.items())}, sort_keys=True)
    return hashlib.sha256(f"{VERSION}\n{blob}".encode()).hexdigest()[:16]


def fit(corpus: Mapping[str, Sequence[str]]) -> TextModel:
    """Fit on {class: sentences}. Deterministic: the same corpus gives the same model."""
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    texts = [t for sentences in corpus.values() for t in sentences]
    labels = [c for c, sentences in corpus.items() for _ in sentences]
    word = TfidfVectorizer(analyzer=_words, sublinear_tf=True, min_df=1)
    char = TfidfVectorizer(analyzer=_chars, sublinear_tf=True, min_df=2)
    x = hstack([word.fit_transform(texts), char.fit_transform(texts)]).tocsr()
    # A linear SVM: ~3 s on 4,000 sentences here where a logistic regression takes minutes.
    model = LinearSVC(C=C, random_state=0)
    model.fit(x, labels)
    return TextModel(
        classes=tuple(str(c) for c in model.classes_),
        word_vocab={k: int(v) for k, v in word.vocabulary_.items()},
        word_idf=np.asarray(word.idf_, dtype=np.float64),
        char_vocab={k: int(v) for k, v in char.vocabulary_.items()},
        char_idf=np.asarray(char.idf_, dtype=np.float64),
        coef=np.ascontiguousarray(model.coef_.T, dtype=np.float64),
        intercept=np.asarray(model.intercept_, dtype=np.float64),
    )


def _save(model: TextModel, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp.npz")
    np.savez_compressed(
        partial,
        classes=np.array(model.classes),
        word_terms=np.array(list(model.word_vocab)),
        word_index=np.array(list(model.word_vocab.values())),
        word_idf=model.word_idf,
        char_terms=np.array(list(model.char_vocab)),
        char_index=np.array(list(model.char_vocab.values())),
        char_idf=model.char_idf,
        coef=model.coef,
        intercept=model.intercept,
    )
    partial.replace(path)  # another process may be loading it: never a half-written file


def _load(path: Path) -> TextModel:
    with np.load(path, allow_pickle=False) as data:
        return TextModel(
            classes=tuple(str(c) for c in data["classes"]),
            word_vocab=dict(
                zip(data["word_terms"].tolist(), data["word_index"].tolist(), strict=True)
            ),
            word_idf=data["word_idf"],
            char_vocab=dict(
                zip(data["char_terms"].tolist(), data["char_index"].tolist(), strict=True)
            ),
            char_idf=data["char_idf"],
            coef=data["coef"],
            intercept=data["intercept"],
        )


def cache_dir() -> Path:
    configured = os.environ.get("AITICKETS_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "aitickets"


_lock = threading.Lock()
_loaded: dict[str, TextModel] = {}


def load_or_fit(corpus: Mapping[str, Sequence[str]]) -> TextModel:
    """The model for this corpus: from memory, from the disk cache, or fitted (and cached)."""
    key = corpus_hash(corpus)
    with _lock:
        if key in _loaded:
            return _loaded[key]
        path = cache_dir() / f"router-{key}.npz"
        model = None
        if path.exists():
            try:
                model = _load(path)
            except (OSError, ValueError, KeyError):
                log.warning("the cached router model %s is unreadable: fitting again", path)
        if model is None:
            log.info("fitting the voice router on %d sentences", sum(map(len, corpus.values())))
            model = fit(corpus)
            try:
                _save(model, path)
            except OSError:
                log.warning("could not cache the router model in %s", path.parent)
        _loaded[key] = model
        return model
