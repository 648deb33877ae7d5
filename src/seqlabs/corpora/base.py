"""``ParallelCorpus``: aligned German and English sentences, and where they came from."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ParallelCorpus:
    """Aligned raw sentences: ``de[i]`` translates to ``en[i]``.

    ``name`` says which corpus (``"multi30k"`` or ``"embedded"``), ``split`` which
    part, ``origin`` where it was read from (a directory, or ``"generated in seqlabs"``).
    """
    de: list[str]
    en: list[str]
    name: str
    split: str
    origin: str

    def __post_init__(self):
        if len(self.de) != len(self.en):
            raise ValueError(f"{self.name} {self.split}: {len(self.de)} German lines but "
                             f"{len(self.en)} English lines; the files must be aligned line by line")

    def __len__(self) -> int:
        return len(self.de)

    def first(self, limit: int | None = None, *, max_words: int | None = None) -> "ParallelCorpus":
        """The first ``limit`` pairs (all if None) among those whose German sentence has at most
        ``max_words`` words (whitespace-separated; every pair if None), in corpus order."""
        keep = range(len(self)) if max_words is None else [
            k for k, sentence in enumerate(self.de) if len(sentence.split()) <= max_words]
        keep = list(keep)[:limit]
        return ParallelCorpus([self.de[k] for k in keep], [self.en[k] for k in keep], self.name, self.split,
                              self.origin)

    def pairs(self, src: str = "de") -> list[tuple[str, str]]:
        """``[(source, target), ...]`` with ``src="de"`` (German -> English) or ``"en"``."""
        if src not in ("de", "en"):
            raise ValueError(f"src must be 'de' or 'en', got {src!r}")
        return list(zip(self.de, self.en)) if src == "de" else list(zip(self.en, self.de))

    def describe(self) -> str:
        """One line naming the corpus, split, size and origin."""
        return f"{self.name} {self.split}: {len(self)} sentence pairs ({self.origin})"
