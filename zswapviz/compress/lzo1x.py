"""LZO1X-1 and lzo-rle, as the kernel's ``lib/lzo`` compresses a page.

Models ``lib/lzo/lzo1x_compress.c`` (``lzo1x_1_compress`` and
``lzorle1x_1_compress``), whose constants live in ``lib/lzo/lzodefs.h``, and
``lib/lzo/lzo1x_decompress_safe.c``. Written from a description of the
algorithm; no kernel or liblzo2 code is copied.

The one parameter that separates the kernel from liblzo2 is the size of the
hash dictionary: the kernel uses 2**13 slots (:data:`KERNEL_D_BITS`), liblzo2
and so python-lzo's ``lzo.compress(data, 1, False)`` 2**14
(:data:`LIBLZO2_D_BITS`). Everything else is one algorithm:

* the input is cut into blocks of 49 152 bytes (49 151 for lzo-rle) and the
  dictionary is cleared for each block; when the pending literals plus the
  next block come to under 32 bytes, the rest is emitted as literals;
* a probe hashes the little-endian 32-bit word at the current position
  (times 0x1824429d, top *d_bits* bits); a miss advances by
  ``1 + literal_run // 32``;
* a hit whose 4 bytes are equal is extended 8 bytes at a time, stopping once
  the end passes ``block_end - 20`` (the x86-64/arm64 path);
* matches are coded as M2 (2 bytes), M3 or M4, literal runs of 1-3 bytes are
  folded into the previous instruction, and the stream ends with 0x11 0 0;
* lzo-rle (bitstream version 1) starts with the bytes 17, 1, codes a run of
  4-2051 zero bytes found at a probe as one 4-byte instruction, and cuts an
  M4 match of 261-264 bytes to 260 where its coding could read as that
  instruction.

The compressor is unbounded: it returns the whole stream. The kernel's
``lzo1x_1_compress_safe`` with a one-page output buffer fails exactly when
this length exceeds 4096, and zswap stores such a page raw either way.

All functions compile with numba on first use; :func:`warm_up` does that up
front, with the argument types the public functions pass.

>>> len(lzo1x_1_compress(bytes(4096)))
44
>>> len(lzo1x_1_compress(bytes(4096), rle=True))
41
>>> lzo1x_decompress(lzo1x_1_compress(b"abcabcabcabc"), 12)
b'abcabcabcabc'
"""

from __future__ import annotations

import numpy as np
from numba import get_num_threads, njit, prange

# numba's own count-trailing-zeros intrinsic (cttz), as used by its int helpers.
from numba.cpython.unsafe.numbers import trailing_zeros

from ..errors import UsageError

__all__ = [
    "KERNEL_D_BITS",
    "LIBLZO2_D_BITS",
    "LzoError",
    "lzo1x_1_compress",
    "lzo1x_1_compress_lengths",
    "lzo1x_decompress",
    "warm_up",
]

#: Dictionary bits of the kernel's ``lib/lzo`` (``D_BITS`` in ``lzodefs.h``).
KERNEL_D_BITS = 13
#: Dictionary bits of liblzo2's ``lzo1x_1`` (what python-lzo level 1 uses).
LIBLZO2_D_BITS = 14

# Unsigned constants: numba types a plain literal as int64, and mixing int64
# with uint64 indices gives float64 or negative-index checks.
_U0 = np.uint64(0)
_U1 = np.uint64(1)
_U2 = np.uint64(2)
_U3 = np.uint64(3)
_U4 = np.uint64(4)
_U5 = np.uint64(5)
_U6 = np.uint64(6)
_U7 = np.uint64(7)
_U8 = np.uint64(8)
_U16 = np.uint64(16)
_U17 = np.uint64(17)
_U18 = np.uint64(18)
_U20 = np.uint64(20)
_U24 = np.uint64(24)
_U32 = np.uint64(32)
_U40 = np.uint64(40)
_U48 = np.uint64(48)
_U56 = np.uint64(56)
_U238 = np.uint64(238)
_U255 = np.uint64(255)
_U260 = np.uint64(260)
_U261 = np.uint64(261)
_U264 = np.uint64(264)
_U_HASH = np.uint64(0x1824429D)
_U_LOW32 = np.uint64(0xFFFFFFFF)

_M2_MAX_LEN = np.uint64(8)
_M2_MAX_OFFSET = np.uint64(0x0800)
_M3_MAX_LEN = np.uint64(33)
_M3_MAX_OFFSET = np.uint64(0x4000)
_M4_MAX_LEN = np.uint64(9)
_M3_MARKER = np.uint64(32)
_M4_MARKER = np.uint64(16)
# Block length = M4 maximum offset + 1: 0xbfff + 1 (lzo), 0xbffe + 1 (lzo-rle).
_BLOCK_V0 = np.uint64(0xC000)
_BLOCK_V1 = np.uint64(0xBFFF)
_MIN_ZERO_RUN = np.uint64(4)
_MAX_ZERO_RUN = np.uint64(2051)
_RLE_CUT_MASK = np.uint64(0x403F)

# lzo1x_decompress_safe() results (include/linux/lzo.h).
_E_ERROR = -1
_E_INPUT_OVERRUN = -4
_E_OUTPUT_OVERRUN = -5
_E_LOOKBEHIND_OVERRUN = -6
_E_INPUT_NOT_CONSUMED = -8

_ERROR_TEXT = {
    _E_ERROR: "a bad end marker (LZO_E_ERROR)",
    _E_INPUT_OVERRUN: "the input ends inside an instruction (LZO_E_INPUT_OVERRUN)",
    _E_OUTPUT_OVERRUN: "the output would exceed the buffer (LZO_E_OUTPUT_OVERRUN)",
    _E_LOOKBEHIND_OVERRUN: "a match points before the start of the output (LZO_E_LOOKBEHIND_OVERRUN)",
    _E_INPUT_NOT_CONSUMED: "bytes follow the end marker (LZO_E_INPUT_NOT_CONSUMED)",
}


class LzoError(ValueError):
    """A stream that ``lzo1x_decompress_safe`` would reject as corrupt."""


@njit(cache=True)
def _le32(a, i):
    """Read the little-endian 32-bit word at byte *i* of *a*."""
    return (np.uint64(a[i])
            | (np.uint64(a[i + _U1]) << _U8)
            | (np.uint64(a[i + _U2]) << _U16)
            | (np.uint64(a[i + _U3]) << _U24))


@njit(cache=True)
def _le64(a, i):
    """Read the little-endian 64-bit word at byte *i* of *a*."""
    return (np.uint64(a[i])
            | (np.uint64(a[i + _U1]) << _U8)
            | (np.uint64(a[i + _U2]) << _U16)
            | (np.uint64(a[i + _U3]) << _U24)
            | (np.uint64(a[i + _U4]) << _U32)
            | (np.uint64(a[i + _U5]) << _U40)
            | (np.uint64(a[i + _U6]) << _U48)
            | (np.uint64(a[i + _U7]) << _U56))


@njit(cache=True)
def _emit_run_length(out, op, count):
    """Write *count* as 0x00 bytes (255 each) plus a remainder byte; return op."""
    while count > _U255:
        count -= _U255
        out[op] = 0
        op += _U1
    out[op] = count
    return op + _U1


@njit(cache=True)
def _compress_into(src, n, out, dic, d_bits, rle):
    """Compress ``src[:n]`` into *out* with LZO1X-1; return the stream length.

    *out* must hold ``n + n // 4 + 64`` bytes and *dic* ``2**d_bits`` slots.
    """
    size = np.uint64(n)
    op = _U0
    if rle:
        out[0] = 17
        out[1] = 1
        op = _U2
    data_start = op
    block = _BLOCK_V1 if rle else _BLOCK_V0
    shift = _U32 - np.uint64(d_bits)
    pos = _U0
    left = size
    t = _U0
    # Byte that takes a following 1-3 literal count: op - 2 after a match,
    # op - 3 after a zero-run instruction.
    back = _U2
    while left > _U20:
        ll = left if left < block else block
        if (t + ll) >> _U5 == _U0:
            # Under 32 bytes to go: all of it stays literal.
            break
        dic[:] = 0
        base = pos
        in_end = base + ll
        ip_end = in_end - _U20
        ii = base
        ti = t
        ip = base + (_U4 - ti if ti < _U4 else _U0)
        skip = True
        while True:
            if skip:
                ip += _U1 + ((ip - ii) >> _U5)
            if ip >= ip_end:
                break
            dv = _le32(src, ip)
            run = _U0
            m_pos = _U0
            if rle and dv == _U0:
                limit = ip_end
                if ip + _MAX_ZERO_RUN + _U1 < limit:
                    limit = ip + _MAX_ZERO_RUN + _U1
                ir = ip + _U4
                while ir + _U8 <= limit:
                    w = _le64(src, ir)
                    if w != _U0:
                        ir += np.uint64(trailing_zeros(w)) >> _U3
                        break
                    ir += _U8
                while ir < limit and src[ir] == 0:
                    ir += _U1
                run = ir - ip
                if run > _MAX_ZERO_RUN:
                    run = _MAX_ZERO_RUN
            else:
                h = ((dv * _U_HASH) & _U_LOW32) >> shift
                m_pos = base + np.uint64(dic[h])
                dic[h] = ip - base
                if dv != _le32(src, m_pos):
                    skip = True
                    continue
            # Flush the literals before this match or run.
            ii -= ti
            ti = _U0
            lit = ip - ii
            if lit != _U0:
                if lit <= _U3:
                    out[op - back] |= lit
                elif lit <= _U18:
                    out[op] = lit - _U3
                    op += _U1
                else:
                    out[op] = 0
                    op = _emit_run_length(out, op + _U1, lit - _U18)
                k = _U0
                while k < lit:
                    out[op + k] = src[ii + k]
                    k += _U1
                op += lit
            if run != _U0:
                ip += run
                r = run - _MIN_ZERO_RUN
                out[op] = _U8 | _U16 | (r & _U7)
                out[op + _U1] = 0xFC
                out[op + _U2] = 0xFF
                out[op + _U3] = r >> _U3
                op += _U4
                back = _U3
                ii = ip
                skip = False
                continue
            # Extend the match 8 bytes at a time; stop once past ip_end.
            m_len = _U4
            v = _le64(src, ip + m_len) ^ _le64(src, m_pos + m_len)
            done = False
            if v == _U0:
                while True:
                    m_len += _U8
                    v = _le64(src, ip + m_len) ^ _le64(src, m_pos + m_len)
                    if ip + m_len >= ip_end:
                        done = True
                        break
                    if v != _U0:
                        break
            if not done:
                m_len += np.uint64(trailing_zeros(v)) >> _U3
            m_off = ip - m_pos
            ip += m_len
            if m_len <= _M2_MAX_LEN and m_off <= _M2_MAX_OFFSET:
                m_off -= _U1
                out[op] = ((m_len - _U1) << _U5) | ((m_off & _U7) << _U2)
                out[op + _U1] = m_off >> _U3
                op += _U2
            elif m_off <= _M3_MAX_OFFSET:
                m_off -= _U1
                if m_len <= _M3_MAX_LEN:
                    out[op] = _M3_MARKER | (m_len - _U2)
                    op += _U1
                else:
                    out[op] = _M3_MARKER
                    op = _emit_run_length(out, op + _U1, m_len - _M3_MAX_LEN)
                out[op] = (m_off << _U2) & _U255
                out[op + _U1] = m_off >> _U6
                op += _U2
            else:
                m_off -= _M3_MAX_OFFSET
                high = (m_off >> np.uint64(11)) & _U8
                if m_len <= _M4_MAX_LEN:
                    out[op] = _M4_MARKER | high | (m_len - _U2)
                    op += _U1
                else:
                    # lzo-rle: these lengths and offsets would read as a zero run.
                    if (rle and (m_off & _RLE_CUT_MASK) == _RLE_CUT_MASK
                            and m_len >= _U261 and m_len <= _U264):
                        ip -= m_len - _U260
                        m_len = _U260
                    out[op] = _M4_MARKER | high
                    op = _emit_run_length(out, op + _U1, m_len - _M4_MAX_LEN)
                out[op] = (m_off << _U2) & _U255
                out[op + _U1] = (m_off >> _U6) & _U255
                op += _U2
            back = _U2
            ii = ip
            skip = False
        t = in_end - (ii - ti)
        pos += ll
        left -= ll
    t += left
    if t > _U0:
        ii = size - t
        if op == data_start and t <= _U238:
            out[op] = _U17 + t
            op += _U1
        elif t <= _U3:
            out[op - back] |= t
        elif t <= _U18:
            out[op] = t - _U3
            op += _U1
        else:
            out[op] = 0
            op = _emit_run_length(out, op + _U1, t - _U18)
        k = _U0
        while k < t:
            out[op + k] = src[ii + k]
            k += _U1
        op += t
    out[op] = _M4_MARKER | _U1
    out[op + _U1] = 0
    out[op + _U2] = 0
    return np.int64(op + _U3)


@njit(cache=True)
def _out_size(n):
    """Size of an output buffer that any *n*-byte input fits in."""
    return n + n // 4 + 64


@njit(cache=True)
def _compress_one(src, d_bits, rle):
    """Compress a 1-D uint8 array; return the stream as a new array."""
    n = src.shape[0]
    out = np.empty(_out_size(n), np.uint8)
    dic = np.empty(1 << d_bits, np.uint16)
    size = _compress_into(src, n, out, dic, d_bits, rle)
    return out[:size].copy()


@njit(cache=True)
def _compress_rows(pages, d_bits, rle):
    """Return the compressed length of every row of a 2-D uint8 array."""
    rows, n = pages.shape
    out = np.empty(_out_size(n), np.uint8)
    dic = np.empty(1 << d_bits, np.uint16)
    sizes = np.empty(rows, np.int64)
    for i in range(rows):
        sizes[i] = _compress_into(pages[i], n, out, dic, d_bits, rle)
    return sizes


@njit(cache=True, parallel=True)
def _compress_rows_parallel(pages, d_bits, rle, parts):
    """Like _compress_rows, split into *parts* runs of rows on numba's threads."""
    rows, n = pages.shape
    sizes = np.empty(rows, np.int64)
    step = (rows + parts - 1) // parts
    for t in prange(parts):
        out = np.empty(_out_size(n), np.uint8)
        dic = np.empty(1 << d_bits, np.uint16)
        for i in range(t * step, min(rows, (t + 1) * step)):
            sizes[i] = _compress_into(pages[i], n, out, dic, d_bits, rle)
    return sizes


@njit(cache=True)
def _decompress_into(src, out):
    """Decode an LZO1X or lzo-rle stream into *out*; return its length or an error code.

    Follows ``lzo1x_decompress_safe``: every read, write and back-reference is
    checked, and a version header (17, v) switches on zero-run instructions.
    """
    n = src.shape[0]
    cap = out.shape[0]
    ip = 0
    op = 0
    if n < 3:
        return _E_INPUT_OVERRUN
    version = 0
    if n >= 5 and src[0] == 17:
        version = src[1]
        ip = 2
    state = 0
    nxt = 0
    t = 0
    m_pos = 0
    word = 0
    # phase 0: read an instruction; 1: copy t literals; 2: copy nxt trailing literals.
    phase = 0
    if src[ip] > 17:
        t = np.int64(src[ip]) - 17
        ip += 1
        if t < 4:
            nxt = t
            phase = 2
        else:
            phase = 1
    while True:
        if phase == 1:
            if op + t > cap:
                return _E_OUTPUT_OVERRUN
            if ip + t + 3 > n:
                return _E_INPUT_OVERRUN
            for k in range(t):
                out[op + k] = src[ip + k]
            op += t
            ip += t
            state = 4
            phase = 0
            continue
        if phase == 2:
            state = nxt
            t = nxt
            if ip + t + 3 > n:
                return _E_INPUT_OVERRUN
            if op + t > cap:
                return _E_OUTPUT_OVERRUN
            for k in range(t):
                out[op + k] = src[ip + k]
            op += t
            ip += t
            phase = 0
            continue
        if ip >= n:
            return _E_INPUT_OVERRUN
        t = np.int64(src[ip])
        ip += 1
        if t < 16:
            if state == 0:
                if t == 0:
                    while True:
                        if ip >= n:
                            return _E_INPUT_OVERRUN
                        if src[ip] != 0:
                            break
                        t += 255
                        ip += 1
                    t += 15 + np.int64(src[ip])
                    ip += 1
                t += 3
                phase = 1
                continue
            if ip >= n:
                return _E_INPUT_OVERRUN
            nxt = t & 3
            if state != 4:
                m_pos = op - 1 - (t >> 2) - (np.int64(src[ip]) << 2)
                ip += 1
                t = 2
            else:
                m_pos = op - 2049 - (t >> 2) - (np.int64(src[ip]) << 2)
                ip += 1
                t = 3
        elif t >= 64:
            if ip >= n:
                return _E_INPUT_OVERRUN
            nxt = t & 3
            m_pos = op - 1 - ((t >> 2) & 7) - (np.int64(src[ip]) << 3)
            ip += 1
            t = (t >> 5) + 1
        elif t >= 32:
            t = (t & 31) + 2
            if t == 2:
                while True:
                    if ip >= n:
                        return _E_INPUT_OVERRUN
                    if src[ip] != 0:
                        break
                    t += 255
                    ip += 1
                t += 31 + np.int64(src[ip])
                ip += 1
            if ip + 2 > n:
                return _E_INPUT_OVERRUN
            word = np.int64(src[ip]) | (np.int64(src[ip + 1]) << 8)
            ip += 2
            m_pos = op - 1 - (word >> 2)
            nxt = word & 3
        else:
            if ip + 2 > n:
                return _E_INPUT_OVERRUN
            word = np.int64(src[ip]) | (np.int64(src[ip + 1]) << 8)
            if version != 0 and (word & 0xFFFC) == 0xFFFC and (t & 0xF8) == 0x18:
                # lzo-rle zero run: 3 low bits here, 8 high bits two bytes on.
                if ip + 3 > n:
                    return _E_INPUT_OVERRUN
                t = (t & 7) | (np.int64(src[ip + 2]) << 3)
                t += 4
                if op + t > cap:
                    return _E_OUTPUT_OVERRUN
                for k in range(t):
                    out[op + k] = 0
                op += t
                nxt = word & 3
                ip += 3
                phase = 2
                continue
            m_pos = op - ((t & 8) << 11)
            t = (t & 7) + 2
            if t == 2:
                while True:
                    if ip >= n:
                        return _E_INPUT_OVERRUN
                    if src[ip] != 0:
                        break
                    t += 255
                    ip += 1
                t += 7 + np.int64(src[ip])
                ip += 1
                if ip + 2 > n:
                    return _E_INPUT_OVERRUN
                word = np.int64(src[ip]) | (np.int64(src[ip + 1]) << 8)
            ip += 2
            m_pos -= word >> 2
            nxt = word & 3
            if m_pos == op:
                # End marker: valid only as 0x11 0 0 at the very end.
                if t != 3:
                    return _E_ERROR
                if ip == n:
                    return op
                return _E_INPUT_NOT_CONSUMED if ip < n else _E_INPUT_OVERRUN
            m_pos -= 0x4000
        if m_pos < 0:
            return _E_LOOKBEHIND_OVERRUN
        if op + t > cap:
            return _E_OUTPUT_OVERRUN
        for k in range(t):
            out[op + k] = out[m_pos + k]
        op += t
        phase = 2


def _readonly_u8(data) -> np.ndarray:
    """View bytes-like *data* or a uint8 array as a read-only C-contiguous array.

    Every entry point passes this one array type, so numba compiles each
    function once (a writable array would be a second specialisation).
    """
    if type(data) is bytes:
        return np.frombuffer(data, dtype=np.uint8)
    if isinstance(data, np.ndarray):
        if data.dtype != np.uint8:
            raise UsageError(f"LZO input must be bytes or a uint8 array, not a {data.dtype} array")
        a = np.ascontiguousarray(data)
    else:
        a = np.frombuffer(memoryview(data).cast("B"), dtype=np.uint8)
    if a.flags.writeable:
        a = a.view()
        a.flags.writeable = False
    return a


def _check_d_bits(d_bits: int) -> int:
    """Return *d_bits* as an int, or raise UsageError if no 16-bit dictionary fits it."""
    if isinstance(d_bits, bool) or not isinstance(d_bits, (int, np.integer)) or not 1 <= d_bits <= 16:
        raise UsageError(f"LZO dictionary bits must be a whole number from 1 to 16, not {d_bits!r}")
    return int(d_bits)


def lzo1x_1_compress(src: bytes, d_bits: int = KERNEL_D_BITS, rle: bool = False) -> bytes:
    """Compress *src* with LZO1X-1 and return the whole stream, however long.

    *d_bits* is the dictionary size in bits (13 for the kernel, 14 for
    liblzo2); *rle* selects lzo-rle (bitstream version 1). Inputs of any
    length work, including several 49 152-byte blocks and empty input.

    >>> lzo1x_1_compress(b"")
    b'\\x11\\x00\\x00'
    """
    a = _readonly_u8(src).reshape(-1)
    return _compress_one(a, _check_d_bits(d_bits), bool(rle)).tobytes()


def lzo1x_1_compress_lengths(pages: np.ndarray, d_bits: int = KERNEL_D_BITS,
                             rle: bool = False, threads: int | None = 1) -> np.ndarray:
    """Return the LZO1X-1 stream length of every row of *pages*, in one compiled call.

    *pages* is a 2-D uint8 array, one page per row (normally shaped
    ``(n, 4096)``); the result is an int64 array of *n* lengths, each equal
    to ``len(lzo1x_1_compress(row, d_bits, rle))``. *threads* > 1 (or None
    for all of numba's threads) splits the rows over that many threads;
    every page is still compressed on its own, so the lengths are the same.
    """
    a = _readonly_u8(pages)
    if a.ndim != 2:
        raise UsageError(f"pages must be a 2-D uint8 array (one page per row), not {a.ndim}-D")
    parts = get_num_threads() if threads is None else int(threads)
    if parts > 1 and a.shape[0] >= 64:
        return _compress_rows_parallel(a, _check_d_bits(d_bits), bool(rle), min(parts, a.shape[0]))
    return _compress_rows(a, _check_d_bits(d_bits), bool(rle))


def lzo1x_decompress(src: bytes, out_len: int = 4096) -> bytes:
    """Decode an LZO1X or lzo-rle stream into at most *out_len* bytes.

    Behaves like ``lzo1x_decompress_safe`` with an *out_len*-byte buffer and
    returns the decoded bytes; a corrupt stream raises :class:`LzoError`
    naming what is wrong.
    """
    if isinstance(out_len, bool) or not isinstance(out_len, (int, np.integer)) or out_len < 0:
        raise UsageError(f"output length must be a whole number of at least 0, not {out_len!r}")
    a = _readonly_u8(src).reshape(-1)
    out = np.empty(int(out_len), np.uint8)
    size = _decompress_into(a, out)
    if size < 0:
        raise LzoError(f"corrupt LZO stream of {len(a)} bytes: {_ERROR_TEXT[int(size)]}")
    return out[:size].tobytes()


def warm_up() -> None:
    """Compile every function with the argument types the public functions pass.

    Costs about a second per function with an empty numba cache and a few
    milliseconds with a warm one; call it once so that first use is quick.
    """
    page = bytes(range(256)) * 16
    stream = lzo1x_1_compress(page)
    lzo1x_1_compress_lengths(np.frombuffer(page, np.uint8).reshape(1, -1))
    lzo1x_decompress(stream, len(page))
