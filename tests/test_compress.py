"""Tests for zswapviz.compress: the own LZO1X-1 against python-lzo, and the registry.

python-lzo's ``lzo.compress(p, 1, False)`` is liblzo2's LZO1X-1 with a 2**14
dictionary, so at ``d_bits=14`` the own compressor must reproduce it byte for
byte; at 13 bits it is the kernel's (docs/kernel-facts.md section 10).
"""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import lzo
import numpy as np
import pytest
import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zswapviz.compress import (
    COMPRESSOR_NAMES,
    DEFAULT_COMPRESSOR,
    Compressor,
    DecompressError,
    get_compressor,
)
from zswapviz.compress.lzo1x import (
    KERNEL_D_BITS,
    LIBLZO2_D_BITS,
    LzoError,
    lzo1x_1_compress,
    lzo1x_1_compress_lengths,
    lzo1x_decompress,
    warm_up,
)
from zswapviz.errors import UsageError
from zswapviz.pages import PAGE_KINDS, PAGE_SIZE, make_pages, split_pages

PAGES_PER_KIND = 48


def _reference(data: bytes) -> bytes:
    """liblzo2's LZO1X-1 stream (2**14 dictionary), without python-lzo's header."""
    return lzo.compress(data, 1, False)


def _first_difference(a: bytes, b: bytes) -> int:
    """Index of the first byte where *a* and *b* differ (or the shorter length)."""
    return next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))


def _assert_same_stream(data: bytes, label: str) -> None:
    """Fail with a short message unless the own stream equals python-lzo's."""
    ours = lzo1x_1_compress(data, LIBLZO2_D_BITS)
    theirs = _reference(data)
    assert ours == theirs, (
        f"{label}: {len(data)} input bytes give {len(ours)} vs python-lzo {len(theirs)}, "
        f"first difference at byte {_first_difference(ours, theirs)}"
    )


@pytest.fixture(scope="module", autouse=True)
def _compiled() -> None:
    """Compile the numba functions once, so no test pays for it alone."""
    warm_up()


@pytest.fixture(scope="module")
def kind_pages() -> dict[str, list[bytes]]:
    """PAGES_PER_KIND pages of every page kind."""
    return {k: split_pages(make_pages(k, PAGES_PER_KIND, seed=7)) for k in PAGE_KINDS}


@pytest.fixture(scope="module")
def sample_pages() -> np.ndarray:
    """A few pages of every kind, as one (n, 4096) uint8 array."""
    data = b"".join(make_pages(k, 8, seed=11) for k in PAGE_KINDS)
    return np.frombuffer(data, np.uint8).reshape(-1, PAGE_SIZE)


# -- own LZO1X-1 at 14 bits = python-lzo, byte for byte ----------------------

@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_d_bits_14_matches_python_lzo_on_every_page_kind(kind, kind_pages):
    """With a 2**14 dictionary every generated page compresses exactly as python-lzo does."""
    for i, page in enumerate(kind_pages[kind]):
        _assert_same_stream(page, f"{kind} page {i}")


def test_d_bits_14_matches_python_lzo_on_random_lengths_up_to_60000():
    """Inputs of 0..60000 bytes, several 49152-byte blocks included, match python-lzo."""
    rng = random.Random(2024)
    text = make_pages("text", 15, seed=3)
    for i in range(60):
        n = rng.randint(0, 60000)
        if i % 3 == 0:
            data = rng.randbytes(n)
        elif i % 3 == 1:
            start = rng.randint(0, len(text) - n)
            data = text[start:start + n]
        else:
            data = bytearray(text[:n])
            for _ in range(n // 2000):
                at = rng.randint(0, max(n - 1, 0))
                data[at:at + rng.randint(4, 3000)] = bytes(rng.randint(4, 3000))
            data = bytes(data[:n])
        _assert_same_stream(data, f"input {i}")


def test_d_bits_14_matches_python_lzo_on_tiny_inputs():
    """Every length from 0 to 20 bytes, and a few past the 20-byte limit, match python-lzo."""
    rng = random.Random(5)
    for n in range(0, 41):
        for data in (bytes(n), b"a" * n, rng.randbytes(n), (b"abcd" * 11)[:n]):
            _assert_same_stream(data, "tiny input")


def test_d_bits_14_matches_python_lzo_across_block_boundaries():
    """Inputs that end just before, at and after a 49152-byte block edge match python-lzo."""
    text = make_pages("text", 26, seed=9)
    zeros_then_text = bytes(49152 - 7) + text[:40]
    for n in (49131, 49132, 49151, 49152, 49153, 49172, 49173, 98304, 98305, 98325):
        _assert_same_stream(text[:n], f"text[:{n}]")
    _assert_same_stream(zeros_then_text, "zeros then text")


@settings(max_examples=1000, deadline=None)
@given(st.binary(max_size=10000))
def test_d_bits_14_matches_python_lzo_on_arbitrary_bytes(data):
    """Any byte string compresses exactly as python-lzo compresses it."""
    _assert_same_stream(data, "arbitrary bytes")


def _segment():
    """A strategy for one piece of a structured page."""
    return st.one_of(
        st.tuples(st.just("zeros"), st.integers(1, 3000)),
        st.tuples(st.just("repeat"), st.binary(min_size=1, max_size=12), st.integers(1, 400)),
        st.tuples(st.just("random"), st.integers(1, 600)),
        st.tuples(st.just("text"), st.integers(0, 4096), st.integers(1, 1500)),
        st.tuples(st.just("copy"), st.integers(0, 4096), st.integers(4, 300)),
    )


_TEXT = make_pages("text", 2, seed=1)


@st.composite
def structured_pages(draw) -> bytes:
    """A 4096-byte page built from zero islands, repeats, random runs, text and self-copies."""
    rng = random.Random(draw(st.integers(0, 2**32)))
    out = bytearray()
    for seg in draw(st.lists(_segment(), min_size=1, max_size=12)):
        if seg[0] == "zeros":
            out += bytes(seg[1])
        elif seg[0] == "repeat":
            out += seg[1] * seg[2]
        elif seg[0] == "random":
            out += rng.randbytes(seg[1])
        elif seg[0] == "text":
            out += _TEXT[seg[1]:seg[1] + seg[2]]
        elif out:
            start = seg[1] % len(out)
            out += out[start:start + seg[2]]
    return bytes(out[:PAGE_SIZE].ljust(PAGE_SIZE, b"\0"))


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(structured_pages())
def test_d_bits_14_matches_python_lzo_on_structured_pages(page):
    """Pages of zero islands, repeats and copies compress exactly as python-lzo, and round-trip at 13 bits."""
    _assert_same_stream(page, "structured page")
    for rle in (False, True):
        stream = lzo1x_1_compress(page, KERNEL_D_BITS, rle)
        assert lzo1x_decompress(stream, PAGE_SIZE) == page


# -- decompression: python-lzo and our own ---------------------------------

def test_lzo_streams_decompress_with_python_lzo_and_our_own(kind_pages):
    """Every kernel-lzo stream (13 bits) decodes back with python-lzo and with lzo1x_decompress."""
    lzo_c = get_compressor("lzo")
    for kind, pages in kind_pages.items():
        for page in pages:
            stream = lzo_c.compress(page)
            assert lzo.decompress(stream, False, PAGE_SIZE) == page, kind
            assert lzo1x_decompress(stream, PAGE_SIZE) == page, kind
            assert lzo_c.decompress(stream) == page, kind


def test_lzo_rle_streams_decompress_with_our_own(kind_pages):
    """Every lzo-rle stream decodes back with lzo1x_decompress and the registry's decompress."""
    rle_c = get_compressor("lzo-rle")
    for kind, pages in kind_pages.items():
        for page in pages:
            stream = rle_c.compress(page)
            assert stream[:2] == b"\x11\x01", kind
            assert lzo1x_decompress(stream, PAGE_SIZE) == page, kind
            assert rle_c.decompress(stream) == page, kind


def test_lzo_rle_without_zero_words_is_header_plus_lzo_stream_python_lzo_reads(kind_pages):
    """On pages with no four zero bytes in a row, lzo-rle is 17 1 plus the lzo stream, which python-lzo decodes.

    python-lzo (liblzo2) cannot read lzo-rle as such: the version header and
    the zero-run instruction exist only in the kernel's decompressor. So
    lzo-rle is checked against python-lzo where the two formats coincide.
    """
    checked = 0
    for pages in kind_pages.values():
        for page in pages:
            if b"\0\0\0\0" in page:
                continue
            for bits in (KERNEL_D_BITS, LIBLZO2_D_BITS):
                stream = lzo1x_1_compress(page, bits, rle=True)
                assert stream == b"\x11\x01" + lzo1x_1_compress(page, bits)
                assert lzo.decompress(stream[2:], False, PAGE_SIZE) == page
            checked += 1
    assert checked >= 3 * PAGES_PER_KIND


def test_python_lzo_rejects_lzo_rle_streams():
    """liblzo2's decoder reads the lzo-rle header 17 1 as a bad match, so it cannot check lzo-rle directly."""
    with pytest.raises(lzo.error):
        lzo.decompress(lzo1x_1_compress(bytes(PAGE_SIZE), rle=True), False, PAGE_SIZE)


@pytest.mark.parametrize("name", ["zstd", "lz4", "deflate"])
def test_library_compressors_round_trip(name, kind_pages):
    """Every zstd, lz4 and deflate stream decodes back to its page with the registry's decompress."""
    comp = get_compressor(name)
    for kind, pages in kind_pages.items():
        for page in pages[:16]:
            assert comp.decompress(comp.compress(page)) == page, kind


def test_long_m4_match_is_cut_to_260_only_under_rle():
    """A 262-byte match at offset 0x803f is coded whole by lzo but cut to 260 by lzo-rle, and both decode."""
    rng = random.Random(3)
    block = bytes(b | 1 for b in rng.randbytes(262))
    data = block + bytes(0x803F - len(block)) + block + b"\xaa" + rng.randbytes(100)
    plain = lzo1x_1_compress(data, KERNEL_D_BITS)
    rle = lzo1x_1_compress(data, KERNEL_D_BITS, rle=True)
    # M4 with the offset's high bit and an extended length: 262 - 9 = 253, 260 - 9 = 251.
    assert b"\x18\xfd" in plain and b"\x18\xfb" not in plain
    assert b"\x18\xfb" in rle and b"\x18\xfd" not in rle
    assert lzo1x_decompress(plain, len(data)) == data
    assert lzo1x_decompress(rle, len(data)) == data
    assert lzo.decompress(plain, False, len(data)) == data


def test_multi_block_round_trips_with_zero_runs():
    """Inputs of several blocks with long zero runs round-trip through both formats."""
    rng = random.Random(8)
    text = make_pages("text", 40, seed=4)
    for n in (49151, 49152, 49153, 120000, 160000):
        data = bytearray(text[:n])
        for _ in range(20):
            at = rng.randint(0, n - 1)
            data[at:at + rng.randint(1, 5000)] = bytes(5000)
        data = bytes(data[:n])
        for bits in (KERNEL_D_BITS, LIBLZO2_D_BITS):
            for rle in (False, True):
                stream = lzo1x_1_compress(data, bits, rle)
                assert lzo1x_decompress(stream, n) == data
        assert lzo.decompress(lzo1x_1_compress(data, KERNEL_D_BITS), False, n) == data


@pytest.mark.parametrize("cut", [0, 1, 2, 3, 10, -1, -2, -3])
def test_truncated_lzo_streams_raise_lzo_error(cut):
    """A stream cut short or padded raises LzoError, never crashes or returns a short page."""
    stream = lzo1x_1_compress(make_pages("text", 1, seed=2))
    bad = stream[:cut] if cut > 0 else stream[:len(stream) + cut]
    if cut == 0:
        bad = stream + b"\0"
    with pytest.raises(LzoError):
        lzo1x_decompress(bad, PAGE_SIZE)


def test_lzo_error_names_output_overrun():
    """Decoding into a buffer smaller than the page raises LzoError naming the overrun."""
    with pytest.raises(LzoError, match="LZO_E_OUTPUT_OVERRUN"):
        lzo1x_decompress(lzo1x_1_compress(bytes(PAGE_SIZE)), PAGE_SIZE - 1)


def test_hand_built_m2_match_decodes_and_a_too_far_one_is_rejected():
    """An M2 match 4 bytes back copies from the start; one 101 bytes back raises LOOKBEHIND_OVERRUN."""
    literals = bytes([17 + 4]) + b"abcd"
    end = b"\x11\x00\x00"
    # M2: length - 1 in bits 5-7, (offset - 1) & 7 in bits 2-4, (offset - 1) >> 3 next.
    assert lzo1x_decompress(literals + bytes([(2 << 5) | (3 << 2), 0]) + end, 64) == b"abcdabc"
    with pytest.raises(LzoError, match="LZO_E_LOOKBEHIND_OVERRUN"):
        lzo1x_decompress(literals + bytes([(2 << 5) | ((100 & 7) << 2), 100 >> 3]) + end, 64)


@settings(max_examples=1000, deadline=None)
@given(st.binary(max_size=300))
def test_garbage_decompresses_or_raises_lzo_error(garbage):
    """Arbitrary bytes either decode within the buffer or raise LzoError; nothing else happens."""
    for data in (garbage, b"\x11\x01" + garbage):
        try:
            out = lzo1x_decompress(data, 512)
        except LzoError:
            continue
        assert len(out) <= 512


@pytest.mark.parametrize("name", COMPRESSOR_NAMES)
def test_registry_decompress_rejects_truncated_streams(name):
    """Every compressor's decompress raises DecompressError for a stream missing its last bytes."""
    comp = get_compressor(name)
    stream = comp.compress(make_pages("text", 1, seed=5))
    with pytest.raises(DecompressError, match=name):
        comp.decompress(stream[:len(stream) // 2])


# -- the kernel's 13-bit dictionary -----------------------------------------

def test_d_bits_13_changes_lengths_on_most_text_pages():
    """The kernel's 2**13 dictionary gives other lengths than python-lzo on most text pages."""
    pages = np.frombuffer(make_pages("text", 64, seed=2), np.uint8).reshape(-1, PAGE_SIZE)
    kernel = lzo1x_1_compress_lengths(pages, KERNEL_D_BITS)
    liblzo2 = np.array([len(_reference(p.tobytes())) for p in pages])
    assert np.array_equal(lzo1x_1_compress_lengths(pages, LIBLZO2_D_BITS), liblzo2)
    assert (kernel != liblzo2).mean() >= 0.5


def test_zero_page_is_44_bytes_with_lzo_and_41_with_lzo_rle():
    """An all-zero page compresses to 44 bytes with lzo and 41 with lzo-rle, as in the kernel."""
    zero = bytes(PAGE_SIZE)
    assert len(get_compressor("lzo").compress(zero)) == 44
    assert len(get_compressor("lzo-rle").compress(zero)) == 41
    assert len(lzo1x_1_compress(zero, KERNEL_D_BITS)) == 44
    assert len(lzo1x_1_compress(zero, KERNEL_D_BITS, rle=True)) == 41


def _zero_run(length: int) -> bytes:
    """The lzo-rle instruction for *length* zero bytes (length - 4 split 3 + 8 bits)."""
    r = length - 4
    return bytes([0x18 | (r & 7), 0xFC, 0xFF, r >> 3])


def test_zero_page_lzo_rle_stream_is_two_capped_runs():
    """An all-zero page under lzo-rle is: header, 5 literals, runs of 2051 and 2020 bytes, 20 literals, end."""
    expected = (
        b"\x11\x01"                      # bitstream version 1
        + bytes([5 - 3]) + bytes(5)      # first probe is at byte 5
        + _zero_run(2051)                # a run stops at 2051 bytes ...
        + _zero_run(4076 - 2056)         # ... and at in_end - 20
        + b"\x00\x02" + bytes(20)        # the last 20 bytes are literals
        + b"\x11\x00\x00"
    )
    assert lzo1x_1_compress(bytes(PAGE_SIZE), KERNEL_D_BITS, rle=True) == expected


def test_random_page_is_incompressible_with_lzo():
    """A random page comes out longer than a page (4116 bytes), so zswap would store it raw."""
    page = make_pages("random", 1, seed=1)
    assert len(get_compressor("lzo").compress(page)) == 4116
    assert len(get_compressor("lzo-rle").compress(page)) == 4118


@pytest.mark.parametrize("bad", [0, 17, -1, 13.0, True, "13"])
def test_bad_dictionary_bits_raise_usage_error(bad):
    """A dictionary size outside 1..16 bits, or not a whole number, is a UsageError."""
    with pytest.raises(UsageError, match="dictionary bits"):
        lzo1x_1_compress(b"abc", bad)


# -- the registry -----------------------------------------------------------

@pytest.mark.parametrize("name", COMPRESSOR_NAMES)
def test_lengths_equal_compressed_lengths_page_by_page(name, sample_pages):
    """Each compressor's batched lengths() equals len(compress()) for every page."""
    comp = get_compressor(name)
    lengths = comp.lengths(sample_pages)
    assert lengths.dtype == np.int64 and lengths.shape == (len(sample_pages),)
    assert lengths.tolist() == [len(comp.compress(p.tobytes())) for p in sample_pages]
    assert comp.lengths(sample_pages.tobytes()).tolist() == lengths.tolist()


def test_lzo_lengths_accept_a_writable_array(sample_pages):
    """lengths() gives the same answer for a writable copy as for a read-only view."""
    comp = get_compressor("lzo")
    assert comp.lengths(sample_pages.copy()).tolist() == comp.lengths(sample_pages).tolist()


def test_lengths_reject_data_that_is_not_pages():
    """lengths() raises UsageError for bytes that are not whole pages or arrays of another shape."""
    comp = get_compressor("lzo")
    with pytest.raises(UsageError, match="multiple of the page size"):
        comp.lengths(bytes(PAGE_SIZE + 1))
    with pytest.raises(UsageError, match="2-D uint8"):
        comp.lengths(np.zeros(PAGE_SIZE, np.uint8))


def test_unknown_compressor_name_lists_accepted_names():
    """An unknown compressor name raises UsageError whose message names every accepted one."""
    with pytest.raises(UsageError) as info:
        get_compressor("lzo1x")
    message = str(info.value)
    assert "'lzo1x'" in message
    for name in COMPRESSOR_NAMES:
        assert name in message


def test_registry_names_and_descriptions():
    """The registry holds the kernel's five compressors, each with one-line params, source and caveat."""
    assert COMPRESSOR_NAMES == ("deflate", "lz4", "lzo", "lzo-rle", "zstd")
    assert DEFAULT_COMPRESSOR == "zstd"
    for name in COMPRESSOR_NAMES:
        comp = get_compressor(name)
        assert isinstance(comp, Compressor) and comp.name == name
        for text in (comp.params, comp.source, comp.caveat):
            assert isinstance(text, str) and text and "\n" not in text
    assert [n for n in COMPRESSOR_NAMES if get_compressor(n).matches_kernel] == ["lzo", "lzo-rle"]
    assert get_compressor("lz4").caveat == (
        "python-lz4 (liblz4 1.9.x) does not match the kernel's lib/lz4 (LZ4 1.8.x) "
        "page by page; aggregate sizes only"
    )


def test_zstd_frame_has_the_kernel_frame_parameters():
    """zstd frames carry the content size, no checksum and no dictionary id, like crypto/zstd.c's."""
    frame = get_compressor("zstd").compress(make_pages("text", 1, seed=1))
    params = zstandard.get_frame_parameters(frame)
    assert params.content_size == PAGE_SIZE
    assert not params.has_checksum
    assert params.dict_id == 0


def test_importing_the_registry_does_not_load_numba_or_presentation_libraries():
    """import zswapviz.compress loads neither numba nor matplotlib, ipywidgets or pandas."""
    code = (
        "import sys, zswapviz.compress; "
        "print(sorted(m for m in ('numba', 'matplotlib', 'ipywidgets', 'pandas') if m in sys.modules))"
    )
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
