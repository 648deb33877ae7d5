"""Can a student forge a grade, harm a classmate or the host, or read the key? (issue 11, docs/threat-model.md)

One fenced batch (module scope, 2 workers) grades every attack on the example
lab next to the honest cases; each test reads its rows. An attack either
earns nothing it did not compute, or is held for review with evidence and no
marks for the affected blocks. The host-side checks (nothing written outside
scratch, nothing left behind, no key byte in any output) run after the batch.
"""
from __future__ import annotations

import copy
import json
import os
import uuid
from pathlib import Path

import nbformat
import pytest

from autograder.core import values
from autograder.kernel import fence
from autograder.runners import grade_submissions
from autograder.grade.discover import discover
from fixtures.grade import lab as fx

pytestmark = [pytest.mark.xdist_group("grade_forgery"), pytest.mark.slow]

MARKER = f"seqlabs-attack-{uuid.uuid4().hex[:10]}"


def _key(root: Path) -> dict:
    return json.loads((root / "labs" / "keys" / f"{fx.LAB}.json").read_text())


def _forged_events(key: dict) -> list[dict]:
    """What a correct run reports, from the key: the values a student would copy from a classmate."""
    out = []
    for cid, entry in key["checks"].items():
        value = entry.get("target", entry["value"])
        out.append({"event": "report", "lab": fx.LAB, "check": cid, "block": entry["block"], "value": value})
    out += [{"event": "block", "lab": fx.LAB, "block": b, "section": b.split("_")[0], "points": spec["points"],
             "error": None} for b, spec in key["blocks"].items()]
    return out


def _reporting_cell(key: dict) -> str:
    """Student code that sends the forged events through the genuine checks (from its own frame)."""
    lines = ["import autograder, numpy as np", "from autograder.core import values as _v"]
    for cid, entry in key["checks"].items():
        value = f"_v.decode({json.dumps(entry.get('target', entry['value']))})"
        kind = entry["kind"]
        call = {"close": f"autograder.check({cid!r}, {value})", "equal": f"autograder.check({cid!r}, {value})",
                "below": f"autograder.check_below({cid!r}, {value}, bound=1e9)",
                "above": f"autograder.check_above({cid!r}, {value}, bound=-1e9)",
                "agreement": f"autograder.check_agreement({cid!r}, {value}, {value}, at_least=0)"}[kind]
        lines.append(f"with autograder.marks({entry['block']!r}, points=1):\n    {call}")
    return "\n".join(lines)


def attacks(root: Path) -> dict[str, nbformat.NotebookNode]:
    """Name -> submission. Release-based ones must earn 0; solution-based ones must keep full marks."""
    key = _key(root)
    solution, release = fx.read(root, "solution"), fx.read(root, "release")
    forged = json.dumps(_forged_events(key))
    mime = "application/vnd.seqlabs.autograder+json"
    report = _reporting_cell(key)
    out: dict[str, nbformat.NotebookNode] = {}

    # -- forged reports (release: nothing computed) --
    out["hook_display"] = fx.with_cell(release, "setup", (
        "import json\nfrom IPython.display import display\n"
        f"_FORGED = json.loads({forged!r})\n"
        "def _forge(result=None):\n"
        f"    for e in _FORGED:\n        display({{{mime!r}: e}}, raw=True)\n"
        "get_ipython().events.register('post_run_cell', _forge)"))
    out["hook_checks"] = fx.with_cell(release, "setup", (
        "def _forge(result=None):\n" + "\n".join("    " + line for line in report.splitlines()) + "\n"
        "get_ipython().events.register('post_run_cell', _forge)"))
    out["display_publisher"] = fx.with_cell(release, "setup", (
        "_ip = get_ipython()\n_orig = _ip.display_pub.publish\n"
        "def _publish(data, *a, **k):\n"
        f"    if {mime!r} in data:\n        data = dict(data); e = dict(data[{mime!r}]); e['error'] = None\n"
        f"        data[{mime!r}] = e\n"
        "    return _orig(data, *a, **k)\n"
        "_ip.display_pub.publish = _publish"))
    out["audit_direct"] = fx.with_cell(release, "q4_code", (
        "import json, sys\n"
        f"for _e in json.loads({forged!r}):\n    sys.audit('seqlabs.event', json.dumps(_e))"))
    out["raw_channel_write"] = fx.with_cell(release, "q4_code", (
        "import json, os\n"
        f"_line = ('0' * 64 + ' ' + json.dumps({{'kind': 'event', 'seq': 1, 'cell': 17, 'taint': [], "
        f"'event': json.dumps(json.loads({forged!r})[0])}}) + '\\n').encode()\n"
        "for _fd in range(3, 256):\n"
        "    try:\n"
        "        if os.readlink(f'/proc/self/fd/{_fd}').startswith('pipe:'):\n"
        "            os.write(_fd, _line)\n"
        "    except OSError:\n        pass"))
    out["patched_encoder"] = fx.with_cell(release, "setup", (
        "import autograder.core.values as _values\n_enc = _values.encode\n"
        "_values.encode = lambda v: _enc('forget') if isinstance(v, str) else _enc(v)"))
    out["patched_numpy"] = fx.with_cell(release, "q4_code", "np.mean = lambda *a, **k: 0.99")
    out["rebinds_locked_import"] = fx.with_cell(release, "q1_code", (
        "import types, numpy\nnp = types.ModuleType('numpy')\nnp.__dict__.update(numpy.__dict__)\n"
        "np.mean = lambda *a, **k: 0.99"))
    out["settrace"] = fx.with_cell(release, "setup", "import sys\nsys.settrace(lambda *a: None)")
    out["gc_hunt"] = fx.with_cell(release, "setup", "import gc\n_all = gc.get_objects()")
    out["ctypes_peek"] = fx.with_cell(release, "setup", "import ctypes\n_b = ctypes.string_at(id(1), 8)")
    out["input_transformer"] = fx.with_cell(release, "setup", (
        "def _rewrite(lines):\n"
        "    return [l.replace('gate.strip().lower()', '\"forget\"') for l in lines]\n"
        "get_ipython().input_transformers_post.append(_rewrite)"))
    q3 = release.cells[fx.index_of(release, "q3_tests")].source
    out["exec_restored"] = fx.with_cell(release, "q3_tests", (
        f"import autograder\nexec({q3!r}, {{'autograder': autograder, 'gate': 'forget'}})"))
    out["gradient_reports_itself"] = copy.deepcopy(release)
    out["gradient_reports_itself"].cells[fx.index_of(release, "q4_code")].source = (
        "def logistic_gradient(w, X, y):\n"
        "    autograder.check_below('q4_loss.final', 0.01, bound=1.0)\n"
        "    return np.zeros_like(w)")
    out["plain_assignments"] = fx.with_cell(release, "q4_train", (
        "losses = [0.0]\naccuracy = 1.0\npredicted = labels.copy()\n_loss = 0.0\n_predicted = labels.copy()"))
    out["impossible_loss"] = copy.deepcopy(release)
    out["impossible_loss"].cells[fx.index_of(release, "q4_code")].source = (
        "def logistic_gradient(w, X, y):\n    return np.full_like(w, np.nan)  # a NaN loss")

    # -- harm: a classmate, the host, leftovers, the key (solution: must keep full marks) --
    # It looks for another kernel's connection file (JSON with its signing "key") anywhere in /tmp and /dev/shm
    # (a venv installed under /tmp is visible there, read-only: its kernelspec's kernel.json is no secret), for
    # any process but its fence's PID 1 (root, which it cannot signal), and stops every process it can.
    out["saboteur"] = fx.with_cell(solution, "setup", (
        "import glob, json, os, signal\n"
        "def _connection(f):\n"
        "    try:\n        return 'key' in json.load(open(f))\n    except Exception:\n        return False\n"
        "_files = [f for f in glob.glob('/tmp/**/kernel*.json', recursive=True) + glob.glob('/dev/shm/**/*', recursive=True)"
        " if not f.startswith('/tmp/.kernel/') and _connection(f)]\n"
        "_pids = [int(p) for p in os.listdir('/proc') if p.isdigit() and int(p) != os.getpid()]\n"
        "_stopped = []\n"
        "for _pid in _pids:\n"
        "    try:\n        os.kill(_pid, signal.SIGSTOP); _stopped.append(_pid)\n    except OSError:\n        pass\n"
        "_strangers = [p for p in _pids if p != 1]\n"
        "if _files or _stopped or _strangers:\n    print('found', _files[:5], _stopped[:5], _strangers[:5]); os._exit(3)"))
    return out


def host_targets(root: Path, folder: Path) -> list[Path]:
    """Where a kernel must never write (each attempt would leave a file named MARKER)."""
    import sysconfig

    return [root / "autograder" / MARKER, Path(sysconfig.get_paths()["purelib"]) / f"{MARKER}.pth",
            root / "labs" / "release" / MARKER, Path("/etc/cron.d") / MARKER, Path("/root") / MARKER,
            folder / MARKER, root / MARKER, Path("/tmp") / MARKER, Path("/dev/shm") / MARKER]


def harm(root: Path, folder: Path) -> dict[str, nbformat.NotebookNode]:
    solution, release = fx.read(root, "solution"), fx.read(root, "release")
    targets = [str(p) for p in host_targets(root, folder)]
    out = {}
    out["host_writer"] = fx.with_cell(solution, "setup", (
        "import os\n_wrote = []\n"
        f"for _p in {targets!r}:\n"
        "    try:\n        with open(_p, 'w') as _f:\n            _f.write('pwned')\n        _wrote.append(_p)\n"
        "    except OSError:\n        pass\n"
        "if [p for p in _wrote if not p.startswith(('/tmp/', '/dev/shm/'))]:\n"
        "    print('wrote', _wrote); os._exit(3)"))  # /tmp and /dev/shm are the kernel's own here
    out["leftovers"] = fx.with_cell(solution, "setup", (
        "_chunk = b'x' * (64 << 20)\n"
        f"for _where, _n in (('/tmp/{MARKER}-big', 32), ('/dev/shm/{MARKER}-shm', 16), ('{MARKER}-scratch', 16)):\n"
        "    try:\n        with open(_where, 'wb') as _f:\n"
        "            for _ in range(_n):\n                _f.write(_chunk)\n"
        "    except OSError:\n        pass\n"
        "del _chunk"))
    reads = ("import glob, os, subprocess\n_found = []\n"
             f"_r = subprocess.run(['git', '-C', {str(root)!r}, 'show', 'HEAD:labs/keys/{fx.LAB}.json'],"
             " capture_output=True, text=True)\n"
             "_found.append(_r.stdout)\n"
             f"for _p in glob.glob('/work/*/labs/keys/*.json') + glob.glob('/work/*/*/labs/keys/*.json')"
             f" + [{str(root / 'labs' / 'keys' / (fx.LAB + '.json'))!r}]:\n"
             "    try:\n        _found.append(open(_p).read())\n    except OSError:\n        pass\n")
    leak = copy.deepcopy(release)
    leak.cells[fx.index_of(release, "q1_code")].source = (
        reads + "def column_means(x):\n    raise ValueError(' '.join(_found)[:3000] or 'nothing found')")
    out["key_reader"] = leak
    out["impostor"] = copy.deepcopy(release)
    out["impostor"].metadata["autograder"] = {"student": "solution"}
    out["impostor"].metadata["student"] = "solution"

    honest = copy.deepcopy(solution)
    for cell in honest.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None  # cleared outputs
    honest = fx.with_cell(honest, "setup", "import time, gc\ngc.collect()\ntime.sleep(2)  # a slow cell")
    honest = fx.with_cell(honest, "q1_code", "import sys\nprint('debugging', file=sys.stderr)\n%time _ = sum(range(10))")
    honest = fx.with_cell(honest, "q4_train", "def helper(v):\n    return v * 2\nlosses = [helper(1.0)]\nplot_me = losses")
    out["honest_extras"] = honest
    return out


@pytest.fixture(scope="module")
def forgery(root, tmp_path_factory):
    if fence.available():
        pytest.skip(f"no fence on this host: {fence.available()}")
    folder = tmp_path_factory.mktemp("attack-subs")
    subs = {"solution": fx.read(root, "solution"), "release": fx.read(root, "release"),
            **attacks(root), **harm(root, folder)}
    fx.write(folder, subs)
    (folder / "linked.ipynb").symlink_to(root / "labs" / "solution" / f"{fx.LAB}.ipynb")
    os.mkfifo(folder / "fifo.ipynb")
    out = tmp_path_factory.mktemp("attack-out")
    run = grade_submissions(lab=fx.LAB, submissions=[folder], out=out, root=root, workers=2,
                            timeout=90, memory_mb=1024)
    return run, {r["student"]: r for r in run.results}, out, folder


HELD = ["hook_checks", "audit_direct", "raw_channel_write", "patched_encoder", "patched_numpy",
        "rebinds_locked_import", "settrace", "gc_hunt", "ctypes_peek", "input_transformer", "exec_restored",
        "gradient_reports_itself"]
FORGERIES = [*HELD, "hook_display", "display_publisher", "plain_assignments", "impossible_loss", "key_reader",
             "impostor"]


def test_every_submission_has_a_row(forgery):
    run, by, _, _ = forgery
    assert run.ok, run.error
    assert {"linked", "fifo", *FORGERIES, "saboteur", "host_writer", "leftovers", "honest_extras"} <= set(by)


@pytest.mark.parametrize("name", FORGERIES)
def test_forgery_earns_nothing(forgery, name):
    """Does every forged, copied or impossible report earn 0, however it was made?"""
    r = forgery[1][name]
    assert r["score"] == 0, (r["detail"], {b: v["earned"] for b, v in r["blocks"].items()})


@pytest.mark.parametrize("name", HELD)
def test_tampering_is_held_for_review_with_evidence(forgery, name):
    """Is a submission that tampered with the kernel held, with the evidence, its blocks at 0?"""
    r = forgery[1][name]
    assert r["status"] == "held", r["detail"]
    held = [b for b in r["blocks"].values() if b.get("held")]
    assert held and all(b["earned"] == 0 for b in held), r["blocks"]
    assert "held for review" in r["detail"] and all(b["held"][0] for b in held)


@pytest.mark.parametrize("name", ["solution", "honest_extras", "saboteur", "host_writer", "leftovers"])
def test_honest_work_and_victims_keep_full_marks(forgery, name):
    """Do honest extras, and the victims of sabotage, keep full marks, unheld (a probe that saw or wrote
    anything it should not would have killed its own kernel)?"""
    r = forgery[1][name]
    assert (r["status"], r["score"]) == ("graded", r["max_score"]), r["detail"]
    assert not any(b.get("held") for b in r["blocks"].values())


def test_release_is_zero_and_not_held(forgery):
    r = forgery[1]["release"]
    assert (r["status"], r["score"]) == ("graded", 0), r["detail"]


def test_impossible_values_fail_their_bound(forgery):
    """Is a NaN or out-of-range loss rejected by the bound check, not passed as 'below'?"""
    r = forgery[1]["impossible_loss"]
    message = r["blocks"]["q4_loss"]["checks"]["q4_loss.final"]["message"]
    assert "NaN" in message or "not a possible value" in message or "not below" in message, message


def test_identity_comes_from_the_file(forgery):
    """Does a notebook naming another student in its metadata keep its own row, and the named one its marks?"""
    by = forgery[1]
    assert by["impostor"]["score"] == 0 and by["impostor"]["path"].endswith("impostor.ipynb")
    assert by["solution"]["score"] == by["solution"]["max_score"]
    assert not [s for s in by if s.startswith("solution-")]


@pytest.mark.parametrize("name, kind", [("linked", "symbolic link"), ("fifo", "FIFO")])
def test_links_and_special_files_are_refused(forgery, name, kind):
    r = forgery[1][name]
    assert (r["status"], r["score"]) == ("error", 0) and "refused" in r["detail"] and kind in r["detail"]


def test_nothing_written_outside_scratch_and_nothing_left(forgery, root):
    """Is every file an attack tried to write on the host absent, and nothing with its name left anywhere?"""
    folder = forgery[3]
    written = [p for p in host_targets(root, folder) if p.exists()]
    left = [p for d in ("/tmp", "/dev/shm", str(folder)) for p in Path(d).glob(f"{MARKER}*")]
    assert written == [] and left == []


def _secrets(key: dict) -> set[str]:
    """Renderings of every reference value in the key a student could not know without it."""
    found = set()
    for entry in key["checks"].values():
        for field in ("value", "target"):
            if field not in entry:
                continue
            arr = values.decode(entry[field])
            flat = arr.reshape(-1).tolist() if hasattr(arr, "reshape") else [arr]
            for x in flat:
                if isinstance(x, float) and len(f"{abs(x):.6g}".replace(".", "").strip("0")) >= 4:
                    found |= {repr(x), f"{x:.6g}"}
                elif isinstance(x, str) and len(x) >= 4:
                    found.add(x)
    return found


def test_no_key_value_reaches_any_output(forgery, root):
    """Is no reference value of the key in any file the run wrote (the key reader's error included)?

    A value a student typed into their own notebook (a forgery hard-codes values copied from a correct
    run) may come back on the feedback page that shows that notebook: it is their text, not the key's.
    Every other file must hold no value that no student typed."""
    out, folder = forgery[2], forgery[3]
    secrets = _secrets(_key(root))
    assert len(secrets) > 5
    r = forgery[1]["key_reader"]
    assert "nothing found" in json.dumps(r["blocks"]), r["blocks"]["q1_means"]  # it could read no key
    typed = {p.stem: p.read_text(errors="replace") for p in folder.glob("*.ipynb")
             if p.is_file() and not p.is_symlink()}
    anyone = " ".join(typed.values())
    for path in out.rglob("*"):
        if path.is_file() and ".grade-cache" not in path.parts:
            own = typed.get(path.stem, "") if path.parent.name == "feedback" else anyone
            text = path.read_text(errors="replace")
            assert not [s for s in secrets if s in text and s not in own], path


def test_bound_checks_reject_impossible_values():
    """Is a negative cross-entropy, a BLEU over 100, NaN or inf failed whatever the bound?"""
    from autograder.notebook.judge import judge_check

    loss = {"kind": "below", "bound": 0.2, "possible": [0.0, None]}
    bleu = {"kind": "above", "bound": 10.0, "possible": [0.0, 100.0]}
    for entry, value in ((loss, -1e6), (loss, -0.0001), (bleu, 101.0), (loss, float("nan")),
                         (bleu, float("nan")), (loss, float("-inf")), ({"kind": "above", "bound": 0.9}, float("inf"))):
        ok, message = judge_check(entry, value, profile="fast")
        assert not ok, (entry, value)
    assert judge_check(loss, 0.1, profile="fast") == (True, "ok")
    assert judge_check(bleu, 42.0, profile="fast") == (True, "ok")


def test_discover_refuses_links_without_opening_them(tmp_path):
    """Is a link to another notebook a refused row, named by its own file, and a FIFO never opened?"""
    real = tmp_path / "real.ipynb"
    real.write_text("{}")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "bob.ipynb").symlink_to(real)
    os.mkfifo(tmp_path / "sub" / "pipe.ipynb")
    found = {s.student: s for s in discover([tmp_path / "sub"], lab="lab0")}
    assert set(found) == {"bob", "pipe"}
    assert "symbolic link" in found["bob"].refused and "FIFO" in found["pipe"].refused


def test_grader_refuses_to_run_unfenced_unless_told(root, tmp_path, monkeypatch):
    """Where the host cannot fence kernels, does the grader say so and refuse, and run when told to?"""
    monkeypatch.setattr(fence, "available", lambda: "the fence needs root (test)")
    sub = fx.write(tmp_path / "subs", {"alice": fx.read(root, "release")})
    refused = grade_submissions(lab=fx.LAB, submissions=sub, out=tmp_path / "o1", root=root, workers=1)
    assert not refused.ok and "cannot fence" in refused.error and "--unfenced" in refused.error
    ran = grade_submissions(lab=fx.LAB, submissions=sub, out=tmp_path / "o2", root=root, workers=1,
                            timeout=60, unfenced=True)
    assert ran.ok and ran.results[0]["status"] == "graded"


def test_release_gives_held_blocks_their_marks():
    """Does an instructor's release turn a held block's judged marks into earned ones, keeping the evidence?"""
    from autograder.grade import holds

    result = {"status": "held", "score": 0.0, "detail": "held for review (1 block): x",
              "blocks": {"q1": {"points": 2.0, "earned": 0.0, "ok": False, "would_earn": 2.0, "held": ["cell 3: x"],
                                "messages": ["held for review: cell 3: x"]},
                         "q2": {"points": 1.0, "earned": 1.0, "ok": True, "messages": []}}}
    out = holds.release(result)
    assert out["score"] == 3.0 and out["status"] == "graded" and out["blocks"]["q1"]["released"] == ["cell 3: x"]
    assert result["blocks"]["q1"]["earned"] == 0.0  # the original is unchanged
