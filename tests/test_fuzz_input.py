"""Malformed documents and command lines, generated: the one-line error contract holds for all of them.

Hypothesis builds scenario and lesson documents from valid ones with one
field replaced by a value of the wrong type, a huge number, a deep nesting,
a long list or unicode text, and command lines from valid ones with one
argument replaced. Each must either work or be refused with one
:class:`~zswapviz.errors.UsageError` sentence (exit 2 and one
``zswapviz: error:`` line on the command line) -- never another exception.
"""

import json
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from zswapviz import Scenario  # noqa: E402
from zswapviz.cli import main  # noqa: E402
from zswapviz.errors import UsageError  # noqa: E402
from zswapviz.lessons import Lesson  # noqa: E402

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))

SCENARIO = {"title": "t", "folio_size": "16K", "pages": {"kind": "text", "pages": 8, "seed": 1},
            "kernel": "6.13", "refs": "per-page", "compressor": "zstd", "faults": {"2": "alloc_fail"},
            "stale": [1], "enabled": True, "max_pool_percent": 20, "accept_threshold_percent": 90,
            "total_ram_pages": 6171023, "root_cgroup": False, "zswap_max_pages": None,
            "zswap_writeback": True, "interleave": [], "notes": ""}
LESSON = {"title": "t", "summary": "s", "scenario": "demo", "variants": {"b": {"kernel": "6.14"}},
          "stops": [{"at": "failure", "note": "n", "question": "q", "answer": "a"},
                    {"at": 0, "note": "m", "variant": "b", "expect": {"stored_pages": 0}}]}

# Values of every kind JSON can hold, and a few it should not reach us with.
leaf = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=10 ** 30, max_value=10 ** 40),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20),
    st.text(alphabet="\u00e9\u4e2d\U0001F600\u202e\x00", max_size=8),
)
value = st.recursive(leaf, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                    st.dictionaries(st.text(max_size=5), inner, max_size=4)),
                     max_leaves=12)
_DEEP: list = []
for _ in range(200):
    _DEEP = [_DEEP]
special = st.sampled_from([
    _DEEP, list(range(70_000)), {str(i): "alloc_fail" for i in range(70_000)},
    "x" * 200_000, 10 ** 4000, -1, 2 ** 63, float("nan"), "", " ", [None], {"": None},
])


def mutate(doc: dict, path: list, new):
    """A deep copy of *doc* with the value at *path* replaced by *new*."""
    doc = json.loads(json.dumps(doc))
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = new
    return doc


def paths(doc, prefix=()):
    """Every path to a value in *doc* (dict keys and list indices)."""
    items = doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else ()
    for key, sub in items:
        yield [*prefix, key]
        yield from paths(sub, [*prefix, key])


SCENARIO_PATHS = list(paths(SCENARIO))
LESSON_PATHS = list(paths(LESSON))


def refused_or_built(build, doc):
    try:
        build(doc)
    except UsageError as e:
        assert "\n" not in str(e) and str(e).strip(), repr(str(e))
        assert len(str(e)) < 2000, "an error sentence must stay short"


@SETTINGS
@given(path=st.sampled_from(SCENARIO_PATHS), new=st.one_of(value, special))
def test_malformed_scenario_documents(path, new):
    refused_or_built(lambda d: Scenario.from_dict(d, where="fuzz"), mutate(SCENARIO, path, new))


@SETTINGS
@given(extra=st.dictionaries(st.text(max_size=8), value, min_size=1, max_size=3))
def test_unknown_and_odd_scenario_fields(extra):
    refused_or_built(lambda d: Scenario.from_dict(d, where="fuzz"), {**SCENARIO, **extra})


@SETTINGS
@given(path=st.sampled_from(SCENARIO_PATHS[:len(SCENARIO)]), new=st.one_of(value, special))
def test_the_python_api_takes_the_same_checks(path, new):
    """Scenario(field=bad) is refused like the file field (the fields of the document are the API's)."""
    data = mutate(SCENARIO, path, new)
    folio = data.pop("folio_size")
    kwargs = dict(data, folio_pages={"16K": 4}.get(folio, folio) if isinstance(folio, str) else folio)
    refused_or_built(lambda d: Scenario(**d), kwargs)


@SETTINGS
@given(path=st.sampled_from(LESSON_PATHS), new=st.one_of(value, special))
def test_malformed_lesson_documents(path, new):
    refused_or_built(lambda d: Lesson.from_dict(d, where="fuzz"), mutate(LESSON, path, new))


SIMULATE = ["simulate", "--pages", "{pages}", "--folio-size", "16K", "--kernel", "6.13", "--compressor", "zstd",
            "--fail", "2:alloc_fail", "--max-pool-percent", "20", "--json"]
argument = st.one_of(st.text(max_size=30), st.sampled_from(["", "-1", "0", "1" * 5000, "2:alloc_fail:x",
                                                            "\u00e9", "--json", "-", "/dev/zero", "/proc/x",
                                                            "99999999999999999999:alloc_fail", "nan"]))


@SETTINGS
@given(position=st.integers(0, len(SIMULATE) - 1), new=argument)
def test_malformed_command_lines(tmp_path_factory, position, new):
    pages = tmp_path_factory.getbasetemp() / "fuzz.pages"
    if not pages.exists():
        pages.write_bytes(bytes(range(256)) * 16 * 8)
    argv = [a.format(pages=pages) for a in SIMULATE]
    argv[position] = new
    _check_cli(argv)


@SETTINGS
@given(argv=st.lists(argument, max_size=5), command=st.sampled_from(["report", "search", "lab", "demo", "notebooks",
                                                                     "scenarios", "lessons", "simulate"]))
def test_random_arguments_to_each_command(tmp_path_factory, argv, command):
    if command == "search":
        argv = [*argv, "--max-examples", "1"]
    if command in ("notebooks", "report"):  # never write anywhere but a temporary folder
        argv = [a for a in argv if not a.startswith("-")]
        if command == "notebooks":
            argv = [str(tmp_path_factory.mktemp("nbs") / "out")]
        else:
            argv = [*argv, "--out", str(tmp_path_factory.mktemp("rep") / "r.html")][:6]
    if command == "lab":
        argv = ["status", *argv]  # status only looks
    _check_cli([command, *argv])


def _check_cli(argv):
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(argv)
        except SystemExit as e:  # --help and argparse's own exits
            status = e.code
    if status == 2:
        lines = err.getvalue().splitlines()
        assert len(lines) == 1 and lines[0].startswith("zswapviz: error: "), (argv, err.getvalue())
    else:
        assert status in (0, 1, None), (argv, status, err.getvalue()[-500:])
        assert "Traceback" not in err.getvalue()


@pytest.mark.parametrize("bad", ["[" * 50_000 + "]" * 50_000, '{"a": ' * 50_000 + "1" + "}" * 50_000])
def test_deep_documents_as_files(tmp_path, bad, capsys):
    path = tmp_path / "deep.json"
    path.write_text(bad)
    assert main(["report", str(path), "--out", str(tmp_path / "r.html")]) == 2
    assert main(["report", "--lesson", str(path), "--out", str(tmp_path / "r.html")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and all(line.startswith("zswapviz: error: ") for line in err)
