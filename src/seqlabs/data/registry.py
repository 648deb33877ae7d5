"""The real data sets the labs can use: where each is published, its files' SHA-256, its citation and terms.

One ``DataSet`` per name (``python -m seqlabs.data fetch NAME``). The files of
a data set live in ``<data folder>/<folder>/`` under the names published (the
layout ``seqlabs.corpora.multi30k`` and ``seqlabs.word2vec_corpora`` read).

Where each hash comes from (it is pinned, never computed at run time):

* ``multi30k``: the six task-1 files of the Multi30K project's dataset
  repository, ``data/task1/raw/`` (the URLs torchtext's ``Multi30k`` used).
  Hashes computed here from those published files (the copy beside the
  project, ``../shared/data/multi30k``, is exactly them).
* ``wikitext-2``: ``wikitext-2-raw-v1.zip`` as published by its authors
  (Merity et al., Salesforce research) on Amazon S3. Its SHA-256 and size are
  the ones the Hugging Face ``datasets`` library publishes for that URL
  (``datasets/wikitext/dataset_infos.json``, ``download_checksums``); they
  were not recomputed here (no network on the machine that wrote this).
"""
from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["DataSet", "DATASETS", "get"]


@dataclass(frozen=True)
class DataSet:
    """A data set as published: base URL, files with their SHA-256 (and size), what to cite, its terms."""
    name: str                   # what `fetch NAME` takes
    folder: str                 # sub-folder of the data folder
    base_url: str               # the published location; a file's URL is base_url + its name
    files: dict[str, str]       # file name -> "sha256:<hex>"
    sizes: dict[str, int]       # file name -> bytes (to say how much a fetch downloads)
    title: str                  # one line for listings and READMEs
    citation: str               # what its publishers ask to be cited
    terms: str                  # its terms of use, as its publishers state them
    homepage: str
    hash_source: str            # where the pinned hashes come from
    used_by: tuple[str, ...] = field(default_factory=tuple)  # which labs read it

    def total_bytes(self) -> int:
        return sum(self.sizes.values())


MULTI30K = DataSet(
    name="multi30k",
    folder="multi30k",
    base_url="https://raw.githubusercontent.com/multi30k/dataset/master/data/task1/raw/",
    files={
        "train.de.gz": "sha256:726e39b2fa9eb9ffb6dc763fb35a179f80fae06ffc5d28b6ace5faa883de28a6",
        "train.en.gz": "sha256:d79cfa999dd4c51d2cb42499b6796d5a882c3a8a961923c25a898c90f8bbd56f",
        "val.de.gz": "sha256:f0cba2f995189cf5770f29a8a9a537a3ad3f51657ad873405082ff6863a5e75a",
        "val.en.gz": "sha256:14f7d25ddd868909a9213e361768460edcacdd6ab9d1e77b92560dc10c10dc28",
        "test_2016_flickr.de.gz": "sha256:9204244e408ccb38d2a55cfcd344df15005fc42a07a6e55ca6c52b6ababb8cc8",
        "test_2016_flickr.en.gz": "sha256:611d361c6334bc7246101d48097c13cf5c4413c5befc793cc629934359d532d9",
    },
    sizes={"train.de.gz": 637044, "train.en.gz": 568929, "val.de.gz": 24681, "val.en.gz": 21650,
           "test_2016_flickr.de.gz": 22890, "test_2016_flickr.en.gz": 21077},
    title="Multi30K task 1: 31,014 German-English image captions (29,000 train, 1,014 val, 1,000 test 2016)",
    citation=("Desmond Elliott, Stella Frank, Khalil Sima'an, Lucia Specia. Multi30K: Multilingual "
              "English-German Image Descriptions. Proceedings of the 5th Workshop on Vision and Language, "
              "pages 70-74, 2016. The English captions are Flickr30K's: Peter Young, Alice Lai, Micah "
              "Hodosh, Julia Hockenmaier. From image descriptions to visual denotations. Transactions of "
              "the Association for Computational Linguistics 2:67-78, 2014."),
    terms=("The Multi30K dataset repository (https://github.com/multi30k/dataset) publishes the files "
           "without a licence statement of its own (its README, read when this was written); cite the "
           "paper above when you use them. The English captions come from Flickr30K (Young et al., 2014): "
           "its publishers' terms are at http://shannon.cs.illinois.edu/DenotationGraph/."),
    homepage="https://github.com/multi30k/dataset",
    hash_source="computed from the files published in data/task1/raw/ of github.com/multi30k/dataset",
    used_by=("lab4_seq2seq", "lab5_attention", "lab6_transformer", "lab3_word2vec (full)"),
)

WIKITEXT2 = DataSet(
    name="wikitext-2",
    folder="wikitext-2",
    base_url="https://s3.amazonaws.com/research.metamind.io/wikitext/",
    files={"wikitext-2-raw-v1.zip": "sha256:ef7edb566e3e2b2d31b29c1fdb0c89a4cc683597484c3dc2517919c615435a11"},
    sizes={"wikitext-2-raw-v1.zip": 4721645},
    title=("WikiText-2 (raw): 2.1 million words of English Wikipedia Good and Featured articles "
           "(train 36,718 lines, valid 3,760, test 4,358)"),
    citation=("Stephen Merity, Caiming Xiong, James Bradbury, Richard Socher. Pointer Sentinel Mixture "
              "Models. arXiv:1609.07843, 2016."),
    terms=("Creative Commons Attribution-ShareAlike (CC BY-SA), as its publishers state: \"The dataset is "
           "available under the Creative Commons Attribution-ShareAlike License.\" The text is Wikipedia's."),
    homepage="https://blog.einstein.ai/the-wikitext-long-term-dependency-language-modeling-dataset/",
    hash_source=("published by the Hugging Face datasets library for this URL "
                 "(huggingface/datasets, datasets/wikitext/dataset_infos.json, download_checksums)"),
    used_by=("lab3_word2vec (corpus 'wikitext-2')",),
)

DATASETS: dict[str, DataSet] = {d.name: d for d in (MULTI30K, WIKITEXT2)}


def get(name: str) -> DataSet:
    """The data set called ``name``; ``KeyError`` naming the known ones."""
    try:
        return DATASETS[name]
    except KeyError:
        raise KeyError(f"unknown data set {name!r}: choose one of {', '.join(DATASETS)}") from None
