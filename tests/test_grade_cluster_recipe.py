"""The by-hand cluster recipe as written: `dask scheduler` and `dask worker` processes started by the CLI, TLS on.

The commands are the ones `autograder cluster certs DIR --host H --port P`
prints (and docs/instructor-guide.md shows), run by a shell as they are, with
one worker process instead of eight. Every process listens on 127.0.0.1 and
is stopped by its process group at the end.
"""
from __future__ import annotations

import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from autograder.cli import main
from autograder.runners import cluster_tls, grade_submissions
from fixtures.grade import lab as fx

pytest.importorskip("distributed")
pytest.importorskip("cryptography")

START_S = 120  # a cold `dask worker` on a loaded 2-core machine (measured 5-10 s at load 8)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _printed_recipe(certs: Path, port: int, capsys) -> list[str]:
    """The command lines `autograder cluster certs` printed, for a scheduler on 127.0.0.1:port."""
    assert main(["cluster", "certs", str(certs), "--host", "127.0.0.1", "--port", str(port)]) == 0
    lines = [ln.strip() for ln in capsys.readouterr().out.splitlines()]
    return [ln for ln in lines if ln.startswith(("DASK_", "autograder grade"))]


class Recipe:
    """A scheduler and a worker started from the printed command lines; ``stop()`` ends each process group."""

    def __init__(self, lines: list[str], logs: Path) -> None:
        self.scheduler_line, self.worker_line, self.grade_line = lines
        self.logs, self.procs = logs, {}
        self.address = shlex.split(self.grade_line)[3]

    def start(self, role: str) -> None:
        line = self.scheduler_line if role == "scheduler" else self.worker_line.replace("--nworkers 8",
                                                                                         "--nworkers 1")
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
        log = open(self.logs / f"{role}-{len(self.procs)}.log", "wb")
        self.procs[role] = subprocess.Popen(["bash", "-c", f"exec env {line}"], stdout=log,
                                            stderr=subprocess.STDOUT, env=env, start_new_session=True)
        log.close()

    def wait_for_worker(self, certs: Path) -> None:
        from distributed import Client

        deadline = time.monotonic() + START_S
        while time.monotonic() < deadline:
            try:
                with Client(self.address, timeout=5, security=cluster_tls.security(certs)) as client:
                    if client.nthreads():
                        return
            except OSError:
                pass
            time.sleep(0.5)
        raise AssertionError(f"no worker came up: {self.log_text()}")

    def log_text(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-2000:] for p in sorted(self.logs.glob("*.log")))

    def kill(self, role: str, sig=signal.SIGKILL) -> None:
        proc = self.procs.pop(role, None)
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                pass
            proc.wait(timeout=30)

    def stop(self) -> None:
        for role in list(self.procs):
            self.kill(role, signal.SIGTERM)


@pytest.fixture
def recipe(tmp_path, capsys):
    """The printed recipe for a scheduler on a free port of 127.0.0.1, with its certificates."""
    certs = tmp_path / "course certs"  # a path with a space
    r = Recipe(_printed_recipe(certs, _free_port(), capsys), tmp_path)
    r.certs = certs
    yield r
    r.stop()


def test_the_certs_command_writes_a_ca_a_certificate_and_a_private_key(tmp_path, capsys):
    """Does `autograder cluster certs` write three PEM files (key 0600) whose certificate the CA signed, print
    the recipe, and refuse to overwrite them?"""
    from cryptography import x509

    folder = tmp_path / "my certs"
    lines = _printed_recipe(folder, 8786, capsys)
    assert sorted(p.name for p in folder.iterdir()) == ["ca.pem", "cluster-key.pem", "cluster.pem"]
    assert (folder / "cluster-key.pem").stat().st_mode & 0o077 == 0
    ca = x509.load_pem_x509_certificate((folder / "ca.pem").read_bytes())
    cert = x509.load_pem_x509_certificate((folder / "cluster.pem").read_bytes())
    cert.verify_directly_issued_by(ca)
    assert len(lines) == 3 and " dask scheduler --protocol tls --host 127.0.0.1 --port 8786 " in lines[0]
    assert " dask worker tls://127.0.0.1:8786 " in lines[1] and "--tls " + shlex.quote(str(folder)) in lines[2]
    before = (folder / "ca.pem").read_bytes()
    assert main(["cluster", "certs", str(folder)]) == 1
    assert "already exist" in capsys.readouterr().err and (folder / "ca.pem").read_bytes() == before


def test_the_guide_shows_the_commands_the_certs_command_prints(repo_root, tmp_path, capsys):
    """Does docs/instructor-guide.md show, verbatim, the recipe `autograder cluster certs` prints?"""
    guide = (repo_root / "docs" / "instructor-guide.md").read_text(encoding="utf-8")
    shown = " ".join(guide.replace("\\\n", " ").split())
    for line in cluster_tls.recipe(Path("/shared/seqlabs-certs"), host="10.0.0.5"):
        assert " ".join(line.split()) in shown, line


def test_tls_and_address_must_agree(tmp_path):
    """Is a tls:// scheduler without --tls, --tls with tcp://, or a folder without the files refused at once?"""
    run = grade_submissions(lab=fx.LAB, submissions=[tmp_path], out=tmp_path / "o", scheduler="tls://127.0.0.1:1")
    assert not run.ok and "--tls DIR" in run.error and "autograder cluster certs" in run.error
    run = grade_submissions(lab=fx.LAB, submissions=[tmp_path], out=tmp_path / "o", scheduler="tcp://127.0.0.1:1",
                            tls=tmp_path)
    assert not run.ok and "tls://127.0.0.1:1" in run.error
    run = grade_submissions(lab=fx.LAB, submissions=[tmp_path], out=tmp_path / "o", scheduler="tls://127.0.0.1:1",
                            tls=tmp_path)
    assert not run.ok and "ca.pem, cluster.pem, cluster-key.pem missing" in run.error
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_the_by_hand_tls_recipe_grades_the_example_lab(recipe, root, tmp_path, capsys):
    """Scheduler and worker started by the printed `dask` commands (TLS): solution full, release zero, one line
    per worker checked before grading; no process listens beyond 127.0.0.1, and no client without the
    certificates gets in."""
    certs = recipe.certs
    recipe.start("scheduler")
    recipe.start("worker")
    recipe.wait_for_worker(certs)
    paths = fx.write(tmp_path / "subs", {"solution": fx.read(root, "solution"), "release": fx.read(root, "release")})
    args = shlex.split(recipe.grade_line)
    assert args[:2] == ["autograder", "grade"] and args[2] == "--scheduler" and args[4] == "--tls"
    code = main(["--root", str(root), "grade", *args[2:6], "--lab", fx.LAB, "--out", str(tmp_path / "out"),
                 "--dashboard", *map(str, paths)])
    err = capsys.readouterr().err
    assert code == 0, err + recipe.log_text()
    by = {r["student"]: r for r in json.loads((tmp_path / "out" / "results.json").read_text())["submissions"]}
    assert by["solution"]["score"] == by["solution"]["max_score"] > 0 and by["release"]["score"] == 0
    checked = [ln for ln in err.splitlines() if "note: worker tls://127.0.0.1:" in ln]
    assert len(checked) == 1 and "fence ok" in checked[0] and "versions as here" in checked[0], err
    assert "note: dashboard: http://127.0.0.1:8787/status (" in err  # on request, and on 127.0.0.1 only
    assert "note: cluster: 1 worker (1 thread); kernels: " in err

    import psutil

    ours = {p.pid for proc in recipe.procs.values() for p in [psutil.Process(proc.pid),
                                                               *psutil.Process(proc.pid).children(recursive=True)]}
    listening = [(c.laddr.ip, c.laddr.port) for c in psutil.net_connections("inet")
                 if c.status == psutil.CONN_LISTEN and c.pid in ours]
    # Beyond 127.0.0.1 only the TLS ports of the scheduler and the workers (no dashboard, no HTTP routes).
    from distributed import Client

    with Client(recipe.address, timeout=10, security=cluster_tls.security(certs)) as client:
        tls_ports = {int(a.rsplit(":", 1)[1]) for a in [recipe.address, *client.nthreads()]}
    assert listening and all(ip == "127.0.0.1" or port in tls_ports for ip, port in listening), listening

    _refused_without_the_certificate(recipe.address, certs, tmp_path)


def _refused_without_the_certificate(address: str, certs: Path, tmp_path: Path) -> None:
    """A client with another authority's certificate, or trusting ours but presenting none, cannot connect;
    one with the course's certificates can."""
    import ssl

    from distributed import Client

    other = tmp_path / "other"
    cluster_tls.make_certs(other)
    with pytest.raises((OSError, TimeoutError), match="TLS certificate does not match"):
        with Client(address, timeout=5, security=cluster_tls.security(other)) as client:
            pytest.fail(f"a client with another CA's certificate connected: {client.nthreads()}")
    # No certificate: Dask's own client will not even try, so a plain TLS socket that trusts our CA does.
    host, port = address[len("tls://"):].rsplit(":", 1)
    ctx = ssl.create_default_context(cafile=str(certs / cluster_tls.CA))
    ctx.check_hostname = False
    assert _closed_on_us(ctx, host, int(port)), "the scheduler talked to a client without a certificate"
    with Client(address, timeout=10, security=cluster_tls.security(certs)) as client:
        assert client.nthreads()


def _closed_on_us(ctx, host: str, port: int) -> bool:
    """Does the server end a TLS connection that presents no certificate (rather than wait for a message)?"""
    import ssl

    with socket.create_connection((host, port), timeout=5) as raw:
        try:
            with ctx.wrap_socket(raw) as tls:
                tls.sendall(b"\0" * 8)  # the start of a Dask frame: a server that accepted us waits for the rest
                return tls.recv(1) == b""
        except TimeoutError:
            return False
        except (ssl.SSLError, ConnectionError):
            return True


@pytest.mark.slow
def test_a_scheduler_killed_mid_batch_stops_the_batch_and_a_rerun_grades_what_is_missing(
        recipe, root, tmp_path):
    """SIGKILL the scheduler while a kernel runs: the grade stops (no hang) with ok false, the lost submission is
    not cached, and the same call against a new scheduler grades exactly that one."""
    certs = recipe.certs
    recipe.start("scheduler")
    recipe.start("worker")
    recipe.wait_for_worker(certs)
    slow = fx.with_cell(fx.read(root, "solution"), "q1_tests", "import time\ntime.sleep(5)")
    paths = fx.write(tmp_path / "subs", {"quick": fx.read(root, "release"), "slow": slow})
    out = tmp_path / "out"
    cache = out / ".grade-cache"

    def kill_after_the_first_result() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not (cache.is_dir() and any(cache.glob("*.json"))):
            time.sleep(0.1)
        time.sleep(1.5)  # the second kernel runs by now (one worker thread: they run one after the other)
        recipe.kill("scheduler")

    killer = threading.Thread(target=kill_after_the_first_result, daemon=True)
    killer.start()
    t0 = time.monotonic()
    run = grade_submissions(lab=fx.LAB, submissions=paths, out=out, root=root, timeout=120,
                            scheduler=recipe.address, tls=certs)
    stopped_s = time.monotonic() - t0
    killer.join(timeout=5)
    assert not run.ok and "lost the connection to the Dask scheduler" in run.error, run.error
    assert stopped_s < 90  # one kernel and the stop; the bug this guards against waited for ever
    first = [json.loads(p.read_text())["result"]["student"] for p in cache.glob("*.json")]
    assert len(first) == 1, first  # the one that finished; the lost one is not cached as an error
    assert not (out / "gradebook.csv").exists()  # no output written from half a batch

    recipe.kill("worker", signal.SIGTERM)
    recipe.start("scheduler")  # a new scheduler, same address
    recipe.start("worker")
    recipe.wait_for_worker(certs)
    again = grade_submissions(lab=fx.LAB, submissions=paths, out=out, root=root, timeout=120,
                              scheduler=recipe.address, tls=certs)
    assert again.ok, again.error
    assert again.skipped == 1  # only the missing one was graded
    by = {r["student"]: r for r in again.results}
    assert by["slow"]["score"] == by["slow"]["max_score"] and by["quick"]["score"] == 0


@pytest.mark.slow
def test_a_scheduler_lost_while_waiting_for_workers_stops_the_run(recipe, root, tmp_path):
    """No worker yet (a queued Slurm job), then the scheduler dies: does the run stop at once, submitting nothing?"""
    from distributed import Client

    recipe.start("scheduler")
    deadline = time.monotonic() + START_S
    while True:  # the scheduler answers
        try:
            with Client(recipe.address, timeout=5, security=cluster_tls.security(recipe.certs)):
                break
        except OSError:
            assert time.monotonic() < deadline, recipe.log_text()
            time.sleep(0.5)
    paths = fx.write(tmp_path / "subs", {"alice": fx.read(root, "solution")})
    killer = threading.Timer(3.0, recipe.kill, args=("scheduler",))
    killer.start()
    t0 = time.monotonic()
    run = grade_submissions(lab=fx.LAB, submissions=paths, out=tmp_path / "out", root=root,
                            scheduler=recipe.address, tls=recipe.certs)
    assert time.monotonic() - t0 < 28  # killed at 3 s: not the client's 30 s of trying to reconnect
    assert not run.ok and "lost the connection to the Dask scheduler" in run.error, run.error
    assert "nothing was submitted" in run.error and not (tmp_path / "out" / ".grade-cache").exists()
