"""Profiles, data directory, seeding and per-profile settings."""
import random
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest
import torch

from seqlabs.profiles import PROFILES, current_profile, data_dir
from seqlabs.seeding import seed_everything
from seqlabs.settings import for_profile


def test_profiles_tuple():
    """Are the three profiles named as in the contract, in size order?"""
    assert PROFILES == ("fast", "class", "full")


@pytest.mark.parametrize("raw, expected", [(None, "class"), ("", "class"), ("fast", "fast"),
                                           ("class", "class"), ("full", "full"), (" FAST ", "fast")])
def test_current_profile(monkeypatch, raw, expected):
    """Does current_profile read SEQLABS_PROFILE, defaulting to 'class'?"""
    if raw is None:
        monkeypatch.delenv("SEQLABS_PROFILE", raising=False)
    else:
        monkeypatch.setenv("SEQLABS_PROFILE", raw)
    assert current_profile() == expected


def test_unknown_profile_error(monkeypatch):
    """Does an unknown profile raise an error naming the value and the choices?"""
    monkeypatch.setenv("SEQLABS_PROFILE", "quick")
    with pytest.raises(ValueError, match=r"'quick'.*fast, class, full"):
        current_profile()


def test_data_dir(monkeypatch, tmp_path):
    """Is data_dir None when unset or empty, and the Path otherwise?"""
    monkeypatch.delenv("SEQLABS_DATA", raising=False)
    assert data_dir() is None
    monkeypatch.setenv("SEQLABS_DATA", "  ")
    assert data_dir() is None
    monkeypatch.setenv("SEQLABS_DATA", str(tmp_path))
    assert data_dir() == Path(tmp_path)


def test_seed_everything_repeats():
    """Do two seedings with the same seed give the same random, NumPy and torch draws?"""
    def draws():
        return random.random(), np.random.rand(3).tolist(), torch.rand(3).tolist()
    seed_everything(123)
    first = draws()
    seed_everything(123)
    assert draws() == first
    seed_everything(124)
    assert draws() != first
    assert torch.are_deterministic_algorithms_enabled()


@pytest.mark.parametrize("bad", [-1, 2**32, 1.5, "1", True])
def test_seed_everything_rejects(bad):
    """Are negative, huge and non-integer seeds refused?"""
    with pytest.raises((TypeError, ValueError)):
        seed_everything(bad)


@dataclass(frozen=True)
class _Demo:
    hidden: int = 16   # hidden units
    epochs: int = 100  # epochs
    PROFILES: ClassVar[dict] = {"fast": {"epochs": 5}, "full": {"epochs": 1000, "hidden": 64}}


def test_for_profile(monkeypatch):
    """Does for_profile apply defaults, then the profile's overrides, then keyword overrides?"""
    assert for_profile(_Demo, "class") == _Demo(16, 100)
    assert for_profile(_Demo, "fast") == _Demo(16, 5)
    assert for_profile(_Demo, "full") == _Demo(64, 1000)
    assert for_profile(_Demo, "fast", hidden=3) == _Demo(3, 5)
    monkeypatch.setenv("SEQLABS_PROFILE", "fast")
    assert for_profile(_Demo) == _Demo(16, 5)


@dataclass(frozen=True)
class _OnData(_Demo):
    ON_DATA: ClassVar[dict] = {"class": {"multi30k": {"epochs": 4, "hidden": 32}}}


def test_for_profile_on_data(monkeypatch, tmp_path):
    """Do a profile's sizes for a real data set apply exactly when SEQLABS_DATA holds that data set?"""
    monkeypatch.delenv("SEQLABS_DATA", raising=False)
    assert for_profile(_OnData, "class") == _OnData(16, 100)
    monkeypatch.setenv("SEQLABS_DATA", str(tmp_path))
    assert for_profile(_OnData, "class") == _OnData(16, 100)  # a data folder without multi30k/
    (tmp_path / "multi30k").mkdir()
    assert for_profile(_OnData, "class") == _OnData(32, 4)
    assert for_profile(_OnData, "class", epochs=2) == _OnData(32, 2)  # keyword overrides still last
    assert for_profile(_OnData, "fast") == _OnData(16, 5)  # other profiles: their own sizes


def test_on_data_makes_a_profiles_bound_a_bound_by_data():
    """Does on_data give the named checks a bound by data for the profile, keep the embedded one, and leave the
    other profiles, the other checks and its input alone?"""
    from seqlabs.settings import on_data

    thresholds = {"loss": {"fast": 2.0, "class": 0.3}, "bleu": {"fast": 30.0, "class": 90.0}}
    out = on_data(thresholds, "class", "multi30k", {"loss": 3.7})
    assert out == {"loss": {"fast": 2.0, "class": {"multi30k": 3.7, "embedded": 0.3}},
                   "bleu": {"fast": 30.0, "class": 90.0}}
    assert thresholds["loss"]["class"] == 0.3
    with pytest.raises(ValueError, match=r"no threshold\(s\) \['gain'\]"):
        on_data(thresholds, "class", "multi30k", {"gain": 8.0})


def test_for_profile_errors():
    """Are unknown profiles, unknown fields and non-dataclasses refused with clear messages?"""
    with pytest.raises(ValueError, match="unknown profile"):
        for_profile(_Demo, "huge")
    with pytest.raises(ValueError, match="no field"):
        for_profile(_Demo, "class", layers=2)
    with pytest.raises(TypeError, match="dataclass"):
        for_profile(dict, "class")


def test_fetch_root_is_seqlabs_data_else_the_user_cache(monkeypatch, tmp_path):
    """Do fetches go to $SEQLABS_DATA when set, else to the platform's user cache (never a fixed shared path),
    while the labs' data_dir() stays unset without SEQLABS_DATA?"""
    from seqlabs.profiles import data_dir, fetch_root

    monkeypatch.setenv("SEQLABS_DATA", str(tmp_path / "my data"))
    assert fetch_root() == tmp_path / "my data"
    monkeypatch.setenv("SEQLABS_DATA", "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # platformdirs' user cache on Linux
    assert fetch_root() == tmp_path / "cache" / "seqlabs"
    assert data_dir() is None
