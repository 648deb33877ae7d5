"""Does every data cell say what it ran on (issue 28)? Read from the committed solution notebooks' outputs.

The solutions are built in the `fast` profile on the embedded data, so each
data cell's output must say "the embedded practice corpus (synthetic; ...)"
and how to get the real data; with Multi30k the same line names it and the
number of pairs (`tests/library/test_data_fetch.py`). The Spanish solutions say
it in Spanish, with Spanish digit grouping (2.998 pares: "2,998" reads as a
little under three there).
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

EMBEDDED_ES = "Esta ejecución usa el corpus de práctica incluido (sintético; sus resultados no son comparables con la literatura)"
FETCH_ES = "pares de entrenamiento: para usar Multi30k, ejecuta `python -m seqlabs.data fetch multi30k` en una terminal"
SPANISH = {
    "lab3_word2vec": EMBEDDED_ES + ": para texto real, ejecuta el laboratorio en el perfil class",
    "lab4_seq2seq": f"{EMBEDDED_ES}, 2.998 de sus 6.000 {FETCH_ES}",
    "lab5_attention": f"{EMBEDDED_ES}, 3.000 de sus 6.000 {FETCH_ES}",
    "lab6_transformer": f"{EMBEDDED_ES}, 3.000 de sus 6.000 {FETCH_ES}",
}


def data_cell_printed(solution: str) -> str:
    """What the data cell of a committed solution notebook (``labs/solution/...``) printed."""
    nb = json.loads((REPO_ROOT / "labs" / "solution" / solution).read_text(encoding="utf-8"))
    (cell,) = [c for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "data"]
    return "".join("".join(o.get("text", "")) for o in cell["outputs"] if o.get("output_type") == "stream")


def masters_calling(*calls: str) -> list[str]:
    """The labs whose master calls any of ``calls``."""
    return sorted(p.stem for p in (REPO_ROOT / "labs" / "source").glob("*.ipynb")
                  if any(call in p.read_text(encoding="utf-8") for call in calls))


def test_every_lab_that_reads_a_data_set_is_checked():
    """A new lab that loads a corpus with a real alternative (Multi30k, or Lab 3's texts) is checked here (lab 6
    once printed only the corpus's own description)."""
    assert masters_calling("load_parallel(", "load_texts(") == sorted(EXPECTED) == sorted(SPANISH)


@pytest.mark.parametrize("lab", sorted(EXPECTED))
def test_data_cell_says_what_it_ran_on(lab):
    printed = data_cell_printed(f"{lab}.ipynb")
    assert EXPECTED[lab] in printed, printed[:600]
    if "training pairs " in printed:  # the count it states is the count the cell trains on
        used = printed.split("training pairs ", 1)[1].split(",", 1)[0]
        assert f"uses the embedded practice corpus (synthetic; results are not comparable with the literature), " \
               f"{int(used):,} of its" in printed


@pytest.mark.parametrize("lab", sorted(SPANISH))
def test_the_spanish_data_cell_says_it_in_spanish(lab):
    """The line tells the student what to do: in the notebook's language (it was English in every language)."""
    printed = data_cell_printed(f"es/{lab}.ipynb")
    assert SPANISH[lab] in printed and "This run uses" not in printed, printed[:600]


def test_the_bundle_readme_names_every_lab_that_reads_multi30k():
    """The student README's "Used by" line comes from the registry (it once left out lab 6)."""
    from seqlabs.data.registry import MULTI30K
    readers = masters_calling("load_parallel(")
    assert readers and set(readers) <= set(MULTI30K.used_by)
