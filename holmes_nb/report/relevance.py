"""Is an answer plainly off-topic? It shares no word with the cluster's names, the question or the
evidence the tools returned (nor the earlier conversation). Short answers are never judged: a
few words are too few to tell.

    off_topic("The French Revolution began in 1789 ...", ["what pods are failing?"])  # True
"""

from __future__ import annotations

import re
from collections.abc import Iterable

#: content words an answer needs before it is judged
MIN_WORDS = 8
_WORD = re.compile(r"[a-z0-9][a-z0-9_]{3,}")
#: common English words that say nothing about the topic
STOPWORDS = frozenset(
    [
        "about",
        "above",
        "after",
        "again",
        "against",
        "also",
        "although",
        "among",
        "another",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "could",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "either",
        "every",
        "from",
        "further",
        "have",
        "having",
        "here",
        "itself",
        "just",
        "more",
        "most",
        "much",
        "must",
        "neither",
        "never",
        "once",
        "only",
        "other",
        "ought",
        "over",
        "same",
        "shall",
        "should",
        "some",
        "such",
        "than",
        "that",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "under",
        "until",
        "very",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "whom",
        "whose",
        "will",
        "with",
        "within",
        "without",
        "would",
        "your",
        "yours",
        "into",
        "upon",
        "onto",
        "make",
        "made",
        "like",
        "well",
        "many",
        "even",
        "still",
        "however",
        "therefore",
        "thus",
    ]
)


def words(text: str) -> set[str]:
    """Lower-case words of four or more characters, names split at ``-``, ``.``, ``/`` and ``:``."""
    return {w for w in _WORD.findall(re.sub(r"[-./:]", " ", (text or "").lower())) if w not in STOPWORDS}


def off_topic(answer: str, context: Iterable[str]) -> bool:
    """True when ``answer`` has at least MIN_WORDS content words and none of them occurs in
    ``context`` (the question, the cluster's names, the evidence, the earlier conversation)."""
    said = words(answer)
    if len(said) < MIN_WORDS:
        return False
    known: set[str] = set()
    for text in context:
        known |= words(text)
    return not (said & known)
