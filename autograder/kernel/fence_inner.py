"""Runs as root inside the kernel's fresh namespaces and becomes the kernel (stdlib only; ``python -I -S``).

Standard input: one JSON object (see ``autograder.kernel.fence.command``):
``root`` (an empty folder to build the new root in), ``ro`` (host paths seen
read-only at the same place), ``links`` (top-level symlinks to recreate),
``workdir`` and ``staging`` (the scratch folder: a size-limited tmpfs filled
with a copy of ``staging``), ``tmp_mb``/``shm_mb``/``work_mb`` (tmpfs sizes),
``files`` (path -> text written before the switch, e.g. the connection file),
``lifeline`` (a descriptor that reads end-of-file once the grader is gone),
``uid``, ``nproc``, ``argv``, ``env``.

The private mounts (``/dev``, ``/dev/shm``, ``/tmp``, ``/proc``) come first
and the read-only host paths after them, so a host path that lives under
``/tmp`` or ``/dev/shm`` (a venv or a checkout someone tried out in ``/tmp``,
data unpacked into ``/dev/shm``) is bound on top of the kernel's private
tmpfs, visible and read-only, instead of being hidden under it.

This process stays root as PID 1 of the kernel's PID namespace and forks the
kernel, which drops to its own uid. PID 1 keeps the parent-death signal that
``unshare --kill-child`` armed (a credential change, the kernel's
``setresuid``, would clear it), and it also exits when the ``lifeline``
reads end-of-file, which happens however the grader dies (SIGKILL included)
and cannot be missed by a race: a grader that died before we got here has
closed it already. When PID 1 exits, the kernel loses its namespace and
everything in it is killed.

Nothing in the new root is writable by the kernel's user but the three tmpfs
(scratch, /tmp, /dev/shm); all of them die with the mount namespace.
"""
import ctypes
import json
import os
import resource
import select
import shutil
import sys

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = (
    1, 2, 4, 8, 32, 4096, 16384, 1 << 18)
PR_SET_NO_NEW_PRIVS = 38
REAP_EVERY = 2.0  # s between reaping orphans that were re-parented to us
libc = ctypes.CDLL(None, use_errno=True)


def mount(source, target, fstype, flags, data=None):
    if libc.mount(os.fsencode(source), os.fsencode(target), fstype.encode() if fstype else None, flags,
                  data.encode() if data else None) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {source} on {target}: {os.strerror(err)}")


def tmpfs(target, size_mb, mode="1777", extra=0):
    os.makedirs(target, exist_ok=True)
    mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV | extra, f"size={int(size_mb)}m,mode={mode}")


def bind_ro(source, target):
    if os.path.isdir(source):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        open(target, "a").close()
    mount(source, target, None, MS_BIND | MS_REC)
    mount("none", target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def private_mounts(root, c):
    """The kernel's own /dev (harmless nodes only), /dev/shm, /tmp and /proc."""
    tmpfs(root + "/dev", 1, mode="0755", extra=MS_NOEXEC)
    for node in ("null", "zero", "full", "random", "urandom"):
        bind_ro("/dev/" + node, root + "/dev/" + node)
        mount("none", root + "/dev/" + node, None, MS_BIND | MS_REMOUNT | MS_NOSUID)  # writable, like /dev/null is
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                         ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):
        os.symlink(target, f"{root}/dev/{name}")
    tmpfs(root + "/dev/shm", c["shm_mb"], extra=MS_NOEXEC)
    tmpfs(root + "/tmp", c["tmp_mb"])
    os.makedirs(root + "/proc", exist_ok=True)
    mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)


def give_to(uid, top, path):
    """Hand ``path`` and the folders between ``top`` and it to the kernel's user."""
    while path != top and path.startswith(top + "/"):
        os.lchown(path, uid, uid)
        path = os.path.dirname(path)


def build_root(c):
    root, uid = c["root"], c["uid"]
    mount("none", "/", None, MS_REC | MS_PRIVATE)
    tmpfs(root, 16, mode="0755")
    for link, target in c["links"].items():
        os.symlink(target, root + link)
    private_mounts(root, c)
    for path in c["ro"]:
        bind_ro(path, root + path)
    # The scratch folder: a tmpfs at the workdir's own path, filled from the staging copy.
    work = root + c["workdir"]
    tmpfs(work, c["work_mb"], mode="0700")
    if c.get("staging"):
        shutil.copytree(c["staging"], work, dirs_exist_ok=True, symlinks=True)
    for dirpath, dirnames, filenames in os.walk(work):
        for name in [dirpath, *(os.path.join(dirpath, n) for n in dirnames + filenames)]:
            os.lchown(name, uid, uid)
    for path, text in c["files"].items():  # under /tmp: only what we write here changes hands
        os.makedirs(os.path.dirname(root + path), exist_ok=True)
        with open(root + path, "w") as f:
            f.write(text)
        give_to(uid, root + "/tmp", root + path)
    os.chroot(root)
    os.chdir(c["workdir"])


def become_kernel(c):
    """In the child: drop to the kernel's user and exec it."""
    uid = c["uid"]
    resource.setrlimit(resource.RLIMIT_NPROC, (c["nproc"], c["nproc"]))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)  # every capability goes with uid 0
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(NO_NEW_PRIVS)")
    os.execve(c["argv"][0], c["argv"], c["env"])


def supervise(kernel, lifeline):
    """As PID 1: wait for the kernel; leave (and take the namespace down) if the grader goes first."""
    try:
        kernel_fd = os.pidfd_open(kernel)
    except (AttributeError, OSError):  # Linux < 5.3: notice the kernel's exit at the next reap
        kernel_fd = None
    watched = [fd for fd in (kernel_fd, lifeline) if fd is not None]
    while True:
        ready = select.select(watched, [], [], REAP_EVERY)[0]  # with nothing to watch: a pause, not a spin
        if lifeline is not None and lifeline in ready:
            os._exit(137)  # the grader is gone: so is everything in this namespace
        while True:  # the kernel, and orphans of the kernel's that were re-parented to PID 1
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                os._exit(0)
            if pid == 0:
                break
            if pid == kernel:
                os._exit(os.waitstatus_to_exitcode(status) & 0xFF)


def main():
    c = json.loads(sys.stdin.buffer.read())  # not argv: the connection file's key is in it
    null = os.open("/dev/null", os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    lifeline = c.get("lifeline")
    if lifeline is not None:
        os.set_inheritable(lifeline, False)  # the kernel never holds it
    build_root(c)
    kernel = os.fork()
    if kernel == 0:
        try:
            become_kernel(c)
        except BaseException:
            import traceback

            traceback.print_exc()  # the grader's start-up log shows why
        os._exit(127)
    supervise(kernel, lifeline)


if __name__ == "__main__":
    main()
