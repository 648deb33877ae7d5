"""The kernel side of the grader's sealed event channel (``python -m autograder.kernel.seal``).

Started instead of ``ipykernel_launcher``: before any notebook code runs it
reads its configuration (a MAC key, the source of every cell the grader will
run) from a pipe the grader owns, installs a Python audit hook (which no
Python code can remove), then starts the kernel. From then on:

* ``autograder.core.events.emit`` in grade mode hands each event to the hook
  (``sys.audit("seqlabs.event", text)``) instead of displaying it. The hook
  accepts it only when the code that called the check is a *restored* cell
  (its bytecode fingerprint is one the grader sent, run in the notebook's own
  namespace) with nothing but genuine autograder code (code objects captured at
  start) in between. So a ``post_run_cell`` hook, a patched display publisher,
  a student function called by a test cell, or a student cell calling a check
  with a value of its choosing can send nothing the grader will count.
* At each accepted event the hook also checks that what the check relies on
  is as it was at start: the autograder modules, ``json``, ``numpy`` and
  ``builtins`` bind the same objects, and every module, function or class a
  restored cell bound and this cell reads is still that object (a student cell
  that rebinds a locked helper). A difference taints the event (reasons kept).
* Introspection and patching primitives a forger needs (``gc.get_objects`` and
  friends, ``sys.settrace``/``setprofile``, ctypes memory access, reading
  ``/proc/self/mem`` or the process's fds, new audit hooks, setting
  ``__code__`` or a class attribute of the autograder) are audited events:
  the hook writes a *tamper* record naming the cell before they act.
* Every record written to the channel carries a sequence number and an HMAC
  with the key, which lives only in the hook's closure (reaching it needs the
  audited introspection above): a line written to the channel by other code
  fails its MAC; a record removed or reordered breaks the sequence; a channel
  closed or redirected early misses the final ``end`` record.

Grader side: ``autograder.kernel.channel``. Threat model: docs/threat-model.md.
"""
from __future__ import annotations

import os
import sys

CONFIG_FD_ENV = "SEQLABS_SEAL_CONFIG_FD"
CHANNEL_FD_ENV = "SEQLABS_SEAL_CHANNEL_FD"
EVENT = "seqlabs.event"
END = "seqlabs.end"
END_PROBE = "__import__('sys').audit('seqlabs.end')"
END_CELL = -1  # the index the end probe is known by

# Audited events a forger needs and honest lab code does not use: a tamper record each.
WATCHED = {
    "gc.get_objects": "lists every object in the kernel (the seal's key included)",
    "gc.get_referrers": "walks object references (the seal's key included)",
    "gc.get_referents": "walks object references (the seal's key included)",
    "sys.settrace": "installs a trace function (can rewrite any frame, test cells included)",
    "sys.setprofile": "installs a profile function (can watch any frame, test cells included)",
    "sys._current_frames": "reads every thread's frames",
    "sys.addaudithook": "adds an audit hook",
    "ctypes.cdata": "reads or writes raw memory with ctypes",
    "ctypes.string_at": "reads raw memory with ctypes",
    "ctypes.wstring_at": "reads raw memory with ctypes",
    "ctypes.cdata/buffer": "maps raw memory with ctypes",
}
SWAPPED = {"input", "raw_input", "getpass"}  # builtins ipykernel replaces around every request
PROC_SELF = ("/proc/self/mem", "/proc/self/fd", "/dev/fd", "/proc/thread-self/", "/proc/self/task")


def fingerprint(code) -> tuple:
    """What a code object does, line numbers and file name left out: bytecode, names, constants."""
    consts = tuple(fingerprint(c) if hasattr(c, "co_code") else (type(c).__name__, repr(c))
                   for c in code.co_consts)
    return (code.co_code, code.co_names, code.co_varnames, code.co_freevars, code.co_cellvars, consts)


def _nested(code):
    yield code
    for c in code.co_consts:
        if hasattr(c, "co_code"):
            yield from _nested(c)


def compiled_nodes(source: str):
    """The code objects IPython makes of a cell: each top-level statement, also as an interactive one."""
    import ast

    from IPython.core.inputtransformer2 import TransformerManager

    try:
        tree = ast.parse(TransformerManager().transform_cell(source))
    except (SyntaxError, ValueError):
        return []
    out = []
    for node in tree.body:
        for mode, mod in (("exec", ast.Module([node], [])), ("single", ast.Interactive([node]))):
            try:
                out.append(compile(mod, "<cell>", mode, dont_inherit=True))
            except (SyntaxError, ValueError):
                pass
    return out


def _stored_names(code) -> set[str]:
    import dis

    return {i.argval for i in dis.get_instructions(code)
            if i.opname in ("STORE_NAME", "STORE_GLOBAL") and isinstance(i.argval, str)}


def _loaded_globals(code) -> set[str]:
    import dis

    names = set()
    for c in _nested(code):
        names |= {i.argval for i in dis.get_instructions(c)
                  if i.opname in ("LOAD_GLOBAL", "LOAD_NAME") and isinstance(i.argval, str)}
    return names


class _Cells:
    """What the grader sent, fingerprinted once at start: which code is a restored cell's, which a student's."""

    def __init__(self, cells: dict[int, str], restored: set[int]) -> None:
        self.trusted: dict[tuple, int] = {}  # fingerprint -> restored cell index
        self.student: dict[tuple, int] = {}  # fingerprint -> student cell index
        self.top_level: dict[tuple, int] = {}  # fingerprint of a restored cell's top-level statement -> index
        self.stores: dict[tuple, set[str]] = {}  # such a statement -> the names it binds
        for index, source in cells.items():
            is_restored = index in restored or index == END_CELL
            for code in compiled_nodes(source):
                top = fingerprint(code)
                if is_restored:
                    self.top_level[top] = index
                    self.stores[top] = _stored_names(code)
                for c in _nested(code):
                    (self.trusted if is_restored else self.student).setdefault(fingerprint(c), index)


class _Run:
    """What the hook learns as the notebook runs (no secret: the key stays in ``install``'s closure)."""

    __slots__ = ("seq", "cell", "last_top", "ns", "locked", "ended", "fps", "loads")

    def __init__(self) -> None:
        self.seq = 0  # records sent
        self.cell: int | None = None  # the cell running now
        self.last_top: tuple | None = None  # the restored top-level statement that ran last
        self.ns: dict | None = None  # the notebook's namespace, known from the first cell
        self.locked: dict[str, object] = {}  # name -> module, function or class a restored cell bound
        self.ended = False  # the end record was sent
        self.fps: dict = {}  # code -> fingerprint (code objects compare by value: an equal code, an equal print)
        self.loads: dict = {}  # code -> the global names it reads

    def fp(self, code) -> tuple:
        known = self.fps.get(code)
        if known is None:
            known = self.fps[code] = fingerprint(code)
        return known


def _integrity(run: _Run, snapshot: list, frame) -> list[str]:
    """Why an event from ``frame`` cannot be trusted as made by genuine code: what was replaced since start."""
    reasons = []
    for name, live, saved in snapshot:
        for attr, obj in saved.items():
            if attr in SWAPPED:
                continue
            if live.get(attr, obj) is not obj or attr not in live:
                reasons.append(f"{name}.{attr} was replaced")
    code = frame.f_code
    loads = run.loads.get(code)
    if loads is None:
        loads = run.loads[code] = _loaded_globals(code)
    for name in loads & set(run.locked):
        if frame.f_globals.get(name, run.locked[name]) is not run.locked[name]:
            reasons.append(f"{name!r}, bound by a locked cell, was rebound")
    return reasons[:10]


def _note_statement(run: _Run, cells: _Cells, code, caller, snapshot: list, modules: list) -> None:
    """A cell's top-level statement starts (``caller``: IPython's ``run_code``): note the cell and what the
    previous restored statement bound; at the first one, the namespace and the snapshot of ``modules``."""
    import types

    if run.ns is None:
        shell = caller.f_locals.get("self")
        run.ns = getattr(shell, "user_global_ns", None)
        snapshot.extend((m.__name__, m.__dict__, dict(m.__dict__)) for m in modules)
    if run.last_top is not None:  # the previous statement (a locked one) has finished: note what it bound
        ns = run.ns or {}
        for name in cells.stores.get(run.last_top, ()):
            value = ns.get(name)
            if isinstance(value, (types.ModuleType, types.FunctionType, type, types.BuiltinFunctionType)):
                run.locked[name] = value
            else:
                run.locked.pop(name, None)
    top = run.fp(code)
    run.last_top = top if top in cells.top_level else None
    index = cells.top_level.get(top)
    run.cell = index if index is not None else cells.student.get(top, run.cell)


def install(key: bytes, cells: dict[int, str], channel_fd: int, *, restored: set[int]) -> None:
    """Install the audit hook (see the module docstring); ``cells`` maps cell index -> source.

    The hook and the functions that write records are closures on purpose: the MAC key, the channel's
    descriptor and the ``os.write``/``hmac_digest``/``json.dumps`` captured here live only in their cells.
    On an object they would be one attribute read away from any code that reaches it (attribute reads
    are not audited); reaching a closure's cells takes the introspection the hook audits (``WATCHED``).
    Everything that holds no secret (the cells' fingerprints, the run's state, the integrity check) is
    outside, in ``_Cells``, ``_Run`` and the functions above.
    """
    import json

    import _hashlib
    import numpy
    import numpy.random

    import autograder
    from autograder.notebook import checks, display, judge, tally
    from autograder.core import events, mode, tokens, values
    from autograder import marks

    for name in autograder.__all__:  # the API loads on first use: bind all of it before the snapshot, so that
        getattr(autograder, name)    # replacing any of it (autograder.check = ...) is seen
    from IPython.core.interactiveshell import InteractiveShell

    events._sealed = True  # noqa: SLF001 - the one place that turns the channel on (before the snapshot)
    write, hmac_digest, dumps, getframe = os.write, _hashlib.hmac_digest, json.dumps, sys._getframe
    own = [autograder, checks, display, events, judge, marks, mode, tally, tokens, values]
    modules = [*own, json, json.encoder, json.decoder, numpy, numpy.random, sys.modules["builtins"]]
    snapshot: list = []  # taken when the first cell starts: the kernel has set itself up by then
    genuine = {id(c): c for m in own for v in vars(m).values() for f in _functions(v) for c in _nested(f.__code__)}
    own_types = {id(v) for m in own for v in vars(m).values() if isinstance(v, type)}
    own_functions = {id(f) for m in own for v in vars(m).values() for f in _functions(v)}
    run_code = {id(c) for c in _nested(InteractiveShell.run_code.__code__)}
    sent = _Cells(cells, restored)
    run = _Run()

    def send(record: dict) -> None:
        run.seq += 1
        body = dumps({**record, "seq": run.seq}, allow_nan=False, default=str)
        mac = hmac_digest(key, body.encode(), "sha256").hex()
        data = (mac + " " + body + "\n").encode()
        try:
            while data:
                data = data[write(channel_fd, data):]
        except OSError:
            pass  # the channel was closed: the grader sees no ``end``

    def tamper(what: str, detail: str) -> None:
        send({"kind": "tamper", "cell": run.cell, "what": what, "detail": detail})

    def on_event(payload: str) -> None:
        frame = getframe(2)  # 0: on_event, 1: hook, 2: sys.audit's caller (events.emit)
        while frame is not None and genuine.get(id(frame.f_code)) is frame.f_code:
            frame = frame.f_back
        index = sent.trusted.get(run.fp(frame.f_code)) if frame is not None else None
        if index is None or frame.f_globals is not run.ns:
            where = "" if frame is None else f" from {frame.f_code.co_name} ({frame.f_code.co_filename})"
            cell = sent.student.get(run.fp(frame.f_code)) if frame is not None else None
            tamper("untrusted event", f"an event sent{where} by code that is not a restored cell"
                   + (f" (cell {cell})" if cell is not None else ""))
            return
        send({"kind": "event", "cell": index, "event": payload, "taint": _integrity(run, snapshot, frame)})

    def hook(event: str, args: tuple) -> None:
        try:
            if event == EVENT:
                on_event(args[0])
            elif event == "exec":
                if args and hasattr(args[0], "co_code"):
                    caller = getframe(1)  # 0: hook, 1: the code that called exec()
                    if caller is not None and id(caller.f_code) in run_code:  # a cell's statement, not an
                        _note_statement(run, sent, args[0], caller, snapshot, modules)  # import or exec()
            elif event == END:
                caller = getframe(1)
                if caller is not None and sent.trusted.get(run.fp(caller.f_code)) == END_CELL and not run.ended:
                    run.ended = True
                    send({"kind": "end"})
                else:
                    tamper("early end", "the grader's end-of-run probe was called by other code")
            elif run.ns is None:
                return  # the kernel starting up: no notebook code has run yet
            elif event in WATCHED:
                if not (event in ("sys.settrace", "sys.setprofile") and args == (None,)):
                    tamper(event, WATCHED[event])
            elif event == "open" and args and isinstance(args[0], str) and args[0].startswith(PROC_SELF):
                tamper("open", f"opens {args[0]} (the kernel's own memory or file descriptors)")
            elif event in ("object.__setattr__", "object.__delattr__") and args:
                target = args[0]
                if id(target) in own_types or id(target) in own_functions:
                    tamper(event, f"changes {getattr(target, '__qualname__', target)!r}.{args[1]} "
                                  "of the autograder")
        except Exception:  # never raise out of an audit hook: it would abort the kernel's own work
            pass

    sys.addaudithook(hook)


def _functions(value):
    import types

    if isinstance(value, types.FunctionType):
        yield value
    elif isinstance(value, type) and value.__module__.startswith("autograder"):
        for attr in vars(value).values():
            attr = getattr(attr, "__func__", attr)
            if isinstance(attr, types.FunctionType):
                yield attr


def boot() -> None:
    """Read the configuration from the grader's pipe, install the seal, start the kernel."""
    import json

    config_fd = int(os.environ.pop(CONFIG_FD_ENV))
    channel_fd = int(os.environ.pop(CHANNEL_FD_ENV))
    chunks = []
    while True:
        chunk = os.read(config_fd, 1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(config_fd)
    config = json.loads(b"".join(chunks))
    os.set_inheritable(channel_fd, False)
    cells = {int(i): s for i, s in config["cells"].items()}
    cells[END_CELL] = END_PROBE
    install(bytes.fromhex(config.pop("key")), cells, channel_fd, restored=set(config["restored"]))
    del config, chunks
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    boot()
