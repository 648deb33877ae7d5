"""Text pipeline for the seq2seq labs: spaCy tokenisers, ``Vocab``, numericalising and bucketed batches.

The legacy torchtext workflow (``Field`` -> ``build_vocab`` -> ``BucketIterator``)
on ``torch.utils.data``; tensors are time-major ``[T, B]`` unless a function
says ``batch_first``.
"""
from seqlabs.text.tokenize import get_tokenizer, tokenize, tokenize_de, tokenize_en, tokenize_many, tokenize_pairs
from seqlabs.text.vocab import EOS, PAD, SOS, SPECIALS, UNK, Vocab
from seqlabs.text.batching import (Batch, BucketBatchSampler, PairCollator, PairDataset, RandomBatchSampler,
                                   make_loader, numericalize, pad_batch, pair_sort_keys)

__all__ = ["get_tokenizer", "tokenize", "tokenize_de", "tokenize_en", "tokenize_many", "tokenize_pairs", "EOS", "PAD", "SOS",
           "SPECIALS", "UNK", "Vocab", "Batch", "BucketBatchSampler", "PairCollator", "PairDataset",
           "RandomBatchSampler", "make_loader", "numericalize", "pad_batch", "pair_sort_keys"]
