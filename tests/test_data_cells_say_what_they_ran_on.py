"""Does every data cell say what it ran on (issue 28)? Read from the committed solution notebooks' outputs.

The solutions are built in the `fast` profile on the embedded data, so each
data cell's output must say "the embedded practice corpus (synthetic; ...)"
and how to get the real data; with Multi30k the same line names it and the
number of pairs (`tests/library/test_data_fetch.py`).
"""
from __future__ import annotations

import json

import pytest

from conftest import REPO_ROOT

EXPECTED = {
    "lab3_word2vec": "This run uses the embedded practice corpus (synthetic; results are not comparable with the "
                     "literature): for real text, run the lab in the class profile",
    # fast: the first 3000 pairs whose German has at most 8 words (2,998 of them), as the cell prints below
    "lab4_seq2seq": "This run uses the embedded practice corpus (synthetic; results are not comparable with the "
                    "literature), 2,998 of its 6,000 training pairs: to use Multi30k, run `python -m seqlabs.data "
                    "fetch multi30k`",
    "lab5_attention": "This run uses the embedded practice corpus (synthetic; results are not comparable with the "
                      "literature), 3,000 of its 6,000 training pairs: to use Multi30k, run `python -m seqlabs.data "
                      "fetch multi30k`",
    "lab6_transformer": "This run uses the embedded practice corpus (synthetic; results are not comparable with the "
                        "literature), 3,000 of its 6,000 training pairs: to use Multi30k, run `python -m seqlabs.data "
                        "fetch multi30k`",
}


def masters_calling(*calls: str) -> list[str]:
    """The labs whose master calls any of ``calls``."""
    return sorted(p.stem for p in (REPO_ROOT / "labs" / "source").glob("*.ipynb")
                  if any(call in p.read_text(encoding="utf-8") for call in calls))


def test_every_lab_that_reads_a_data_set_is_checked():
    """A new lab that loads a corpus with a real alternative (Multi30k, or Lab 3's texts) is checked here (lab 6
    once printed only the corpus's own description)."""
    assert masters_calling("load_parallel(", "load_texts(") == sorted(EXPECTED)


@pytest.mark.parametrize("lab", sorted(EXPECTED))
def test_data_cell_says_what_it_ran_on(lab):
    nb = json.loads((REPO_ROOT / "labs" / "solution" / f"{lab}.ipynb").read_text(encoding="utf-8"))
    (cell,) = [c for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "data"]
    printed = "".join("".join(o.get("text", "")) for o in cell["outputs"] if o.get("output_type") == "stream")
    assert EXPECTED[lab] in printed, printed[:600]
    if "training pairs " in printed:  # the count it states is the count the cell trains on
        used = printed.split("training pairs ", 1)[1].split(",", 1)[0]
        assert f"uses the embedded practice corpus (synthetic; results are not comparable with the literature), " \
               f"{int(used):,} of its" in printed


def test_the_bundle_readme_names_every_lab_that_reads_multi30k():
    """The student README's "Used by" line comes from the registry (it once left out lab 6)."""
    from seqlabs.data.registry import MULTI30K
    readers = masters_calling("load_parallel(")
    assert readers and set(readers) <= set(MULTI30K.used_by)
