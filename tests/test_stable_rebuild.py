"""Does a rebuild on another machine keep every committed file when nothing but float bits changed?

A committed key entry is kept when it accepts the freshly recorded value
(``autograder.assign.stable``); a committed solution notebook is kept when its
cells and marks are unchanged. The unit tests below perturb recorded values
as another CPU, BLAS or thread count would; the build tests rebuild the
example lab over its own output with noise inside the tolerance, and outside.
"""
from __future__ import annotations

import copy
import json
import shutil

import nbformat
import pytest

from autograder.core import values
from autograder.assign import build_labs, lab_paths
from autograder.assign.stable import accepts, keep_committed, same_solution
from conftest import EXAMPLE_LAB, EXAMPLE_ROOT, REPO_ROOT, copy_labs

pytestmark = pytest.mark.xdist_group("build_lab0")


def committed_key(lab: str = EXAMPLE_LAB) -> dict:
    return json.loads(lab_paths(EXAMPLE_ROOT, lab)["key"].read_text())


def scaled(entry: dict, factor: float) -> dict:
    """The entry with its recorded value multiplied by ``factor`` (what another machine might record)."""
    value = values.decode(entry["value"])
    return {**entry, "value": values.encode(value * factor)}


def test_a_value_inside_the_tolerance_keeps_the_committed_entry():
    """Is a close value moved by 1e-12 (last bits) kept, and one moved by 1% replaced?"""
    key = committed_key()
    fresh = copy.deepcopy(key)
    fresh["checks"]["q2_rms.data"] = scaled(key["checks"]["q2_rms.data"], 1 + 1e-12)
    fresh["checks"]["q1_means.data"] = scaled(key["checks"]["q1_means.data"], 1.01)
    kept_key, kept = keep_committed(fresh, key, profile="fast")
    assert kept_key["checks"]["q2_rms.data"] == key["checks"]["q2_rms.data"]
    assert kept_key["checks"]["q1_means.data"] == fresh["checks"]["q1_means.data"]
    assert "q2_rms.data" in kept and "q1_means.data" not in kept


def test_a_changed_tolerance_or_bound_is_never_kept():
    """Does a new rtol, a new bound or a new salt replace the entry even when the value is the same?"""
    key = committed_key()
    close = key["checks"]["q2_rms.data"]
    assert accepts(close, close, profile="fast")
    assert not accepts(close, {**close, "rtol": close["rtol"] * 10}, profile="fast")
    assert not accepts(close, {**close, "salt": "other"}, profile="fast")
    below = key["checks"]["q4_loss.final"]
    assert not accepts(below, {**below, "bound": {"fast": 9.0, "class": 9.0, "full": 9.0}}, profile="fast")


def test_a_trained_result_is_kept_wherever_it_still_passes_its_bound():
    """Is a bound check's recorded value kept however far it moved on another machine (a trained result
    is not fixed by a correct computation), and replaced once it no longer passes the bound?"""
    below = committed_key()["checks"]["q4_loss.final"]  # a loss of about 0.14 under a fast bound of 0.2
    value, bound = float(values.decode(below["value"])), 0.2

    def moved(to):
        return {**below, "value": values.encode(to)}

    assert value < bound
    for elsewhere in (value * 0.01, value * 0.5, bound - 1e-9):
        assert accepts(below, moved(elsewhere), profile="fast"), elsewhere
    assert not accepts(below, moved(bound + 1e-9), profile="fast"), "a value past the bound is never kept"
    assert not accepts(below, moved(float("nan")), profile="fast")
    tiny = {**below, "value": values.encode(7.7e-11), "bound": 1e-6}  # a gradient check's relative error
    assert accepts(tiny, {**tiny, "value": values.encode(9.1e-11)}, profile="fast")
    assert not accepts(tiny, {**tiny, "value": values.encode(2e-6)}, profile="fast")


def test_an_agreement_check_needs_the_same_target():
    """Is an agreement entry kept for another prediction that still agrees, but not for another target?"""
    entry = committed_key()["checks"]["q4_fit.predicted"]
    assert entry["kind"] == "agreement"
    assert accepts(entry, copy.deepcopy(entry), profile="fast")
    target = values.decode(entry["target"])
    other = values.encode(1 - target) if hasattr(target, "dtype") and target.dtype.kind in "biu" else None
    if other is not None:
        assert not accepts(entry, {**entry, "target": other}, profile="fast")


def test_a_solution_differing_only_in_outputs_is_the_same():
    """Is a solution whose printed numbers differ the same, and one with another source or marks not?"""
    text = lab_paths(EXAMPLE_ROOT, EXAMPLE_LAB)["solution"].read_text()
    nb = nbformat.reads(text, as_version=4)
    printed = copy.deepcopy(nb)
    cell = next(c for c in printed.cells if c.cell_type == "code" and any(o.get("name") == "stdout"
                                                                           for o in c.get("outputs", [])))
    stream = next(o for o in cell.outputs if o.get("name") == "stdout")
    stream.text = stream.text.replace("0", "1") + "a number printed on another machine 0.123457\n"
    assert same_solution(text, nbformat.writes(printed))
    edited = copy.deepcopy(nb)
    edited.cells[-1].source += "\n# edited"
    assert not same_solution(text, nbformat.writes(edited))
    fewer_marks = text.replace('"earned": 7.0', '"earned": 6.0')
    assert fewer_marks != text and not same_solution(text, fewer_marks)


@pytest.mark.parametrize("display", ["outline", "block", "summary"])
def test_a_solution_whose_autograder_displays_changed_words_is_not_the_same(display):
    """The outline, the ✓ lines and the summary are the notebook's language and the autograder's words, not a
    machine's sample: a Spanish solution built before a message was translated (its outline English) is rewritten."""
    text = lab_paths(REPO_ROOT, "lab0_example")["solution"].read_text()  # a lab with an outline
    nb = nbformat.reads(text, as_version=4)
    output = next(o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", ())
                  if f'class="seqlabs-autograder-{display}"' in "".join(o.get("data", {}).get("text/html", "")))
    output.data["text/plain"] = "".join(output.data["text/plain"]).replace("marks", "puntos").replace("Parts", "Partes")
    assert nbformat.writes(nb) != text and not same_solution(text, nbformat.writes(nb))


FACTOR_FILE = "another-machine.txt"  # beside the master: the kernels' working folder


def perturbed_master(root) -> None:
    """Make the example master's q2 answer a factor read from FACTOR_FILE times the right value."""
    path = lab_paths(root, EXAMPLE_LAB)["source"]
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if "def rms" in c.source)
    answer = "    return float(np.sqrt(np.mean(np.square(x))))"
    assert answer in cell.source
    cell.source = cell.source.replace(
        answer, f"    return float(np.sqrt(np.mean(np.square(x)))) * float(open({FACTOR_FILE!r}).read())")
    nbformat.write(nb, path)


def build_on_machine(root, factor: float):
    """Build with the q2 value scaled by ``factor`` in both record runs (as another CPU would compute it)."""
    (lab_paths(root, EXAMPLE_LAB)["source"].parent / FACTOR_FILE).write_text(repr(factor))
    report = build_labs(labs=[EXAMPLE_LAB], root=root, log=lambda _: None)
    assert report.ok, report.errors
    return report, {k: lab_paths(root, EXAMPLE_LAB)[k].read_text() for k in ("release", "solution", "key")}


@pytest.fixture(scope="module")
def built_here(tmp_path_factory):
    """The perturbed master built once with the factor 1.0 (this machine): ``(root, files)``, copied by each
    rebuild below instead of built again."""
    root = copy_labs(tmp_path_factory.mktemp("built-here"), labs=[EXAMPLE_LAB], generated=False)
    perturbed_master(root)
    return build_on_machine(root, 1.0)[1], root


@pytest.mark.parametrize("factor, rewritten", [(1 + 3e-12, False), (1 - 4e-13, False), (1.01, True)])
def test_rebuild_on_another_machine(built_here, tmp_path, factor, rewritten):
    """Rebuilt where a value differs in its last bits, is every file kept byte for byte; where it differs
    by 1% (beyond the check's rtol of 1e-6), are the key and the release's token rewritten?"""
    before, built = built_here
    root = tmp_path / "root"
    shutil.copytree(built, root)
    second, after = build_on_machine(root, factor)
    if rewritten:
        assert before["key"] != after["key"] and before["release"] != after["release"]
        assert before["solution"] != after["solution"]  # its setup cell carries the tokens too
    else:
        assert second.written == [] and before == after
