"""Fetching the real data sets (``seqlabs.data``), offline: the shared Multi30k files served on 127.0.0.1.

Every test goes through the real code path (pooch, requests, the pinned
registry) with only the base URL redirected to a local server, which can
serve a file as published, corrupted (one byte changed), or cut off (the
connection dropped halfway through a file whose full length was announced).
"""
from __future__ import annotations

import gzip
import http.server
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from autograder.core.messages import use_language
import seqlabs.data
from seqlabs.corpora import load_parallel, ran_on
from seqlabs.data import FetchError, fetch, fetched
from seqlabs.data.registry import MULTI30K

REAL = Path(os.environ.get("SEQLABS_DATA") or Path(__file__).resolve().parents[3] / "shared" / "data") / "multi30k"
pytestmark = [pytest.mark.realdata,
              pytest.mark.skipif(not all((REAL / f).is_file() for f in MULTI30K.files),
                                 reason=f"the real Multi30k files are not in {REAL} (set SEQLABS_DATA)")]


class Server:
    """A local HTTP server for the Multi30k files; ``faults[name]`` is ``"corrupt"`` or ``"drop"``."""

    def __init__(self):
        self.files = {name: (REAL / name).read_bytes() for name in MULTI30K.files}
        self.faults: dict[str, str] = {}
        self.requests: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (the standard library's name)
                name = self.path.rsplit("/", 1)[-1]
                server.requests.append(name)
                body = server.files.get(name)
                if body is None:
                    self.send_error(404)
                    return
                fault = server.faults.get(name)
                if fault == "corrupt":
                    body = body[:100] + bytes([body[100] ^ 0xFF]) + body[101:]
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if fault == "drop":  # half the announced bytes, then the connection goes away
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.connection.shutdown(2)
                    self.close_connection = True
                    return
                self.wfile.write(body)

            def log_message(self, *args):  # keep the test output clean
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/multi30k/dataset/raw/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


def leftovers(root: Path) -> list[str]:
    """Every file under ``root`` that is not a complete, registered data file (pooch's temporaries included)."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")
                  if p.is_file() and p.name not in MULTI30K.files)


def test_fetch_good_files(server, tmp_path, monkeypatch):
    """Are the six published files fetched, checked, put in root/multi30k, and read by the labs from there?"""
    root = tmp_path / "data dir"  # a space in the path
    assert fetch("multi30k", root=root, base_url=server.url) == root
    assert sorted(server.requests) == sorted(MULTI30K.files)
    for name in MULTI30K.files:
        assert (root / "multi30k" / name).read_bytes() == (REAL / name).read_bytes()
    assert leftovers(root) == [] and sorted(os.listdir(root)) == ["multi30k"]  # no staging folder left
    assert fetched("multi30k", root)
    monkeypatch.setenv("SEQLABS_DATA", str(root))
    train = load_parallel("train")
    assert (train.name, len(train)) == ("multi30k", 29000)
    assert ran_on(train) == f"This run uses Multi30k, 29,000 training pairs (from {root / 'multi30k'})."
    # A second fetch checks the hashes of what is there and downloads nothing.
    server.requests.clear()
    fetch("multi30k", root=root, base_url=server.url)
    assert server.requests == []


def test_corrupted_file_is_refused_and_not_kept(server, tmp_path, monkeypatch):
    """Does a file with the wrong hash give an error naming it and the fix, and leave nothing a loader can read?"""
    server.faults["train.en.gz"] = "corrupt"
    with pytest.raises(FetchError) as err:
        fetch("multi30k", root=tmp_path, base_url=server.url)
    message = str(err.value)
    assert "train.en.gz" in message and "SHA-256" in message and MULTI30K.files["train.en.gz"] in message
    assert "python -m seqlabs.data fetch multi30k" in message
    assert not (tmp_path / "multi30k").exists()  # the data set never appears half there
    assert leftovers(tmp_path) == []              # no temporary or corrupt file anywhere
    monkeypatch.setenv("SEQLABS_DATA", str(tmp_path))
    assert load_parallel("train").name == "embedded"
    # Fixed at the source: the same command resumes, downloading only what was not checked yet.
    del server.faults["train.en.gz"]
    server.requests.clear()
    fetch("multi30k", root=tmp_path, base_url=server.url)
    assert "train.de.gz" not in server.requests and "train.en.gz" in server.requests
    assert fetched("multi30k", tmp_path) and leftovers(tmp_path) == []


def test_dropped_connection(server, tmp_path):
    """Does a download cut halfway give an error naming the file and the fix, and keep nothing of it?"""
    server.faults["val.de.gz"] = "drop"
    with pytest.raises(FetchError) as err:
        fetch("multi30k", root=tmp_path, base_url=server.url)
    message = str(err.value)
    assert "val.de.gz" in message and "failed" in message and "check the network" in message
    assert server.requests.count("val.de.gz") == 2  # tried once more (pooch's retry) before giving up
    assert not (tmp_path / "multi30k").exists() and leftovers(tmp_path) == []


def test_a_bad_file_in_place_is_replaced(server, tmp_path):
    """Is a damaged file already in the data folder detected by its hash and fetched again?"""
    fetch("multi30k", root=tmp_path, base_url=server.url)
    damaged = tmp_path / "multi30k" / "test_2016_flickr.de.gz"
    damaged.write_bytes(gzip.compress(b"Ein Hund.\n"))
    server.requests.clear()
    fetch("multi30k", root=tmp_path, base_url=server.url)
    assert server.requests == ["test_2016_flickr.de.gz"]
    assert damaged.read_bytes() == (REAL / damaged.name).read_bytes()


def test_command_line(server, tmp_path):
    """Does `python -m seqlabs.data fetch multi30k` fetch (exit 0), and a corrupt file exit 1 with the fix?"""
    env = {**os.environ, "SEQLABS_DATA": ""}
    cmd = [sys.executable, "-m", "seqlabs.data", "fetch", "multi30k", "--dir", str(tmp_path), "--base-url", server.url]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"SEQLABS_DATA={tmp_path}" in done.stdout and "\r" not in done.stdout + done.stderr  # plain lines
    (tmp_path / "multi30k" / "val.en.gz").unlink()
    server.faults["val.en.gz"] = "corrupt"
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 1
    assert "error:" in done.stderr and "val.en.gz" in done.stderr and "fetch multi30k" in done.stderr
    assert not (tmp_path / "multi30k" / "val.en.gz").exists() and leftovers(tmp_path) == []


def test_use_points_a_student_kernel_at_the_data_and_does_nothing_when_graded(server, tmp_path, monkeypatch):
    """Does seqlabs.data.use fetch and set SEQLABS_DATA in a student's kernel, and do nothing in a graded one?"""
    monkeypatch.setenv("SEQLABS_DATA", "")  # recorded, so what use() sets below is undone after the test
    monkeypatch.delenv("SEQLABS_DATA")
    monkeypatch.setenv("AUTOGRADER_MODE", "grade")
    assert seqlabs.data.use("multi30k", root=tmp_path, base_url=server.url, log=lambda m: None) is None
    assert server.requests == [] and "SEQLABS_DATA" not in os.environ
    monkeypatch.setenv("AUTOGRADER_MODE", "student")
    said = []
    with use_language("es"):  # a Spanish notebook: what to do next, in Spanish
        assert seqlabs.data.use("multi30k", root=tmp_path, base_url=server.url, log=said.append) == tmp_path
        test_split = load_parallel("test")
        assert ran_on(test_split) == f"Esta ejecución usa Multi30k, 1.000 pares de entrenamiento (de {tmp_path / 'multi30k'})."
    assert f"este kernel lee ahora datos reales de {tmp_path} (SEQLABS_DATA): vuelve a ejecutar la celda" in said[-1]
    assert os.environ["SEQLABS_DATA"] == str(tmp_path)
    assert test_split.name == "multi30k"
