"""A vocabulary with specials and ``min_freq``: the legacy torchtext ``Vocab`` on plain Python.

Indices: the specials first, in the order given (default ``<unk>=0, <pad>=1,
<sos>=2, <eos>=3``), then every token seen at least ``min_freq`` times, most
frequent first, ties in alphabetical order -- the same order as torchtext's
``Field.build_vocab``, so sizes and indices match the published tutorials::

    vocab = Vocab.build(token_lists, min_freq=2)
    ids = vocab.encode(["ein", "mann", "zzz"])     # [.., .., 0]  (unknown -> <unk>)
    vocab.decode(ids)                              # ['ein', 'mann', '<unk>']
    vocab.stoi["mann"], vocab.itos[5], len(vocab)
"""
from __future__ import annotations

from collections import Counter
from typing import Iterable, Sequence

UNK, PAD, SOS, EOS = "<unk>", "<pad>", "<sos>", "<eos>"
SPECIALS = (UNK, PAD, SOS, EOS)

__all__ = ["Vocab", "SPECIALS", "UNK", "PAD", "SOS", "EOS"]


class Vocab:
    """Token <-> index maps. ``stoi``: dict token -> id; ``itos``: list id -> token."""

    def __init__(self, counter: Counter | dict, *, min_freq: int = 1,
                 specials: Sequence[str] = SPECIALS, max_size: int | None = None,
                 unk_token: str | None = UNK):
        if len(set(specials)) != len(specials):
            raise ValueError(f"specials must be distinct, got {list(specials)}")
        if unk_token is not None and unk_token not in specials:
            raise ValueError(f"unk_token {unk_token!r} must be one of the specials {list(specials)}")
        min_freq = max(int(min_freq), 1)
        self.freqs = Counter(counter)
        self.specials = tuple(specials)
        kept = [(tok, c) for tok, c in self.freqs.items() if c >= min_freq and tok not in self.specials]
        kept.sort(key=lambda tc: (-tc[1], tc[0]))  # frequency desc, then alphabetical
        if max_size is not None:
            kept = kept[:max_size]
        self.itos: list[str] = list(self.specials) + [tok for tok, _ in kept]
        self.stoi: dict[str, int] = {tok: i for i, tok in enumerate(self.itos)}
        self.unk_token = unk_token
        self.unk_index = self.stoi[unk_token] if unk_token is not None else None

    @classmethod
    def build(cls, token_lists: Iterable[Iterable[str]], **kwargs) -> "Vocab":
        """Count the tokens of every list in ``token_lists`` and build a ``Vocab`` (kwargs as ``__init__``)."""
        counter = Counter()
        for toks in token_lists:
            if isinstance(toks, str):
                raise TypeError("Vocab.build expects an iterable of token lists, got a str; "
                                "tokenise the sentences first")
            counter.update(toks)
        return cls(counter, **kwargs)

    def _special_index(self, tok: str) -> int:
        if tok not in self.stoi:
            raise KeyError(f"this vocabulary has no special {tok!r}; its specials are {list(self.specials)}")
        return self.stoi[tok]

    pad_index = property(lambda self: self._special_index(PAD), doc="index of <pad>")
    sos_index = property(lambda self: self._special_index(SOS), doc="index of <sos>")
    eos_index = property(lambda self: self._special_index(EOS), doc="index of <eos>")

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, token: str) -> bool:
        return token in self.stoi

    def __getitem__(self, token: str) -> int:
        """Index of ``token``; ``<unk>``'s index for unknown tokens."""
        idx = self.stoi.get(token, self.unk_index)
        if idx is None:
            raise KeyError(f"token {token!r} is not in the vocabulary and it has no unk_token")
        return idx

    def lookup_token(self, index: int) -> str:
        """Token of ``index``; ``IndexError`` naming the valid range for anything else."""
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(self.itos):
            raise IndexError(f"token id {index!r} is not in this vocabulary (valid ids: 0..{len(self) - 1}); "
                             "was the tensor numericalised with a different Vocab?")
        return self.itos[index]

    def encode(self, tokens: Iterable[str]) -> list[int]:
        """Token list (length T) -> id list (length T); unknown tokens -> ``<unk>``."""
        if isinstance(tokens, str):
            raise TypeError("encode expects a list of tokens, got a str; tokenise it first")
        return [self[t] for t in tokens]

    def decode(self, ids: Iterable[int], *, strip_specials: bool = False) -> list[str]:
        """Id list or 1-D tensor (length T) -> tokens; ``strip_specials`` drops ``<pad> <sos> <eos>``
        (and cuts at the first ``<eos>``)."""
        if hasattr(ids, "tolist"):
            ids = ids.tolist()
        toks = [self.lookup_token(int(i) if not isinstance(i, int) else i) for i in ids]
        if strip_specials:
            if EOS in toks:
                toks = toks[:toks.index(EOS)]
            toks = [t for t in toks if t not in (PAD, SOS, EOS)]
        return toks

    def __repr__(self) -> str:
        return f"Vocab(size={len(self)}, specials={list(self.specials)})"
