"""The fence a graded kernel runs in (docs/threat-model.md).

A fenced kernel gets fresh network, mount and PID namespaces (``unshare``),
then ``fence_inner`` builds it a new root holding only

* read-only: the system (``/usr``, ``/etc``, the top-level links), the Python
  installation and the packages it imports (for a package that lives in a
  git checkout, the package folder alone: never the checkout's ``.git``,
  ``labs/`` or tests), the data folder (``SEQLABS_DATA``);
* its own size-limited tmpfs: the scratch folder (a copy of the submission's
  data files), ``/tmp`` (where its connection file and IPC sockets live:
  the grader reaches them through ``/proc/<pid>/root``) and ``/dev/shm``;
* a fresh ``/proc`` (its own processes only) and the harmless ``/dev`` nodes;

and becomes an unprivileged user of its own (uid ``UID_BASE + n``, owning
nothing on the host) with ``no_new_privs``, so it holds no capability. When it
dies, its namespaces, tmpfs, and every process it started go with it; so does
it when the grader dies, however (``fence_inner``: a root PID 1 that keeps the
parent-death signal and watches the grader's ``lifeline``).

Wherever the course is installed: the read-only paths are bound on top of the
kernel's private ``/tmp`` and ``/dev/shm``, so an interpreter, packages or
data under ``/tmp``, ``/var/tmp``, ``/dev/shm``, a home folder or a path with
spaces are seen where they are. The one thing that cannot be shown is a folder
that holds one of the kernel's private places (``/tmp`` itself, ``/dev``,
``/``): a package folder on ``sys.path`` such as ``/tmp`` is then shown by its
packages alone, and a data folder such as ``/tmp`` is refused before any
kernel starts (``path_problem``).

``available()`` says whether this host allows that (root, ``unshare`` with
PID namespaces); where it does not, the grader refuses unless told to run
unfenced.
"""
from __future__ import annotations

import functools
import importlib.util
import itertools
import json
import os
import shutil
import site
import stat
import subprocess
import sys
from pathlib import Path

UID_BASE = 61000  # uids 61000-61999: the graded kernels, one per kernel at a time
SYSTEM_RO = ("/usr", "/etc")
TOP_LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
INNER = Path(__file__).with_name("fence_inner.py")
SOCKET_DIR = "/tmp/.kernel"  # inside the fence
PRIVATE = ("/tmp", "/dev", "/proc")  # the kernel's own; a host folder holding one cannot be shown whole
NPROC = 512  # processes+threads of one kernel's user (torch starts a thread pool)
_uids = itertools.count()


class FenceUnavailable(RuntimeError):
    """This host cannot fence a kernel in; the message says why and what to do."""


@functools.lru_cache(maxsize=1)
def available() -> str:
    """"" when kernels can be fenced on this host, else why not."""
    if not sys.platform.startswith("linux"):
        return f"the fence needs Linux namespaces; this is {sys.platform}"
    if os.geteuid() != 0:
        return ("the fence needs root (to mount the kernel's private root and switch to an unprivileged "
                "user); run the grader as root, e.g. in a container")
    unshare = shutil.which("unshare")
    if unshare is None:
        return "`unshare` (util-linux) is not installed"
    try:
        probe = subprocess.run([unshare, "-n", "-m", "-p", "--fork", "--kill-child", "true"],
                               capture_output=True, timeout=20)
    except (OSError, subprocess.SubprocessError) as err:
        return f"`unshare` failed: {err}"
    if probe.returncode != 0:
        return f"this host does not allow new namespaces: {probe.stderr.decode(errors='replace').strip()}"
    return ""


def next_uid() -> int:
    return UID_BASE + next(_uids) % 1000


def _checkout(path: Path) -> bool:
    """A folder that is (the root of) a source checkout: it holds more than packages."""
    return any((path / marker).exists() for marker in (".git", "labs", "pyproject.toml"))


def _packages_in(path: Path) -> list[Path]:
    return sorted(p for p in path.iterdir() if p.is_dir() and (p / "__init__.py").is_file()
                  and not p.name.startswith((".", "test")))


@functools.lru_cache(maxsize=4)
def read_only_paths(data: str | None = None) -> tuple[str, ...]:
    """Host paths the kernel sees read-only (at the same place), outermost first, none inside another."""
    wanted = [Path(p) for p in SYSTEM_RO]
    wanted += [Path(p) for p in TOP_LINKS if os.path.isdir(p) and not os.path.islink(p)]
    for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}:
        if not _holds_private(Path(prefix)):  # "/" (a system Python) is covered by /usr already
            wanted.append(Path(prefix))
    wanted.append(Path(os.path.realpath(sys.executable)).parent)
    cwd = Path.cwd().resolve()
    for entry in sys.path:
        path = Path(entry).resolve() if entry else None  # '' is the working folder: `python -c`
        if path is None or not path.is_dir():
            continue
        # The working folder (`python -m` puts it first) may hold the submissions: only its packages.
        whole = not (_checkout(path) or _holds_private(path) or path == cwd)
        wanted += [path] if whole else _packages_in(path)
    for module in list(sys.modules.values()):  # editable installs map packages to source folders
        if getattr(module, "__name__", "").startswith("__editable__") and hasattr(module, "MAPPING"):
            wanted += [Path(p) for p in module.MAPPING.values()]
    wanted += [Path(p) for p in _package_folders()]
    if data and os.path.isdir(data) and not _holds_private(Path(data)):
        wanted.append(Path(data).resolve())
    resolved = sorted({Path(os.path.realpath(p)) for p in wanted if p.exists()}, key=lambda p: len(p.parts))
    out: list[Path] = []
    for p in resolved:
        if not any(p == q or q in p.parents for q in out):
            out.append(p)
    return tuple(str(p) for p in out)


def _holds_private(path: Path) -> bool:
    """True for a host folder that is, or holds, one of the kernel's private places (``/tmp``, ``/``)."""
    real = Path(os.path.realpath(path))
    return any(real == Path(p) or real in Path(p).parents for p in PRIVATE)


def path_problem(data: str | os.PathLike | None) -> str:
    """"" when everything a kernel runs on (and the data folder) can be shown inside the fence, else why not
    and what to do: checked before the first kernel starts."""
    if data and _holds_private(Path(data)):
        return (f"the data folder {data} is, or holds, {', '.join(PRIVATE)}, which every graded kernel gets "
                f"a private copy of, so the fence cannot show it; put the data sets in a folder of their "
                f"own (e.g. {Path(data) / 'seqlabs-data'}) and pass that to --data")
    data = str(data) if data else None
    needed = [os.path.realpath(sys.executable), *_package_folders(), *([data] if data else [])]
    for top in read_only_paths(data):
        for target in needed:
            closed = _closed_to_others(Path(top), Path(os.path.realpath(target)))
            if closed:
                return (f"a graded kernel runs as an unprivileged user of its own, and cannot read {closed} "
                        f"(mode {stat.S_IMODE(closed.stat().st_mode):04o}), which holds {target}: let others "
                        f"read it (`chmod o+rX '{closed}'`) or install the course where others can read it")
    return ""


def _package_folders() -> list[str]:
    return [str(Path(spec.origin).parent) for name in ("autograder", "seqlabs")
            if (spec := importlib.util.find_spec(name)) is not None and spec.origin]


def _closed_to_others(top: Path, target: Path) -> Path | None:
    """The first folder from ``top`` down to ``target`` (or ``target`` itself) others cannot read, if any."""
    if target != top and top not in target.parents:
        return None
    path = top
    for part in ("", *target.relative_to(top).parts):
        path = path / part if part else path
        try:
            mode = path.stat().st_mode
        except OSError:
            return None
        needs = 0o005 if stat.S_ISDIR(mode) else 0o004
        if mode & needs != needs:
            return path
    return None


_LIFELINE: list[int] = []


def lifeline() -> int:
    """The read end of a pipe whose write end only this process holds: it reads end-of-file once we are gone.

    One for the whole process (kernels share it); neither end is inherited by
    anything we start but the fenced kernels' PID 1, which is given the read
    end (``pass_fds``) and leaves when it reads end-of-file.
    """
    if not _LIFELINE:
        _LIFELINE.extend(os.pipe())  # both non-inheritable; never closed while we live
    return _LIFELINE[0]


def links() -> dict[str, str]:
    return {p: os.readlink(p) for p in TOP_LINKS if os.path.islink(p)}


def command(*, root: Path, workdir: Path, staging: Path | None, files: dict[str, str], argv: list[str],
            env: dict[str, str], uid: int, memory_mb: int) -> tuple[list[str], bytes]:
    """The command line that starts a fenced kernel and the configuration to write to its stdin.

    The caller passes ``lifeline()`` to the process (``pass_fds``) along with its own descriptors.
    """
    size = max(32, memory_mb // 8)  # /tmp gets twice this; all three count against memory_mb
    config = {"root": str(root), "ro": list(read_only_paths(env.get("SEQLABS_DATA"))), "links": links(),
              "workdir": str(workdir), "staging": str(staging) if staging else "", "files": files,
              "tmp_mb": 2 * size, "shm_mb": size, "work_mb": size, "uid": uid, "nproc": NPROC,
              "lifeline": lifeline(), "argv": argv, "env": env}
    unshare = shutil.which("unshare") or "unshare"
    cmd = [unshare, "-n", "-m", "-p", "--fork", "--kill-child", "--propagation", "private",
           sys.executable, "-I", "-S", str(INNER)]
    return cmd, json.dumps(config).encode()


def fence_env(env: dict[str, str], workdir: Path, uid: int) -> dict[str, str]:
    """The kernel's environment inside the fence: home is its scratch folder, caches in its /tmp."""
    out = {k: v for k, v in env.items() if k not in ("JUPYTER_RUNTIME_DIR", "TMPDIR")}
    out.update(HOME=str(workdir), USER=f"student{uid}", LOGNAME=f"student{uid}", TMPDIR="/tmp",
               IPYTHONDIR="/tmp/.ipython", MPLCONFIGDIR="/tmp/.matplotlib", JUPYTER_RUNTIME_DIR=SOCKET_DIR,
               JUPYTER_CONFIG_DIR="/tmp/.jupyter", JUPYTER_DATA_DIR="/tmp/.jupyter-data",
               XDG_CACHE_HOME="/tmp/.cache", PYTHONDONTWRITEBYTECODE="1")
    if site.ENABLE_USER_SITE and os.path.isdir(site.getusersitepackages()):
        out["PYTHONUSERBASE"] = site.getuserbase()  # a `pip install --user`: not found from the kernel's HOME
    out.pop("PYTHONPATH", None) if not env.get("PYTHONPATH") else None
    return out
