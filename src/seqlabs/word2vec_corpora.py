"""Monolingual English text for the Word2Vec lab: embedded, gensim's Lee corpus, Multi30k's English side, WikiText-2.

    texts = load_texts("lee")        # TextSplits(train=[...], heldout=[...], name="lee")
    print(texts.describe())

Sources (nothing is downloaded):

* ``embedded``: generated here, deterministically: short texts on one of six topics (animals, food,
  weather, music, sport, the city), most words from the topic's list and the rest shared filler
  words, so that words of one topic share contexts as they do in real text (2000 train, 300 held out);
* ``lee``: the Lee news corpus shipped in gensim's wheel (``gensim.test.utils.datapath``):
  ``lee_background.cor`` (300 documents) to train, ``lee.cor`` (50 other documents) held out;
* ``gensim-wiki``: ``head500.noblanks.cor`` from gensim's wheel: 250 English Wikipedia articles (331k words),
  already lower-cased, stop words removed and stemmed by gensim's tools (the lab's pipeline stems them again,
  which leaves most stems as they are); the first 225 articles to train, the last 25 held out. With Multi30k
  the largest real English text available without a download;
* ``multi30k``: Multi30k's English captions from ``$SEQLABS_DATA/multi30k`` (train 29,000, held out: val 1,014);
* ``wikitext-2``: WikiText-2 (raw; Merity et al., 2016) from ``$SEQLABS_DATA/wikitext-2/wikitext-2-raw-v1.zip``
  as published (``python -m seqlabs.data fetch wikitext-2``), read straight from the zip: every paragraph of
  ``wiki.train.raw`` (2.1 million words; section headings dropped) to train, ``wiki.valid.raw`` held out.

``TextSplits.ran_on()`` is the line a data cell prints: which text, how much, and whether it is real.
"""
from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from seqlabs.messages import _, number

SOURCES = ("embedded", "lee", "gensim-wiki", "multi30k", "wikitext-2")
WIKITEXT_ZIP = "wikitext-2-raw-v1.zip"
# What each source is, for the line a data cell prints (TextSplits.ran_on): msgids of seqlabs' catalogue
# (autograder.i18n.source_messages.CONSTANTS), shown in the notebook's language.
KINDS = {
    "embedded": ("the embedded practice corpus (synthetic; results are not comparable with the literature): "
                 "for real text, run the lab in the class profile (SEQLABS_PROFILE=class, the default), "
                 "which trains on gensim's Lee news corpus"),
    "lee": "the Lee news corpus shipped with gensim (real English news; small, so word-similarity scores are noisy)",
    "gensim-wiki": ("250 English Wikipedia articles shipped with gensim (real text, already stemmed by gensim; "
                    "331k words)"),
    "multi30k": "Multi30k's English image captions (real text)",
    "wikitext-2": "WikiText-2, English Wikipedia articles (real text; Merity et al., 2016)",
}

__all__ = ["SOURCES", "TextSplits", "load_texts", "gensim_datapath", "TOPICS", "FILLERS", "generate_topic_texts",
           "load_wikitext"]

# The embedded corpus's topics: a text on a topic draws most of its words from that topic's list.
TOPICS: dict[str, list[str]] = {
    "animals": ["dog", "cat", "horse", "cow", "sheep", "bird", "rabbit", "goat", "duck", "mouse"],
    "food": ["bread", "cheese", "apple", "soup", "rice", "butter", "honey", "cake", "pepper", "salad"],
    "weather": ["rain", "snow", "wind", "storm", "cloud", "thunder", "sun", "frost", "fog", "hail"],
    "music": ["guitar", "piano", "drum", "violin", "song", "singer", "concert", "melody", "trumpet", "choir"],
    "sport": ["football", "tennis", "goal", "referee", "stadium", "player", "match", "coach", "league", "trophy"],
    "city": ["street", "bridge", "tower", "market", "station", "bus", "taxi", "traffic", "subway", "avenue"],
}
# Words that every topic uses (none is a spaCy stop word).
FILLERS = ["saw", "liked", "found", "wanted", "morning", "evening", "yesterday", "today", "happy", "great",
           "nice", "little", "big", "old", "new", "people", "friend", "family", "week", "day"]
EMBEDDED_TEXTS = {"train": 2000, "heldout": 300}
EMBEDDED_SEED = 2013
WIKI_TRAIN_ARTICLES = 225  # of gensim-wiki's 250: the rest are held out


def generate_topic_texts(n: int, seed: int, *, topic_share: float = 0.7) -> list[str]:
    """``n`` texts of 8-14 words: each picks a topic, then each word is from it with ``topic_share``, else a filler."""
    import random

    rng = random.Random(seed)
    names = sorted(TOPICS)
    texts = []
    for _text in range(n):  # not `_`: that is the message catalogue's gettext here
        words = TOPICS[rng.choice(names)]
        length = rng.randint(8, 14)
        texts.append(" ".join(rng.choice(words) if rng.random() < topic_share else rng.choice(FILLERS)
                              for _word in range(length)) + ".")
    return texts


@dataclass
class TextSplits:
    """Raw training and held-out texts (one str per sentence or document)."""
    train: list[str]
    heldout: list[str]
    name: str     # one of SOURCES
    origin: str   # where they were read from

    def describe(self) -> str:
        """One line: which corpus, how many texts and words, from where."""
        words = sum(len(t.split()) for t in self.train)
        return (f"{self.name}: {len(self.train)} training texts ({words:,} words), "
                f"{len(self.heldout)} held out; from {self.origin}")

    def ran_on(self) -> str:
        """One line for a data cell: which text this run trains on and how much of it."""
        words = sum(len(t.split()) for t in self.train)
        return _("This run uses {kind}: {texts} training texts, {words} words.").format(
            kind=_(KINDS[self.name]), texts=number(len(self.train)), words=number(words))


def gensim_datapath(name: str) -> Path:
    """The path of a file that gensim's wheel ships in ``gensim/test/test_data`` (no download)."""
    try:
        from gensim.test.utils import datapath
    except ImportError as err:  # pragma: no cover - gensim is a dependency
        raise ImportError("gensim is needed for its shipped corpora: pip install -c constraints.txt -e .") from err
    path = Path(datapath(name))
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing from the installed gensim; reinstall gensim "
                                "(pip install --force-reinstall -c constraints.txt gensim)")
    return path


def _lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]


def load_texts(source: str) -> TextSplits:
    """The training and held-out texts of ``source`` (one of ``SOURCES``)."""
    if source == "embedded":
        return TextSplits(generate_topic_texts(EMBEDDED_TEXTS["train"], EMBEDDED_SEED),
                          generate_topic_texts(EMBEDDED_TEXTS["heldout"], EMBEDDED_SEED + 1), "embedded",
                          "generated in seqlabs.word2vec_corpora (six topics)")
    if source == "lee":
        train, heldout = gensim_datapath("lee_background.cor"), gensim_datapath("lee.cor")
        return TextSplits(_lines(train), _lines(heldout), "lee", str(train.parent))
    if source == "gensim-wiki":
        path = gensim_datapath("head500.noblanks.cor")
        articles = _lines(path)
        return TextSplits(articles[:WIKI_TRAIN_ARTICLES], articles[WIKI_TRAIN_ARTICLES:], "gensim-wiki", str(path))
    if source == "multi30k":
        from seqlabs.corpora import load_multi30k  # errors name the missing files and SEQLABS_DATA
        train = load_multi30k("train")
        return TextSplits(train.en, load_multi30k("val").en, "multi30k", train.origin)
    if source == "wikitext-2":
        return load_wikitext()
    raise ValueError(f"unknown Word2Vec corpus {source!r}: choose one of {', '.join(SOURCES)}")


def _paragraphs(archive: zipfile.ZipFile, split: str) -> list[str]:
    """The paragraphs of ``wiki.<split>.raw`` in the archive: non-empty lines that are not ``= Heading =`` lines."""
    names = [n for n in archive.namelist() if n.endswith(f"wiki.{split}.raw")]
    if len(names) != 1:
        raise ValueError(f"{archive.filename} holds {len(names)} files named wiki.{split}.raw, not one: it is not "
                         "WikiText-2 raw as published; fetch it again (python -m seqlabs.data fetch wikitext-2)")
    lines = (line.strip() for line in archive.read(names[0]).decode("utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("=")]


def load_wikitext(root: str | Path | None = None) -> TextSplits:
    """WikiText-2 (raw): paragraphs of ``wiki.train.raw`` to train, of ``wiki.valid.raw`` held out.

    ``root``: the data folder (default ``$SEQLABS_DATA``); the zip is
    ``root/wikitext-2/wikitext-2-raw-v1.zip``, read without extracting it.
    """
    from seqlabs.profiles import DATA_ENV, data_dir

    base = Path(root).expanduser() if root is not None else data_dir()
    fetch = "python -m seqlabs.data fetch wikitext-2"
    if base is None:
        raise FileNotFoundError(f"WikiText-2: {DATA_ENV} is not set. Run `{fetch}` and set {DATA_ENV} to the "
                                "folder it prints")
    path = base / "wikitext-2" / WIKITEXT_ZIP
    if not path.is_file():
        raise FileNotFoundError(f"WikiText-2: {path} is missing. Run `{fetch}` with {DATA_ENV}={base}")
    try:
        with zipfile.ZipFile(path) as archive:
            train, heldout = _paragraphs(archive, "train"), _paragraphs(archive, "valid")
    except (zipfile.BadZipFile, EOFError, UnicodeDecodeError) as err:
        raise ValueError(f"{path} is not a readable zip of UTF-8 text ({type(err).__name__}: {err}): it is corrupt "
                         f"or truncated; delete it and run `{fetch}` again") from None
    return TextSplits(train, heldout, "wikitext-2", str(path))
