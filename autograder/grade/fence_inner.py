"""Runs as root inside the kernel's fresh namespaces and becomes the kernel (stdlib only; ``python -I -S``).

Standard input: one JSON object (see ``autograder.grade.fence.Fence.command``):
``root`` (an empty folder to build the new root in), ``ro`` (host paths seen
read-only at the same place), ``links`` (top-level symlinks to recreate),
``workdir`` and ``staging`` (the scratch folder: a size-limited tmpfs filled
with a copy of ``staging``), ``tmp_mb``/``shm_mb``/``work_mb`` (tmpfs sizes),
``files`` (path -> text written before the switch, e.g. the connection file),
``uid``, ``nproc``, ``argv``, ``env``.

Nothing in the new root is writable by the kernel's user but the three tmpfs
(scratch, /tmp, /dev/shm); all of them die with the mount namespace.
"""
import ctypes
import json
import os
import resource
import shutil
import sys

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = (
    1, 2, 4, 8, 32, 4096, 16384, 1 << 18)
PR_SET_NO_NEW_PRIVS = 38
libc = ctypes.CDLL(None, use_errno=True)


def mount(source, target, fstype, flags, data=None):
    if libc.mount(source.encode(), target.encode(), fstype.encode() if fstype else None, flags,
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


def main():
    c = json.loads(sys.stdin.buffer.read())  # not argv: the connection file's key is in it
    null = os.open("/dev/null", os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    root, uid = c["root"], c["uid"]
    mount("none", "/", None, MS_REC | MS_PRIVATE)
    tmpfs(root, 16, mode="0755")
    for link, target in c["links"].items():
        os.symlink(target, root + link)
    for path in c["ro"]:
        bind_ro(path, root + path)
    # /dev: only the harmless nodes; /dev/shm private and small.
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
    # The scratch folder: a tmpfs at the workdir's own path, filled from the staging copy.
    work = root + c["workdir"]
    tmpfs(work, c["work_mb"], mode="0700")
    if c.get("staging"):
        shutil.copytree(c["staging"], work, dirs_exist_ok=True, symlinks=True)
    for path, text in c["files"].items():
        os.makedirs(os.path.dirname(root + path), exist_ok=True)
        with open(root + path, "w") as f:
            f.write(text)
    for top in (work, root + "/tmp"):
        for dirpath, dirnames, filenames in os.walk(top):
            for name in [dirpath, *(os.path.join(dirpath, n) for n in dirnames + filenames)]:
                os.lchown(name, uid, uid)
    os.chroot(root)
    os.chdir(c["workdir"])
    resource.setrlimit(resource.RLIMIT_NPROC, (c["nproc"], c["nproc"]))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)  # every capability goes with uid 0
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(NO_NEW_PRIVS)")
    os.execve(c["argv"][0], c["argv"], c["env"])


if __name__ == "__main__":
    main()
