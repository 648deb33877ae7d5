"""`autograder build` on lab0_example: release, solution notebook, key, idempotence."""
from __future__ import annotations

import ast
import json
import re

import nbformat
import pytest
from nbgrader import utils as nbg

from autograder.core import tokens, values
from autograder.assign import execute_notebook
from autograder.assign.release import make_release, with_tokens
from autograder.assign.verify import _value_strings
from autograder.cli import main
from conftest import EXAMPLE_LAB, EXAMPLE_ROOT

pytestmark = pytest.mark.xdist_group("build_lab0")
STUB = "# YOUR CODE HERE\nraise NotImplementedError()"


def read(path):
    return nbformat.read(path, as_version=4)


def by_id(nb):
    return {nbg_id(c): c for c in nb.cells if nbg_id(c)}


def nbg_id(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def token_table(nb) -> dict[str, str]:
    """The tokens= dict literal of the release's init call."""
    setup = next(c for c in nb.cells if "autograder.init(" in c.source)
    call = next(n for n in ast.walk(ast.parse(setup.source))
                if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "init")
    table = next((k.value for k in call.keywords if k.arg == "tokens"), None)
    return ast.literal_eval(table) if table is not None else {}


@pytest.fixture(scope="module")
def lab0(built_lab0):
    source = read(EXAMPLE_ROOT / "labs" / "source" / f"{EXAMPLE_LAB}.ipynb")
    release = read(built_lab0.path(EXAMPLE_LAB, "release"))
    solution = read(built_lab0.path(EXAMPLE_LAB, "solution"))
    key = json.loads(built_lab0.path(EXAMPLE_LAB, "key").read_text())
    return source, release, solution, key


def test_build_prints_what_it_verified(built_lab0):
    """Does the build say what it checked, and write the three outputs?"""
    text = "\n".join(built_lab0.log)
    assert "7 checks (1 hidden) in 6 blocks, 7 auto + 2 manual points" in text
    assert "verified: solution 7/7, release 0/7, no leaks" in text
    assert text.count("wrote ") == 3


def test_solution_regions_are_replaced_by_the_stub(lab0):
    """Are solution regions in code cells replaced by nbgrader's stub, and written answers by its text stub?"""
    source, release, _, _ = lab0
    rel = by_id(release)
    for gid, cell in by_id(source).items():
        if not nbg.is_solution(cell):
            continue
        if cell.cell_type == "code":
            assert STUB in re.sub(r"\n\s+", "\n", rel[gid].source), gid
            assert "BEGIN SOLUTION" not in rel[gid].source
        else:
            assert rel[gid].source == "YOUR ANSWER HERE"
    assert 'def column_means(x):\n    """Mean of each column. x: (N, D) -> (D,)."""\n    # YOUR CODE HERE' in rel["q1_code"].source


def test_hidden_tests_are_removed_from_the_release_only(lab0):
    """Are hidden tests gone from the release and still in the solution notebook?"""
    source, release, solution, _ = lab0
    assert "BEGIN HIDDEN TESTS" in by_id(source)["q1_tests"].source
    assert "q1_hidden" not in nbformat.writes(release)
    assert "q1_hidden" in by_id(solution)["q1_tests"].source
    assert by_id(release)["q1_tests"].source.startswith(by_id(source)["q1_tests"].source.split("### BEGIN")[0].rstrip())


def test_release_is_cleared_locked_and_checksummed(lab0):
    """Are outputs cleared, test and read-only cells locked, and checksums nbgrader's own?"""
    _, release, _, _ = lab0
    for cell in release.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
        if nbg.is_grade(cell) or nbg.is_solution(cell) or nbg.is_locked(cell):
            assert cell.metadata.nbgrader["checksum"] == nbg.compute_checksum(cell)
        if (nbg.is_grade(cell) and not nbg.is_solution(cell)) or (nbg.is_locked(cell) and not nbg.is_solution(cell)):
            assert cell.metadata["editable"] is False and cell.metadata["deletable"] is False, nbg_id(cell)


def test_token_table_covers_exactly_the_visible_token_checks(lab0):
    """Does init carry a token for each non-hidden close/equal check, salted '<lab>:<check>', with the key's tolerance?"""
    _, release, _, key = lab0
    table = token_table(release)
    expected = {c for c, e in key["checks"].items() if e["kind"] in ("close", "equal") and not e["hidden"]}
    assert set(table) == expected == {"q1_means.data", "q2_rms.data", "q3_gate.name"}
    for cid, token in table.items():
        entry = key["checks"][cid]
        assert entry["salt"] == f"{EXAMPLE_LAB}:{cid}"
        assert token == tokens.make_token(values.decode(entry["value"]), rtol=entry["rtol"], atol=entry["atol"],
                                          salt=entry["salt"])
        assert tokens.verify(values.decode(entry["value"]), token)


def test_key_follows_the_contract(lab0):
    """Does the key have the format of docs/architecture.md, with only the hidden check marked hidden?"""
    source, _, _, key = lab0
    assert (key["format"], key["lab"]) == ("seqlabs-key/2", EXAMPLE_LAB)
    assert key["conditions"] == {"profile": "fast", "data": "embedded"}
    assert key["blocks"]["q1_means"] == {"points": 1, "cell": "q1_tests", "checks": ["q1_means.data"]}
    assert key["blocks"]["q4_fit"]["checks"] == ["q4_fit.accuracy", "q4_fit.predicted"]
    assert {c for c, e in key["checks"].items() if e["hidden"]} == {"q1_hidden.wide"}
    assert key["manual"] == {"q5_answer": {"points": 2}}
    kinds = {c: e["kind"] for c, e in key["checks"].items()}
    assert kinds == {"q1_means.data": "close", "q1_hidden.wide": "close", "q2_rms.data": "close",
                     "q3_gate.name": "equal", "q4_loss.final": "below", "q4_fit.accuracy": "above",
                     "q4_fit.predicted": "agreement"}
    assert key["checks"]["q4_loss.final"]["bound"] == {"fast": 0.2, "class": 0.15, "full": 0.15}
    assert "target" in key["checks"]["q4_fit.predicted"] and key["checks"]["q4_fit.predicted"]["at_least"] == 0.9
    for cell in source.cells:  # nbgrader points of each test cell = its blocks' points
        if nbg.is_grade(cell) and cell.cell_type == "code":
            blocks = [b for b in key["blocks"].values() if b["cell"] == nbg_id(cell)]
            assert sum(b["points"] for b in blocks) == cell.metadata.nbgrader["points"]


def test_solution_notebook_keeps_outputs_and_shows_full_marks(lab0):
    """Is the solution notebook executed with every token, outputs kept, and full marks in its summary?"""
    source, _, solution, key = lab0
    assert set(token_table(solution)) == {"q1_means.data", "q2_rms.data", "q3_gate.name"}  # as the release
    hidden = by_id(solution)["q1_tests"].source.split("### BEGIN HIDDEN TESTS\n")[1]
    assert hidden.startswith('autograder.init("lab0_example", tokens={') and '"q1_hidden.wide": "ag1:' in hidden
    assert "BEGIN SOLUTION" in by_id(solution)["q1_code"].source
    summaries = [o for c in solution.cells if c.cell_type == "code" for o in c.outputs
                 if "application/vnd.seqlabs.autograder+json" in o.get("data", {})]
    tally = summaries[-1]["data"]["application/vnd.seqlabs.autograder+json"]
    assert tally["event"] == "summary" and tally["earned"] == tally["points"] == 7
    assert set(tally["blocks"]) == set(key["blocks"])
    assert "7/7" in "".join(o.get("data", {}).get("text/plain", "") for o in by_id(solution)["summary"].outputs)


def test_no_timestamps_or_kernel_details(lab0):
    """Are execution timestamps and machine-specific kernel metadata kept out of the generated notebooks?"""
    source, release, solution, _ = lab0
    for nb in (release, solution):
        assert nb.metadata == source.metadata
        assert all("execution" not in c.metadata for c in nb.cells)


def test_no_key_value_in_the_release(lab0):
    """Does no key value (repr or 4 significant figures) and no hidden check id appear in the release?"""
    _, release, _, key = lab0
    text = nbformat.writes(release)
    for cid, entry in key["checks"].items():
        for shown in _value_strings(entry["value"]):
            assert shown not in text, cid
        if entry["hidden"]:
            assert cid not in text


def test_correct_answers_pass_the_release_checks(lab0):
    """With the solutions pasted into the release, does its own tally (student mode, tokens) give every visible mark?"""
    source, release, _, _ = lab0
    answered = nbformat.reads(nbformat.writes(release), as_version=4)
    src = by_id(source)
    for cell in answered.cells:
        if nbg.is_solution(cell) and cell.cell_type == "code":
            cell.source = src[nbg_id(cell)].source
    run = execute_notebook(answered, mode="student", profile="fast")
    tally = [e for e in run.all_events() if e["event"] == "summary"][-1]
    assert run.errors == []
    assert tally["earned"] == tally["points"] == 6  # the hidden block is not in the release


def test_building_twice_changes_nothing(built_lab0, capsys):
    """Is `autograder build` idempotent: a second build (through the CLI) writes no file?"""
    before = {k: built_lab0.path(EXAMPLE_LAB, k).read_bytes() for k in ("release", "solution", "key")}
    assert main(["--root", str(built_lab0.root), "build", EXAMPLE_LAB]) == 0
    out = capsys.readouterr().out
    assert "wrote" not in out and out.count("lab0_example.") == 3 and "unchanged:" in out
    assert before == {k: built_lab0.path(EXAMPLE_LAB, k).read_bytes() for k in ("release", "solution", "key")}


def test_with_tokens_rewrites_only_the_lab_init_call():
    """Is the token table written into `autograder.init("<lab>")` and nowhere else?"""
    code = "import autograder\nautograder.init('lab9')\nautograder.init(\"other\")\n"
    out = with_tokens(code, "lab9", {"b": "t2", "a": "t1"})
    assert 'autograder.init("lab9", tokens={\n    "a": "t1",\n    "b": "t2",\n})' in out
    assert 'autograder.init("other")' in out
    assert with_tokens(code, "lab9", {}) == code.replace("'lab9'", '"lab9"')


def test_release_pipeline_on_a_minimal_master():
    """Does make_release run nbgrader's preprocessors standalone on a two-cell master?"""
    meta = lambda **kw: {"nbgrader": {"grade": False, "solution": False, "locked": False, "schema_version": 3,
                                      "task": False, **kw}}
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell('import autograder\nautograder.init("t")', metadata=meta(grade_id="s", locked=True)),
        nbformat.v4.new_code_cell("### BEGIN SOLUTION\nx = 42\n### END SOLUTION", metadata=meta(grade_id="a", solution=True)),
    ])
    out = make_release(nb, "t", {"c": "tok"})
    assert out.cells[0].source.endswith('autograder.init("t", tokens={\n    "c": "tok",\n})')
    assert out.cells[1].source == STUB
    assert nb.cells[1].source.startswith("### BEGIN")  # the master is not modified


def test_value_strings_skip_what_cannot_be_hidden():
    """Are only distinctive floats (3+ significant digits) and strings of 3+ characters searched for?"""
    floats = {"type": "ndarray", "dtype": "float64", "shape": [3], "data": [0.5, 0.13844093724489748, 2.0]}
    assert _value_strings(floats) == {"0.1384", "0.13844093724489748"}
    assert _value_strings({"type": "ndarray", "dtype": "int64", "shape": [], "data": [7]}) == set()
    assert _value_strings({"type": "str", "shape": [], "data": "forget"}) == {'"forget"', "'forget'"}


def test_rebuild_ignores_only_printed_durations():
    """Does a rebuild that differs only in printed wall-clock times count as unchanged, and anything else not?"""
    from autograder.assign import same_apart_from_timings

    assert same_apart_from_timings("2 epochs in 4 s; Epoch Time: 0m 3s", "2 epochs in 3 s; Epoch Time: 0m 13s")
    assert same_apart_from_timings('"took 12.5 ms"', '"took 9.0 ms"')
    assert same_apart_from_timings("epoch 1/2 4.4s train=3.9 time=0m04s", "epoch 1/2 1.4s train=3.9 time=0m01s")
    assert same_apart_from_timings("LSTM  73,898      7 s   3.565", "LSTM  73,898     10 s   3.565")  # aligned column
    assert not same_apart_from_timings("test loss 3.596", "test loss 3.597")
    assert not same_apart_from_timings("2 epochs in 4 s", "3 epochs in 4 s")
