"""Query understanding: jieba with the project's dictionary reads "乌当哪里能洗澡" into places, services, kinds,
roads and leftover keywords; several place words are combined into the narrowest consistent reading.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .regions import Place, RegionTable, load_regions
from .vocabulary import (
    FILLER_WORDS,
    KIND_SYNONYMS,
    NEAR_WORDS,
    ROAD_CODE_RE,
    ROAD_NAMES,
    SERVICE_SYNONYMS,
    normalize_query,
)

if TYPE_CHECKING:
    import jieba


@dataclass(frozen=True, slots=True)
class Understood:
    """What a query was read as: the user sees it, and the plugin may act on `near`."""

    places: tuple[Place, ...] = ()
    services: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    roads: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    near: bool = False
    # Keywords that matched nothing and were set aside so the other conditions could answer.
    ignored: tuple[str, ...] = ()

    @property
    def regions(self) -> tuple[str, ...]:
        """Return the recognised regions as labels (贵州省贵阳市乌当区)."""
        return tuple(place.label for place in self.places)

    @property
    def is_empty(self) -> bool:
        """Tell whether nothing searchable was recognised."""
        return not (self.places or self.services or self.kinds or self.roads or self.keywords)


@dataclass(slots=True)
class Parsed:
    """A query split into recognised parts; place words keep all their readings."""

    place_words: list[tuple[str, tuple[Place, ...]]] = field(default_factory=list)
    services: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    roads: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    near: bool = False
    # The normalised query without spaces, lower case: matched against names as a whole.
    phrase: str = ""


def _add_unique(target: list[str], values: Iterable[str]) -> None:
    """Append values not yet in target, keeping order."""
    for value in values:
        if value not in target:
            target.append(value)


class QueryParser:
    """Reads a query with jieba and the project's dictionary (regions, services, kinds, fillers)."""

    def __init__(self, regions: RegionTable):
        """Prepare a parser; the tokenizer loads on first use (it takes about a second)."""
        self.regions = regions
        self._tokenizer: jieba.Tokenizer | None = None
        self._lock = threading.Lock()

    def dictionary_words(self) -> set[str]:
        """Return every word the tokenizer must keep whole."""
        words = set(self.regions.words())
        words.update(SERVICE_SYNONYMS, KIND_SYNONYMS, ROAD_NAMES)
        words.update(name + "高速" for name in ROAD_NAMES)
        words.update(word for word in FILLER_WORDS if len(word) > 1)
        return words

    def tokenizer(self) -> jieba.Tokenizer:
        """Return the isolated jieba tokenizer, building it once (thread-safe)."""
        if self._tokenizer is None:
            with self._lock:
                if self._tokenizer is None:
                    import jieba  # imported here so that importing this module costs nothing

                    tokenizer = jieba.Tokenizer()
                    tokenizer.initialize()
                    # Each word gets jieba's suggested frequency, the least that keeps it whole;
                    # sorted so that every start builds the same dictionary.
                    for word in sorted(self.dictionary_words()):
                        tokenizer.add_word(word)
                    self._tokenizer = tokenizer
        return self._tokenizer

    def tokens(self, text: str) -> list[str]:
        """Cut normalised text into words (spaces dropped)."""
        return [token for token in self.tokenizer().cut(text) if token.strip()]

    def parse(self, query: str) -> Parsed:
        """Split a raw query into places, services, kinds, roads and leftover keywords."""
        text = normalize_query(query)
        parsed = Parsed(phrase=text.replace(" ", "").lower())
        for match in ROAD_CODE_RE.finditer(text):
            _add_unique(parsed.roads, [(match.group(1) + match.group(2)).upper()])
        text = ROAD_CODE_RE.sub(" ", text).strip()
        if not text:
            return parsed

        pending: list[str] = []  # a run of unknown single characters, joined into one keyword

        def flush() -> None:
            """Turn the pending run of characters into a keyword."""
            if pending:
                _add_unique(parsed.keywords, ["".join(pending).lower()])
                pending.clear()

        for token in self.tokens(text):
            if token in FILLER_WORDS:
                flush()
                parsed.near = parsed.near or token in NEAR_WORDS
            elif token in KIND_SYNONYMS:
                flush()
                _add_unique(parsed.kinds, KIND_SYNONYMS[token])
            elif token in SERVICE_SYNONYMS:
                flush()
                _add_unique(parsed.services, SERVICE_SYNONYMS[token])
            elif token in ROAD_NAMES or (token.endswith("高速") and token[:-2] in ROAD_NAMES):
                flush()
                _add_unique(parsed.roads, [ROAD_NAMES[token.removesuffix("高速")]])
            elif places := self.regions.resolve(token):
                flush()
                if all(word != token for word, _ in parsed.place_words):
                    parsed.place_words.append((token, places))
            elif len(token) == 1:
                pending.append(token)
            else:
                flush()
                _add_unique(parsed.keywords, [token.lower()])
        flush()
        return parsed


def _related(a: Place, b: Place) -> bool:
    """Tell whether one place lies inside the other."""
    return a.contains(b) or b.contains(a)


def combine_places(groups: list[tuple[Place, ...]]) -> tuple[Place, ...]:
    """Resolve several place words together: 贵阳 + 白云 → 贵阳市白云区; 贵阳 + 遵义 → both cities."""
    if not groups:
        return ()
    consistent = [
        place
        for i, group in enumerate(groups)
        for place in group
        if all(any(_related(place, other) for other in groups[j]) for j in range(len(groups)) if j != i)
    ]
    # Words that name unrelated regions ("贵阳 遵义") mean either of them.
    chosen = consistent or [place for group in groups for place in group]
    unique = list(dict.fromkeys(chosen))
    # Keep the narrowest reading: 贵州 + 乌当 means 乌当区, not all of 贵州.
    return tuple(p for p in unique if not any(q != p and p.contains(q) for q in unique))


_default_parser: QueryParser | None = None
_default_parser_lock = threading.Lock()


def default_parser() -> QueryParser:
    """Return the shared parser over the shipped region table."""
    global _default_parser
    if _default_parser is None:
        with _default_parser_lock:
            if _default_parser is None:
                _default_parser = QueryParser(load_regions())
    return _default_parser


def warm_up() -> None:
    """Load the shared tokenizer now (about a second) rather than on the first user's query."""
    default_parser().tokenizer()
