"""Multi30k loader: files, errors, and the published sizes on the real data."""
import gzip
import os
from pathlib import Path

import pytest

from seqlabs.corpora import load_parallel, translation_datasets
from seqlabs.corpora.multi30k import SOURCE_URL, load_multi30k
from seqlabs.text import Vocab, tokenize_many

REAL = Path(os.environ.get("SEQLABS_DATA") or Path(__file__).resolve().parents[3] / "shared" / "data")
HAVE_REAL = (REAL / "multi30k" / "train.de.gz").is_file()
needs_real = pytest.mark.skipif(not HAVE_REAL, reason=f"real Multi30k not found under {REAL}/multi30k "
                                "(set SEQLABS_DATA to the directory holding multi30k/)")


def _write(folder: Path, name: str, lines, *, gz=True):
    folder.mkdir(parents=True, exist_ok=True)
    text = "".join(l + "\n" for l in lines)
    if gz:
        with gzip.open(folder / (name + ".gz"), "wt", encoding="utf-8") as f:
            f.write(text)
    else:
        (folder / name).write_text(text, encoding="utf-8")


@pytest.fixture
def tiny(tmp_path):
    m = tmp_path / "multi30k"
    _write(m, "train.de", ["Ein Mann.", " Zwei Hunde laufen. "])
    _write(m, "train.en", ["A man.", "Two dogs run."])
    _write(m, "val.de", ["Eine Frau."], gz=False)
    _write(m, "val.en", ["A woman."], gz=False)
    return tmp_path


def test_reads_gzip_and_plain(tiny):
    """Are gzipped and plain files read, aligned, and stripped of surrounding spaces?"""
    c = load_multi30k("train", tiny)
    assert c.de == ["Ein Mann.", "Zwei Hunde laufen."] and c.en == ["A man.", "Two dogs run."]
    assert c.pairs() == [("Ein Mann.", "A man."), ("Zwei Hunde laufen.", "Two dogs run.")]
    assert c.pairs("en")[0] == ("A man.", "Ein Mann.")
    assert load_multi30k("val", tiny / "multi30k").en == ["A woman."]


def test_default_root_from_env(tiny, monkeypatch):
    """Is $SEQLABS_DATA/multi30k the default directory, and is load_parallel using it only when complete?"""
    monkeypatch.setenv("SEQLABS_DATA", str(tiny))
    assert len(load_multi30k("train")) == 2
    # the test split is missing here: the automatic choice never mixes corpora (train on Multi30k, test on
    # the embedded one); it names the missing files and the command that fetches them
    for split in ("train", "test"):
        with pytest.raises(FileNotFoundError, match=r"test_2016_flickr\.de\.gz.*python -m seqlabs.data fetch"):
            load_parallel(split)
    _write(tiny / "multi30k", "test_2016_flickr.de", ["Ein Hund."])
    _write(tiny / "multi30k", "test_2016_flickr.en", ["A dog."])
    c = load_parallel("train")
    assert c.name == "multi30k" and "multi30k" in c.describe()
    assert load_parallel("test").en == ["A dog."]
    monkeypatch.setenv("SEQLABS_DATA", str(tiny / "elsewhere"))  # no multi30k folder at all: embedded
    assert load_parallel("test").name == "embedded"


def test_missing_env(monkeypatch):
    """Without SEQLABS_DATA, does the error name the setting and where to get the data?"""
    monkeypatch.delenv("SEQLABS_DATA", raising=False)
    with pytest.raises(FileNotFoundError, match="SEQLABS_DATA is not set.*github.com/multi30k"):
        load_multi30k("train")
    with pytest.raises(FileNotFoundError, match="SEQLABS_DATA"):
        load_parallel("train", source="multi30k")


def test_missing_split_files(tiny):
    """Does a missing split name the missing files, the folder and the source repository?"""
    with pytest.raises(FileNotFoundError) as err:
        load_multi30k("test_2016_flickr", tiny)
    msg = str(err.value)
    assert "test_2016_flickr.de.gz" in msg and "test_2016_flickr.en.gz" in msg
    assert str(tiny / "multi30k") in msg and SOURCE_URL in msg and "data/task1/raw" in msg


def test_unknown_split(tiny):
    """Is an unknown split refused with the list of splits?"""
    with pytest.raises(ValueError, match="'dev'.*train, val, test_2016_flickr"):
        load_multi30k("dev", tiny)
    with pytest.raises(ValueError, match="unknown split"):
        load_parallel("dev")
    with pytest.raises(ValueError, match="unknown source"):
        load_parallel("train", source="wmt")


def test_corrupt_gzip(tiny):
    """Does a corrupt or truncated gzip give an error naming the file and the fix?"""
    path = tiny / "multi30k" / "train.de.gz"
    path.write_bytes(b"this is not gzip at all")
    with pytest.raises(ValueError, match=r"train\.de\.gz is not a valid gzip.*download it again"):
        load_multi30k("train", tiny)
    good = gzip.compress(("Ein Mann.\n" * 500).encode())
    path.write_bytes(good[: len(good) // 2])  # truncated
    with pytest.raises(ValueError, match="not a valid gzip"):
        load_multi30k("train", tiny)


def test_mismatched_line_counts(tiny):
    """Do German and English files of different lengths give an error with both counts?"""
    _write(tiny / "multi30k", "train.en", ["A man.", "Two dogs run.", "Extra."])
    with pytest.raises(ValueError, match="has 2 lines but train.en.gz has 3"):
        load_multi30k("train", tiny)


@needs_real
@pytest.mark.realdata
def test_real_split_sizes(monkeypatch):
    """Do the real splits have 29000/1014/1000 aligned pairs, starting with the known first sentence?"""
    monkeypatch.setenv("SEQLABS_DATA", str(REAL))
    sizes = {s: len(load_parallel(s)) for s in ("train", "val", "test")}
    assert sizes == {"train": 29000, "val": 1014, "test": 1000}
    train = load_parallel("train")
    assert train.name == "multi30k"
    assert train.de[0] == "Zwei junge weiße Männer sind im Freien in der Nähe vieler Büsche."
    assert train.en[0] == "Two young, White males are outside near many bushes."
    assert all(train.de) and all(train.en)  # no empty lines


@needs_real
@pytest.mark.realdata
@pytest.mark.slow
def test_real_vocab_sizes_match_torchtext(monkeypatch):
    """Do lower-cased spaCy tokens with min_freq=2 give the published 7853 (de) / 5893 (en) vocabularies?"""
    monkeypatch.setenv("SEQLABS_DATA", str(REAL))
    data = translation_datasets(source="multi30k", min_freq=2)
    assert (len(data.src_vocab), len(data.trg_vocab)) == (7853, 5893)
    assert data.src_vocab.itos[:4] == ["<unk>", "<pad>", "<sos>", "<eos>"]
    assert (len(data.train), len(data.val), len(data.test)) == (29000, 1014, 1000)
    assert data.source.startswith("multi30k train: 29000")
    # the same numbers straight from the tokeniser and Vocab
    de = Vocab.build(tokenize_many(load_multi30k("train").de, "de", lower=True), min_freq=2)
    assert de.itos == data.src_vocab.itos
