"""Hashed tolerance tokens: check a value against a reference nobody can read.

    token = make_token(reference, rtol=1e-5, atol=1e-8, salt="lab:check")
    verify(value, token)             # True iff every element is in its tolerance cell
    describe_mismatch(value, token)  # None, or a student-facing reason (never a value)
    judge(value, token)              # both at once: (verify, describe_mismatch) with one hash

Floats are mapped through g(x) = sign(x) log1p(|x| r/a) / r, whose slope
1/(a + r|x|) turns the tolerance band |v - e| <= a + r|e| into a band of
constant width in g. The g axis is cut into cells of width s (a little more
than twice that band), shifted per element so that g(e) sits at the centre of
its cell; the token keeps each shift (12 bits, the position of g(e) *within* a
cell, never the cell) and a salted, stretched SHA-256 of the cell numbers. A
value is accepted iff all its elements fall in the same cells. Ints, bools and
strings are hashed exactly. docs/tokens.md has the format byte by byte and the
proof of the accept/reject bands.
"""
from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass

import numpy as np

from autograder.core.values import canonical, kind

TOKEN_KINDS = ("close", "equal")  # the check kinds a token judges: the release's token table covers these
from autograder.core.messages import _

VERSION = "ag1"
OFFSET_BITS = 12  # per element: where g(e) sits inside its cell, quantised
TAG_BITS = 4  # per element: a keyed check of the cell, so a mismatch can be counted
MARGIN = 2.0**-13  # g-units kept free for float rounding (see docs/tokens.md)
STRETCH = 1000  # PBKDF2-HMAC-SHA256 iterations on the digest: ~0.25 ms per verify, per guess
DIGEST_BYTES = 16
MAX_RTOL = 0.5
G_LIMIT = 2.0**61  # |g(e)| beyond this cannot be cut into int64 cells
TINY = float(np.finfo(np.float64).tiny)  # atol=0 stands for the smallest normal float
# cell numbers of non-finite references: |k| <= 2**61 / s for finite values, so no clash
_K_NAN, _K_POSINF, _K_NEGINF = -(2**63), 2**63 - 1, -(2**63) + 1
_KIND_CODE = {"float": "f", "int": "i", "bool": "b", "str": "s"}
_KIND_WORDS = {
    "f": "floating-point numbers",
    "i": "integers",
    "b": "booleans (True/False)",
    "s": "text (str)",
}


# ---------------------------------------------------------------- the g map and the cells


def _cell_step(rtol: float) -> float:
    """Cell width s: s/2 - q/2 = C + MARGIN, C = -log(1 - r)/r, q = s / 2**OFFSET_BITS.

    C = sum r**n / (n + 1) is summed with + * / only, so s is the same double on
    every IEEE platform (no libm involved).
    """
    c, p, n = 0.0, 1.0, 0
    while p >= 2.0**-60:
        c += p / (n + 1)
        p *= rtol
        n += 1
    return 2.0 * (c + MARGIN) / (1.0 - 2.0**-OFFSET_BITS)


def _g(x: np.ndarray, r: float, a: float) -> np.ndarray:
    """g(x) = sign(x) log1p(|x| r/a) / r, or x/a when r = 0. x: finite float64 (n,)."""
    if r == 0.0:
        return x / a
    y = np.abs(x)
    with np.errstate(over="ignore"):
        y *= r / a
    np.log1p(y, out=y)
    if r / a > 1.0 and y.size and not math.isfinite(y.max()):  # |x| r/a overflowed somewhere:
        big = np.isinf(y)  # there log1p(|x| r/a) == log|x| + log(r/a) to the last bit
        y[big] = np.log(np.abs(x[big])) + math.log(r / a)
    y /= r
    return np.copysign(y, x, out=y)


def _cells(x: np.ndarray, j: np.ndarray, r: float, a: float, s: float) -> np.ndarray:
    """Cell numbers k = rint((g(x) Q/s - j) / Q), Q = 2**OFFSET_BITS: g in units of q = s/Q,
    less the offset j, in whole cells. x: float64 (n,), j: int16 (n,).

    int32 when every x is finite and |k| < 2**31 (half the bytes to hash), else int64
    with codes for NaN and +-inf. make_token and verify both come here, so the
    reference's own cells are computed by the very expression that judges.
    """
    finite = np.isfinite(x)
    all_finite = bool(finite.all())
    u = _g(x if all_finite else np.where(finite, x, 0.0), r, a)
    u *= 2.0**OFFSET_BITS / s
    u -= j  # int16 -> float64 in the ufunc's buffer: exact, no temporary
    u *= 2.0**-OFFSET_BITS  # exact: a power of two
    np.rint(u, out=u)
    if all_finite and (u.size == 0 or (u.min() > -(2.0**31) and u.max() < 2.0**31)):
        return u.astype(np.int32)
    np.clip(u, -G_LIMIT, G_LIMIT, out=u)  # a wild value must not overflow int64
    k = u.astype(np.int64)
    if not all_finite:
        k[np.isnan(x)] = _K_NAN
        k[x == np.inf] = _K_POSINF
        k[x == -np.inf] = _K_NEGINF
    return k


def _cell_payload(k: np.ndarray) -> tuple:
    """What is hashed for cell numbers: a width byte (4 or 8), then k little-endian (no copy)."""
    return bytes([k.itemsize]), k.astype(f"<i{k.itemsize}", copy=False)


def _mix(k: np.ndarray, key: int) -> np.ndarray:
    """Keyed per-position 64-bit mix (splitmix64 finaliser); k: int (n,) -> uint64 (n,)."""
    z = k.astype(np.int64).view(np.uint64) + np.arange(k.size, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    z += np.uint64(key)
    z ^= z >> np.uint64(30)
    z *= np.uint64(0xBF58476D1CE4E5B9)
    z ^= z >> np.uint64(27)
    z *= np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return z


def _tags(k: np.ndarray, key: int) -> np.ndarray:
    """TAG_BITS-bit keyed tag of each cell number, (n,) uint16."""
    return (_mix(k, key) >> np.uint64(64 - TAG_BITS)).astype(np.uint16)


# ---------------------------------------------------------------- the token format

_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"  # base64's
_DIGIT = np.full(256, 255, dtype=np.uint8)
_DIGIT[np.frombuffer(_ALPHABET, dtype=np.uint8)] = np.arange(64, dtype=np.uint8)
_CHAR = np.frombuffer(_ALPHABET, dtype=np.uint8)
# two digits read as one little-endian uint16 -> their 12-bit value (0xFFFF: not two digits)
_PAIR = np.full(1 << 16, 0xFFFF, dtype=np.uint16)
_PAIR[_CHAR[:, None].astype(np.uint16) | _CHAR[None, :].astype(np.uint16) << 8] = np.arange(4096).reshape(64, 64)


def _digits(text: str, per_item: int, n: int) -> np.ndarray:
    """Radix-64 digits of `text`, (n, per_item) uint8; ValueError if not n*per_item valid digits."""
    if len(text) != n * per_item:
        raise ValueError(f"expected {n * per_item} characters, got {len(text)}")
    d = _DIGIT[np.frombuffer(text.encode("ascii"), dtype=np.uint8)]
    if d.size and d.max() > 63:
        raise ValueError("not a base64 digit")
    return d.reshape(n, per_item)


@dataclass(frozen=True)
class _Token:
    kind: str  # "f", "i", "b", "s"
    shape: tuple[int, ...]
    rtol: float | None  # floats only
    atol: float | None
    salt_id: bytes  # 8 bytes
    offsets: str = ""  # floats: 2 digits per element, the masked 12-bit offset
    tags: str = ""  # float arrays of >= 2 elements: 1 digit per element, the masked 4-bit tag
    digest: bytes = b""

    @property
    def header(self) -> str:
        shape = "x".join(str(n) for n in self.shape)
        tol = f"{self.rtol!r}:{self.atol!r}" if self.kind == "f" else ":"
        return f"{VERSION}:{self.kind}:{shape}:{tol}:{self.salt_id.hex()}"

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    def __str__(self) -> str:
        return f"{self.header}:{self.offsets}:{self.tags}:{self.digest.hex()}"


def _parse(token: str) -> _Token:
    try:
        version, kc, shape, rtol, atol, salt_hex, offsets, tags, digest = token.split(":")
        if version != VERSION or kc not in _KIND_WORDS:
            raise ValueError
        tok = _Token(
            kind=kc,
            shape=tuple(int(n) for n in shape.split("x")) if shape else (),
            rtol=float(rtol) if kc == "f" else None,
            atol=float(atol) if kc == "f" else None,
            salt_id=bytes.fromhex(salt_hex),
            offsets=offsets,
            tags=tags,
            digest=bytes.fromhex(digest),
        )
        if len(tok.salt_id) != 8 or len(tok.digest) != DIGEST_BYTES or min(tok.shape, default=0) < 0:
            raise ValueError
        n = tok.size if kc == "f" else 0
        if len(offsets) != 2 * n or len(tags) != (n if n >= 2 else 0):
            raise ValueError
        return tok
    except (ValueError, AttributeError, TypeError):
        raise ValueError(f"not a {VERSION} token: {str(token)[:40]!r}...") from None


def _salt_id(salt: str) -> bytes:
    return hashlib.sha256(b"seqlabs-salt\0" + salt.encode("utf-8")).digest()[:8]


def _tolerance(rtol, atol) -> tuple[float, float, float]:
    """Validated (r, a, s); a is atol, or the smallest normal float when atol == 0."""
    r, a = float(rtol), float(atol)
    if not (0.0 <= r <= MAX_RTOL) or not (math.isfinite(a) and a >= 0.0):
        raise ValueError(f"need 0 <= rtol <= {MAX_RTOL} and finite atol >= 0, got rtol={rtol!r}, atol={atol!r}")
    if r == 0.0 and a == 0.0:
        raise ValueError("rtol and atol cannot both be 0: a float check needs some tolerance")
    return r, (a if a > 0.0 else TINY), _cell_step(r)


def _key(tok: _Token, what: bytes) -> int:
    """A 64-bit key for one use (mask, tags) of one token, from its header (so from its salt)."""
    return int.from_bytes(hashlib.sha256(what + b"\0" + tok.header.encode()).digest()[:8], "little")


def _mask(tok: _Token, n: int) -> np.ndarray:
    """(n,) uint16 keystream that hides the raw offsets and tags, so that tokens of one value
    under two salts cannot be matched. Our own mixer, not a library RNG: bit-stable everywhere."""
    z = _mix(np.arange((n + 3) // 4, dtype=np.int64), _key(tok, b"mask"))
    return z.astype("<u8").view("<u2")[:n]


def _digest(tok: _Token, payload) -> bytes:
    """Stretched salted SHA-256 of the header and the payload (bytes, or a tuple of buffers)."""
    h = hashlib.sha256(tok.header.encode() + b"\n")
    for part in payload if isinstance(payload, tuple) else (payload,):
        h.update(part)
    return hashlib.pbkdf2_hmac("sha256", h.digest(), tok.salt_id, STRETCH)[:DIGEST_BYTES]


def _exact_payload(arr: np.ndarray) -> bytes:
    """Bytes hashed for exact kinds: int64 LE, bool as 0/1 bytes, str as (length, UTF-8) pairs."""
    if arr.dtype == object:
        parts = []
        for text in arr.ravel().tolist():
            b = text.encode("utf-8")
            parts.append(len(b).to_bytes(8, "little") + b)  # length prefix: no separator ambiguity
        return b"".join(parts)
    if arr.dtype == bool:
        return arr.astype(np.uint8).tobytes()
    return arr.astype("<i8").tobytes()


def _offsets(tok: _Token) -> np.ndarray:
    """The signed offsets j in [-2048, 2047], (n,) int16."""
    n = tok.size
    o = _PAIR[np.frombuffer(tok.offsets.encode("ascii"), dtype="<u2")]  # (n,) 12-bit values
    if n and o.max() > 0xFFF:
        raise ValueError(f"not a {VERSION} token: bad offset digits")
    o ^= _mask(tok, n)
    return (o << 4).view(np.int16) >> 4  # the low 12 bits as two's complement: restores the sign


def _stored_tags(tok: _Token) -> np.ndarray:
    n = tok.size
    return _digits(tok.tags, 1, n)[:, 0] ^ (_mask(tok, n) >> 12)


# ---------------------------------------------------------------- public API


def make_token(value, *, rtol: float = 1e-5, atol: float = 1e-8, salt: str = "") -> str:
    """The token of `value` (any value `values.canonical` accepts).

    Floats are compared with tolerance: every element v_i within atol + rtol*|e_i|
    of e_i is accepted (np.isclose semantics, atol=0 means the smallest normal
    float); ints, bools and strings exactly. Deterministic and pure.
    """
    arr = canonical(value)
    kc = _KIND_CODE[kind(arr)]
    salt_id = _salt_id(str(salt))
    if kc != "f":
        tok = _Token(kc, arr.shape, None, None, salt_id)
        return str(_Token(kc, arr.shape, None, None, salt_id, digest=_digest(tok, _exact_payload(arr))))
    r, a, s = _tolerance(rtol, atol)
    tok = _Token("f", arr.shape, float(rtol), float(atol), salt_id)
    x = arr.ravel()
    n = x.size
    finite = np.isfinite(x)
    g = _g(np.where(finite, x, 0.0), r, a)
    if n and np.abs(g).max() >= G_LIMIT:
        raise ValueError(f"a reference value is too large to cut into cells of atol={atol!r}, rtol={rtol!r}; use a larger rtol")
    w = g * (2.0**OFFSET_BITS / s)  # g in units of q = s / 2**12
    j = np.rint(w - 2.0**OFFSET_BITS * np.rint(w * 2.0**-OFFSET_BITS))  # g's place in its centred cell
    j[j >= 2048.0] -= 4096.0  # the signed 12-bit field: +s/2 and -s/2 name the same cell edge
    j[~finite] = 0.0
    j = j.astype(np.int16)
    k = _cells(x, j, r, a, s)  # exactly as verify will compute it
    mask = _mask(tok, n)
    o = (j.view(np.uint16) & 0xFFF) ^ (mask & 0xFFF)
    offsets = _CHAR[np.stack([o >> 6, o & 63], axis=1)].tobytes().decode("ascii")
    tags = ""
    if n >= 2:  # one element needs no locating, and its tag would only speed up guessing
        tags = _CHAR[_tags(k, _key(tok, b"tag")) ^ (mask >> 12)].tobytes().decode("ascii")
    digest = _digest(tok, _cell_payload(k))
    return str(_Token("f", arr.shape, tok.rtol, tok.atol, salt_id, offsets, tags, digest))


def judge(value, token: str) -> tuple[bool, str | None]:
    """``(accepted, reason)``: one verification and, when it fails, why (``describe_mismatch``'s text).

    The single code path behind ``verify`` and ``describe_mismatch``; a caller that needs both calls
    this once (the salted hash is stretched, so it is the expensive part). ValueError if the token is
    malformed.
    """
    tok = _parse(token)
    want = _KIND_WORDS[tok.kind]
    try:
        arr = canonical(value)
    except TypeError as err:
        return False, _("{error} (this check expects {want})").format(error=err, want=_(want))
    got = _KIND_CODE[kind(arr)]
    if got != tok.kind and {got, tok.kind} != {"f", "i"}:
        return False, _("expected {want}, got {got}").format(want=_(want), got=_(_KIND_WORDS[got]))
    if arr.shape != tok.shape:
        return False, _shape_message(tok.shape, arr.shape)
    if tok.kind == "f" and got == "i":
        arr = arr.astype(np.float64)
    elif tok.kind == "i" and got == "f":
        whole = np.isfinite(arr) & (arr == np.round(arr)) & (np.abs(arr) < 2.0**63)
        if not whole.all():
            bad = int(whole.size - np.count_nonzero(whole))
            return False, _("expected {want}; {bad} of {size} of your values are not whole numbers").format(
                want=_(want), bad=bad, size=arr.size)
        arr = arr.astype(np.int64)
    if tok.kind != "f":
        if hmac.compare_digest(_digest(tok, _exact_payload(arr)), tok.digest):
            return True, None
        if tok.kind == "s":
            return False, _("the text differs from the expected text (an exact match: case, spaces and order count)")
        if arr.ndim == 0:
            return False, _("the value differs from the expected one (an exact match is required)")
        return False, _("the values differ from the expected ones (an exact match is required)")
    r, a, s = _tolerance(tok.rtol, tok.atol)
    x = arr.ravel()
    k = _cells(x, _offsets(tok), r, a, s)
    if hmac.compare_digest(_digest(tok, _cell_payload(k)), tok.digest):
        return True, None
    return False, _tolerance_message(tok, x, k)


def _shape_message(want: tuple, got: tuple) -> str:
    msg = _("expected shape {want}, got shape {got}").format(want=want, got=got)
    if want == ():
        msg = _("expected a single value (shape ()), got shape {got}").format(got=got)
        if math.prod(got) == 1:
            msg += _("; use .item() or squeeze it")
    elif len(want) > 1 and got == want[::-1]:
        msg += " " + _("(transposed?)")
    elif len(want) == len(got) + 1 or len(want) + 1 == len(got):
        msg += " " + _("(a missing or extra dimension?)")
    return msg


def _tolerance_message(tok: _Token, x: np.ndarray, k: np.ndarray) -> str:
    tol = f"rtol={tok.rtol!r}, atol={tok.atol!r}"
    n = x.size
    if n == 1:
        if math.isnan(x[0]):
            return _("your value is NaN")
        if math.isinf(x[0]):
            return _("your value is infinite")
        return _("your value is beyond tolerance ({tolerance})").format(tolerance=tol)
    wrong = _tags(k, _key(tok, b"tag")) != _stored_tags(tok)
    bad = int(np.count_nonzero(wrong))
    if bad == 0:  # every wrong position hit a 1-in-16 tag collision
        return _("some values are beyond tolerance ({tolerance})").format(tolerance=tol)
    where = np.unravel_index(int(np.argmax(wrong)), tok.shape)
    nonfinite = int(np.count_nonzero(wrong & ~np.isfinite(x)))
    msg = _("at least {bad} of {n} values are beyond tolerance ({tolerance}), the first at index {index}").format(
        bad=bad, n=n, tolerance=tol, index=tuple(int(i) for i in where))
    if nonfinite:
        msg += _("; {count} of them are NaN or infinite").format(count=nonfinite)
    return msg


def reject_factor(rtol: float) -> float:
    """F such that an element with |v - e| >= F (atol + rtol |e|) is always rejected.

    L = s/2 + q/2 + MARGIN is the largest |g(v) - g(e)| that can still land in
    e's cell; |g(v) - g(e)| < L implies |v - e| < (atol + rtol|e|)(exp(rtol L) - 1)/rtol
    (docs/tokens.md). About 1.00074 for rtol = 1e-5; 2.0 for rtol = 0.5.
    """
    r = float(rtol)
    s = _cell_step(r)
    big_l = s / 2 * (1 + 2.0**-OFFSET_BITS) + MARGIN
    return math.expm1(r * big_l) / r if r > 0 else big_l


def verify(value, token: str) -> bool:
    """True iff `value` matches `token` (see make_token). ValueError if the token is malformed."""
    return judge(value, token)[0]


def token_shape(token: str) -> tuple:
    """The shape of the value a token was made from (a shape check needs only that number of dimensions)."""
    return tuple(_parse(token).shape)


def describe_mismatch(value, token: str) -> str | None:
    """None when verify(value, token) holds; otherwise why not, for the student.

    Names the wrong type/kind, shape, NaN/inf, or how many values are beyond
    tolerance; never an expected value.
    """
    return judge(value, token)[1]
