"""The one page loader (``zswapviz/pages.py``): regular files only, read in chunks, never whole unless asked.

Every reader of page files (simulate, lab run/compare, scenario files, the
explorer, the shipped real-files pages) goes through it, so each refusal
here holds for all of them.
"""

import json
import lzma
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from zswapviz.cli import main  # noqa: E402
from zswapviz.errors import UsageError  # noqa: E402
from zswapviz.pages import PAGE_SIZE, iter_page_file, load_pages, make_pages, page_file_pages  # noqa: E402


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_devices_are_refused_with_the_reason(device):
    with pytest.raises(UsageError, match="a device, not a regular file"):
        load_pages(device)


def test_a_fifo_is_refused_at_once(tmp_path):
    """A FIFO without a writer would block an ordinary open forever; it is refused instead."""
    fifo = tmp_path / "pages"
    os.mkfifo(fifo)
    with pytest.raises(UsageError, match="FIFO"):
        page_file_pages(fifo)
    with pytest.raises(UsageError, match="FIFO"):
        list(iter_page_file(fifo))


def test_a_huge_sparse_file_is_counted_without_reading(tmp_path):
    """100 GiB of holes: its size says how many pages, and reading it is chunk by chunk."""
    path = tmp_path / "sparse.pages"
    with open(path, "wb") as f:
        f.truncate(100 << 30)
    assert page_file_pages(path) == (100 << 30) // PAGE_SIZE
    chunks = iter_page_file(path, chunk_pages=16)
    first = next(chunks)
    assert len(first) == 16 * PAGE_SIZE and not any(first)
    chunks.close()


def test_chunks_are_whole_pages_and_join_to_the_file(tmp_path):
    data = make_pages("mixed", 37)
    path = tmp_path / "p.pages"
    path.write_bytes(data)
    chunks = list(iter_page_file(path, chunk_pages=8))
    assert [len(c) // PAGE_SIZE for c in chunks] == [8, 8, 8, 8, 5]
    assert b"".join(chunks) == data == load_pages(path)
    assert load_pages(path, first=10) == data[:10 * PAGE_SIZE]
    with pytest.raises(UsageError, match="more than 20 pages"):
        load_pages(path, max_pages=20)


@pytest.mark.parametrize("content,words", [(b"", "empty"), (b"x" * 5000, "not a multiple")])
def test_bad_lengths_are_refused(tmp_path, content, words):
    path = tmp_path / "p.pages"
    path.write_bytes(content)
    with pytest.raises(UsageError, match=words):
        load_pages(path)


def test_xz_page_files_stream_and_damage_is_one_sentence(tmp_path):
    data = make_pages("text", 20)
    good = tmp_path / "t.pages.xz"
    good.write_bytes(lzma.compress(data))
    assert load_pages(good) == data and page_file_pages(good) == 20
    bad = tmp_path / "b.pages.xz"
    bad.write_bytes(lzma.compress(data)[:-40])
    with pytest.raises(UsageError, match="damaged"):
        load_pages(bad)
    odd = tmp_path / "o.pages.xz"
    odd.write_bytes(lzma.compress(data + b"x"))
    with pytest.raises(UsageError, match="whole 4096-byte pages"):
        load_pages(odd)


def test_simulate_streams_and_matches_the_in_memory_run(tmp_path, capsys):
    """``simulate`` reads the file in chunks; its totals equal those of the whole bytes."""
    from zswapviz.simulate import simulate

    data = make_pages("ramp", 3 * 2048 + 512)
    path = tmp_path / "ramp.pages"
    path.write_bytes(data)
    assert main(["simulate", "--pages", str(path), "--folio-size", "2M", "--json",
                 "--total-ram-pages", "6171023", "--compressor", "lzo"]) == 0
    streamed = json.loads(capsys.readouterr().out)
    whole = simulate(data, 512, compressor="lzo", total_ram_pages=6171023)
    assert streamed == json.loads(json.dumps(whole))


@pytest.mark.parametrize("reader", ["simulate", "lab", "scenario", "explorer", "realfiles"])
def test_every_reader_refuses_a_fifo_the_same_way(tmp_path, capsys, reader):
    """The five places that read page files all answer a FIFO with the loader's sentence."""
    fifo = tmp_path / ("realfiles.pages.xz" if reader == "realfiles" else "pages")
    os.mkfifo(fifo)
    if reader == "simulate":
        assert main(["simulate", "--pages", str(fifo), "--folio-size", "4K"]) == 2
        assert "FIFO" in capsys.readouterr().err
    elif reader == "lab":
        assert main(["lab", "run", "--pages", str(fifo), "--folio-size", "4K"]) == 2
        assert "FIFO" in capsys.readouterr().err
    elif reader == "scenario":
        from zswapviz import Scenario

        with pytest.raises(UsageError, match="FIFO"):
            Scenario(pages={"file": str(fifo)}, folio_pages=1)
    elif reader == "explorer":
        from zswapviz.views.form import read_page_file as _read_page_file

        with pytest.raises(UsageError, match="FIFO"):
            _read_page_file(fifo)
    else:
        from zswapviz.kernel.realfiles import load_page_file

        with pytest.raises(UsageError, match="FIFO"):
            load_page_file("realfiles", tmp_path)
