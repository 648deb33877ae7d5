"""A throw-away Jupyter server for the browser tests: 127.0.0.1 only, a token, a temporary root.

One server process serves both front ends: JupyterLab at ``/lab`` and
Notebook 7 at ``/notebooks`` (both are server extensions of the pinned
``jupyterlab`` and ``notebook`` packages). Every Jupyter and IPython
directory points into the temporary folder, so nothing of the user's own
configuration (settings, workspaces, kernels, startup files) is read or
written, and the kernels run in the ``fast`` profile on the embedded data.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

# A JupyterLab that asks nothing: no news toast, no update check, no
# extension manager (nothing may reach the network), no autosave surprises.
_LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                       "checkForUpdates": False},
    "@jupyterlab/extensionmanager-extension/plugin.jupyterlab-settings": {"enabled": False},
    # start the notebook's own kernel without asking ("Select Kernel" dialog)
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"autoStartDefaultKernel": True,
                                                                     # every cell in the page, not only those in view
                                                                     "windowingMode": "none"},
}

# A kernel for the test that breaks the marks HTML on purpose: the same Python,
# with an IPython startup file (written by the test) run before the first cell.
BROKEN_KERNEL = "python3-broken-marks"


@dataclass
class JupyterServer:
    """A running server: where it listens, its token, its root folder."""

    url: str  # http://127.0.0.1:PORT
    token: str
    root: Path
    home: Path  # the temporary folder holding root/, the Jupyter dirs and the log
    process: subprocess.Popen

    def page_url(self, ui: str, notebook: str) -> str:
        """The address of ``notebook`` (a path under root) in ``ui``: ``"lab"`` or ``"notebook"``."""
        if ui == "lab":  # ?reset: a clean workspace, not the tabs an earlier test left open
            return f"{self.url}/lab/tree/{notebook}?reset&token={self.token}"
        return f"{self.url}/notebooks/{notebook}?token={self.token}"

    def api(self, method: str, path: str) -> object:
        """Call the server's REST API (``/api/...``) with the token; returns the decoded JSON (or None)."""
        request = urllib.request.Request(f"{self.url}{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shut_down_kernels(self) -> None:
        """Stop every kernel (each notebook opened starts one; two CPU cores do not want them idling)."""
        for session in self.api("GET", "/api/sessions") or []:
            self.api("DELETE", f"/api/sessions/{session['id']}")

    def log(self) -> str:
        return (self.home / "server.log").read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_isolated_config(home: Path) -> dict[str, str]:
    """The environment variables that keep the server and its kernels inside ``home``."""
    dirs = {name: home / name for name in ("config", "data", "runtime", "lab-settings", "workspaces", "ipython")}
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    for rel, content in _LAB_SETTINGS.items():
        path = dirs["lab-settings"] / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content))
    # the broken-marks kernel: this Python, its own IPython dir (the test writes its startup file)
    broken_ipython = home / "ipython-broken"
    (broken_ipython / "profile_default" / "startup").mkdir(parents=True, exist_ok=True)
    spec = dirs["data"] / "kernels" / BROKEN_KERNEL
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (marks HTML broken on purpose)", "language": "python",
        "env": {"IPYTHONDIR": str(broken_ipython)}}))
    return {
        "JUPYTER_CONFIG_DIR": str(dirs["config"]),
        "JUPYTER_DATA_DIR": str(dirs["data"]),
        "JUPYTER_RUNTIME_DIR": str(dirs["runtime"]),
        "JUPYTERLAB_SETTINGS_DIR": str(dirs["lab-settings"]),
        "JUPYTERLAB_WORKSPACES_DIR": str(dirs["workspaces"]),
        "IPYTHONDIR": str(dirs["ipython"]),
        "JUPYTER_PLATFORM_DIRS": "1",
    }


def broken_startup_dir(server: JupyterServer) -> Path:
    """Where the broken-marks kernel reads its IPython startup files."""
    return server.home / "ipython-broken" / "profile_default" / "startup"


def start_server(home: Path, *, timeout: float = 300.0) -> JupyterServer:
    """Start ``jupyter lab`` on 127.0.0.1 with a random token, root ``home/root``; wait until it answers."""
    root = home / "root"
    root.mkdir(parents=True, exist_ok=True)
    port, token = _free_port(), secrets.token_hex(16)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("JUPYTER", "AUTOGRADER_", "NBGRADER_")) and k != "SEQLABS_PROGRESS"}
    env.update(_write_isolated_config(home))
    # The student's defaults, as in the tests' kernels: fast profile, embedded data, progress "auto".
    env.update({"SEQLABS_PROFILE": "fast", "SEQLABS_DATA": "", "MPLBACKEND": "module://matplotlib_inline.backend_inline"})
    args = [sys.executable, "-m", "jupyterlab", "--no-browser",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
            "--ServerApp.open_browser=False", "--LabApp.news_url=", "--ServerApp.allow_remote_access=False",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--ContentsManager.allow_hidden=True", "--ServerApp.allow_root=True"]
    log = open(home / "server.log", "w")
    process = subprocess.Popen(args, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = JupyterServer(url=f"http://127.0.0.1:{port}", token=token, root=root, home=home, process=process)
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"jupyter lab exited with {process.returncode} before answering:\n{server.log()}")
        try:
            server.api("GET", "/api/status")
            return server
        except (urllib.error.URLError, ConnectionError, OSError):
            if time.monotonic() > deadline:
                server.stop()
                raise RuntimeError(f"jupyter lab did not answer on {server.url} within {timeout:.0f}s:\n{server.log()}")
            time.sleep(0.5)


def copy_lab(server: JupyterServer, notebook: Path, name: str | None = None, *, kernel: str | None = None) -> str:
    """Copy ``notebook`` into the server's root (optionally naming another kernel); returns its path there."""
    name = name or notebook.name
    target = server.root / name
    if kernel is None:
        shutil.copyfile(notebook, target)
    else:
        nb = json.loads(notebook.read_text())
        nb["metadata"]["kernelspec"] = {"name": kernel, "display_name": kernel, "language": "python"}
        target.write_text(json.dumps(nb))
    return name
