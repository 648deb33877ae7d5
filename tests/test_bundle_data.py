"""`autograder bundle --data DIR`: the real data in the student bundle, checked, with where they are and how to cite them.

The wheel build is replaced by a stub here (``tests/test_student_bundle.py``
builds and installs the real one); everything else is ``make_bundle``'s own path.
"""
from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

import pytest

import autograder.bundle as bundle_module
from autograder.bundle import BundleError, make_bundle
from autograder.cli import main as autograder_main
from conftest import REPO_ROOT
from seqlabs.data.registry import MULTI30K

REAL = Path(os.environ.get("SEQLABS_DATA") or REPO_ROOT.parent / "shared" / "data")
needs_real = pytest.mark.skipif(not all((REAL / "multi30k" / f).is_file() for f in MULTI30K.files),
                                reason=f"the real Multi30k files are not in {REAL}/multi30k (set SEQLABS_DATA)")


@pytest.fixture
def fake_wheel(monkeypatch):
    def build_wheel(root, into):
        into.mkdir(parents=True, exist_ok=True)
        wheel = into / "seqlabs-0.1.0-py3-none-any.whl"
        wheel.write_bytes(b"stub")
        return wheel
    monkeypatch.setattr(bundle_module, "build_wheel", build_wheel)


@pytest.fixture
def data_dir(tmp_path) -> Path:
    """A copy of the real data folder (only multi30k/), in a path with a space."""
    folder = tmp_path / "course data"
    shutil.copytree(REAL / "multi30k", folder / "multi30k")
    return folder


@needs_real
@pytest.mark.realdata
def test_bundle_with_data(fake_wheel, data_dir, tmp_path):
    """Are the six files in data/multi30k/ of the folder and the zip, and does the README say where, what to
    cite and on which terms?"""
    (data_dir / "multi30k" / "notes.txt").write_text("not a data file")  # never shipped
    made = make_bundle(root=REPO_ROOT, out=tmp_path / "dist", labs=["lab4_seq2seq"], data=data_dir,
                       log=lambda m: None)
    shipped = sorted(f for f in made.files if f.startswith("data/"))
    assert shipped == sorted(f"data/multi30k/{name}" for name in MULTI30K.files)
    for name in MULTI30K.files:
        assert (made.folder / "data" / "multi30k" / name).read_bytes() == (REAL / "multi30k" / name).read_bytes()
    with zipfile.ZipFile(made.zip) as z:
        assert f"seqlabs-student/data/multi30k/train.de.gz" in z.namelist()
    readme = (made.folder / "README.md").read_text(encoding="utf-8")
    assert 'SEQLABS_DATA="$PWD/data" .venv/bin/jupyter lab notebooks/' in readme
    for words in ("Elliott", "Multi30K: Multilingual English-German Image Descriptions", "Flickr30K",
                  "Terms:", "https://github.com/multi30k/dataset", "data/multi30k/"):
        assert words in readme, words


@needs_real
@pytest.mark.realdata
def test_corrupt_or_missing_data_is_refused(fake_wheel, data_dir, tmp_path):
    """Does a corrupt or missing file stop the bundle with its name and the fetch command, writing nothing?"""
    out = tmp_path / "dist"
    target = data_dir / "multi30k" / "val.en.gz"
    target.write_bytes(target.read_bytes()[:-10])
    with pytest.raises(BundleError, match=r"val\.en\.gz does not have the pinned SHA-256.*fetch multi30k --dir"):
        make_bundle(root=REPO_ROOT, out=out, labs=["lab4_seq2seq"], data=data_dir, log=lambda m: None)
    target.unlink()
    with pytest.raises(BundleError, match=r"val\.en\.gz is missing.*fetch multi30k --dir"):
        make_bundle(root=REPO_ROOT, out=out, labs=["lab4_seq2seq"], data=data_dir, log=lambda m: None)
    assert not (out / "seqlabs-student").exists() and not (out / "seqlabs-student.zip").exists()
    assert [p.name for p in out.iterdir()] == []  # no staging folder left


def test_data_folder_without_data_sets(fake_wheel, tmp_path):
    """Is a folder with no known data set refused, with a hint when it is the multi30k folder itself?"""
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(BundleError, match="holds none of the data sets multi30k/"):
        make_bundle(root=REPO_ROOT, out=tmp_path / "dist", labs=["lab4_seq2seq"], data=empty, log=lambda m: None)
    (empty / "train.de.gz").write_bytes(b"")
    with pytest.raises(BundleError, match="give the folder above it"):
        make_bundle(root=REPO_ROOT, out=tmp_path / "dist", labs=["lab4_seq2seq"], data=empty, log=lambda m: None)
    with pytest.raises(BundleError, match="no such folder"):
        make_bundle(root=REPO_ROOT, out=tmp_path / "dist", labs=["lab4_seq2seq"], data=tmp_path / "nope",
                    log=lambda m: None)


def test_bundle_without_data_says_how_to_fetch(fake_wheel, tmp_path, capsys):
    """Without --data: no data/ folder, and the README gives the fetch command; the CLI takes --data."""
    assert autograder_main(["--root", str(REPO_ROOT), "bundle", "lab4_seq2seq", "--out", str(tmp_path)]) == 0
    folder = tmp_path / "seqlabs-student"
    assert not (folder / "data").exists()
    assert "python -m seqlabs.data fetch multi30k" in (folder / "README.md").read_text(encoding="utf-8")
    assert autograder_main(["--root", str(REPO_ROOT), "bundle", "lab4_seq2seq", "--out", str(tmp_path),
                            "--data", str(tmp_path / "nope")]) == 1
    assert "no such folder" in capsys.readouterr().err
