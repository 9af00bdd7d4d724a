"""Tests for zswapviz.model.zsmalloc against docs/kernel-facts.md section 10 and the recordings of data/kernel/.

The doc's 3.4 store/free histories are not replayed here: they need the
kernel-LZO lengths of its libc, text, ramp and mixed page sets and the exact
free order, which the repository does not record. The random histories
below check the same placement rules against a reference written another way.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from zswapviz.model import zsmalloc
from zswapviz.model.zsmalloc import (
    ZS_HANDLE_SIZE,
    SizeClass,
    SizeClasses,
    ZsMallocNoSpace,
    ZsPool,
)

# The doc's 2.3 listing, copied as text: size:pages/objs, merged nominal
# index ranges in brackets (a class without brackets is its own index).
DOC_CLASSES = """
    "32:1/128", "48:3/256", "64:1/64", "80:5/256", "96:3/128", "112:7/256",
    "128:1/32", "144:7/199", "160:5/128", "176:4/93", "192:3/64", "208:3/59",
    "224:7/128", "240:1/17", "256:1/16", "272:1/15", "288:5/71", "304:7/94",
    "320:5/64", "336:6/73", "352:8/93", "368:8/89", "384:3/32", "400:5/51",
    "416:6/59", "432:7/66", "448:7/64", "464:5/44", "480:2/17", "496:4/33",
    "512:1/8", "528:4/31", "544:2/15", "560:7/51", "576:1/7", "592:8/55",
    "608:7/47", "624:2/13", "640:5/32", "656:5/31", "672:1/6", "688:8/47",
    "704:5/29", "720:3/17", "736:2/11", "752:7/38", "768:3/16", "784:5/26",
    "816:1/5(i48-49)", "832:8/39", "848:5/24", "864:7/33", "880:8/37", "896:7/32",
    "912:7/31", "928:5/22", "944:3/13", "960:4/17", "976:6/25", "992:8/33",
    "1024:1/4(i61-62)", "1056:8/31(i63-64)", "1072:5/19", "1088:4/15", "1104:3/11",
    "1120:8/29", "1136:5/18", "1168:2/7(i70-71)", "1184:7/24", "1200:5/17",
    "1216:3/10", "1232:7/23", "1248:4/13", "1280:5/16(i77-78)", "1296:7/22",
    "1360:1/3(i80-83)", "1424:8/23(i84-87)", "1440:6/17", "1456:5/14",
    "1488:4/11(i90-91)", "1504:7/19", "1536:3/8(i93-94)", "1552:8/21", "1568:5/13",
    "1584:7/18", "1632:2/5(i98-100)", "1680:7/17(i101-103)", "1696:5/12",
    "1712:8/19", "1744:3/7(i106-107)", "1792:7/16(i108-110)", "1808:4/9",
    "1856:5/11(i112-114)", "1888:6/13(i115-116)", "1904:7/15", "1920:8/17",
    "2048:1/2(i119-126)", "2176:8/15(i127-134)", "2192:7/13", "2224:6/11(i136-137)",
    "2272:5/9(i138-140)", "2336:4/7(i141-144)", "2384:7/12(i145-147)",
    "2448:3/5(i148-151)", "2512:8/13(i152-155)", "2560:5/8(i156-158)",
    "2592:7/11(i159-160)", "2720:2/3(i161-168)", "2864:7/10(i169-177)",
    "2912:5/7(i178-180)", "2976:8/11(i181-184)", "3072:3/4(i185-190)",
    "3184:7/9(i191-197)", "3264:4/5(i198-202)", "3408:5/6(i203-211)",
    "3504:6/7(i212-217)", "3584:7/8(i218-222)", "3632:8/9(i223-225)",
    "4096:1/1(i226-254)"
"""


def _doc_classes() -> list[SizeClass]:
    """Parse DOC_CLASSES into SizeClass values."""
    classes = []
    for size, pages, objs, low, high in re.findall(r'"(\d+):(\d+)/(\d+)(?:\(i(\d+)-(\d+)\))?"', DOC_CLASSES):
        size, pages, objs = int(size), int(pages), int(objs)
        if not low:
            low = high = (size - 32) // 16
        low, high = int(low), int(high)
        classes.append(SizeClass(high, size, pages, objs, pages == 1 and objs == 1, range(low, high + 1)))
    return classes


def test_class_table_matches_doc() -> None:
    """The 4 KiB chain-8 table is exactly the 119 classes and merged ranges listed in the doc."""
    expected = _doc_classes()
    assert len(expected) == 119
    assert SizeClasses().classes == tuple(expected)
    assert len(SizeClasses()) == 119


def test_huge_class_size() -> None:
    """zs_huge_class_size() is 3632 - 7 = 3625 on the default table."""
    assert SizeClasses().huge_class_size == 3625


@pytest.mark.parametrize(
    ("length", "label", "huge"),
    [
        (1, "32:1/128", False),
        (24, "32:1/128", False),
        (25, "48:3/256", False),
        (44, "64:1/64", False),  # the all-zero page under lzo (doc 3.3)
        (1016, "1024:1/4", False),
        (1017, "1056:8/31", False),
        (1024, "1056:8/31", False),
        (1048, "1056:8/31", False),
        (1049, "1072:5/19", False),
        (2773, "2864:7/10", False),
        (3624, "3632:8/9", False),
        (3625, "4096:1/1", True),
        (4095, "4096:1/1", True),
        (4096, "4096:1/1", True),
    ],
)
def test_class_for_length_boundaries(length: int, label: str, huge: bool) -> None:
    """The handle's 8 bytes are added before the class lookup, so boundaries sit 8 below class sizes."""
    sc = SizeClasses().class_for_length(length)
    assert (sc.label, sc.huge) == (label, huge)


def test_huge_class_size_is_the_huge_boundary() -> None:
    """Every length from huge_class_size up lands in a huge class and every length below does not."""
    classes = SizeClasses()
    for length in range(1, 4097):
        assert classes.class_for_length(length).huge == (length >= classes.huge_class_size), length


def test_class_lookup_agrees_with_nominal_index() -> None:
    """class_for_length(n) is the class covering nominal index ceil((n + 8 - 32) / 16), capped at 254."""
    classes = SizeClasses()
    for length in range(1, 4097):
        index = min(254, max(0, -(-(length + ZS_HANDLE_SIZE - 32) // 16)))
        sc = classes.class_for_length(length)
        assert index in sc.indices and sc is classes.class_for_index(index)
        assert sc.size >= length + ZS_HANDLE_SIZE or sc.size == 4096


@pytest.mark.parametrize("chain_size", [4, 5, 8, 16])
@pytest.mark.parametrize("page_size", [4096, 16384])
def test_other_configurations_partition_the_nominal_classes(page_size: int, chain_size: int) -> None:
    """For any page and chain size, the merged ranges cover every nominal index once and no class exceeds its chain."""
    classes = SizeClasses(page_size=page_size, chain_size=chain_size)
    covered = [i for sc in classes for i in sc.indices]
    assert covered == list(range(classes.nr_nominal))
    for sc in classes:
        assert 1 <= sc.pages_per_zspage <= chain_size
        assert sc.objs_per_zspage == sc.pages_per_zspage * page_size // sc.size
    assert classes.classes[-1].size == page_size


# Lengths recorded through zswap on this project's 6.18.44 kernel (the last one is the
# recorded "same" case):
# N copies of one compressed length stored into an empty pool.
SECTION_3_2 = [
    (1016, 1240, 310),
    (1017, 1240, 320),
    (1024, 1240, 320),
    (1048, 1240, 320),
    (1049, 1240, 330),
    (3624, 900, 800),
    (3625, 900, 900),
    (4000, 900, 900),
    (4095, 300, 300),
    (4096, 300, 300),  # 4096 exactly, and overruns stored raw as 4096
    (3077, 900, 700),  # libc page @663552
    (2457, 1300, 800),  # GPL page @16393
    (2773, 4096, 2870),  # case "same", 3.3
]


@pytest.mark.parametrize(("length", "copies", "kernel_pages"), SECTION_3_2)
def test_section_3_2_kernel_page_counts(length: int, copies: int, kernel_pages: int) -> None:
    """N copies of one length in an empty pool take the page count the 6.18.44 kernel reported."""
    pool = ZsPool()
    for _ in range(copies):
        pool.zs_malloc(length)
    assert pool.pages_allocated == kernel_pages
    assert pool.total_size() == kernel_pages * 4096
    assert pool.objects_in_use() == copies


def test_same_case_pool_total_size_bytes() -> None:
    """4096 objects of 2773 bytes give debugfs pool_total_size 11755520."""
    pool = ZsPool()
    for _ in range(4096):
        pool.zs_malloc(2773)
    assert pool.total_size() == 11755520


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 4096), max_size=800))
def test_store_only_pool_pages_formula(lengths: list[int]) -> None:
    """An empty pool that only receives stores holds sum(ceil(n_c / objs_c) * pages_c) pages."""
    pool = ZsPool()
    for length in lengths:
        pool.zs_malloc(length)
    counts = Counter(pool.size_classes.class_for_length(n) for n in lengths)
    expected = sum(math.ceil(n / sc.objs_per_zspage) * sc.pages_per_zspage for sc, n in counts.items())
    assert pool.pages_allocated == expected
    pool.validate()


# -- placement ------------------------------------------------------------


def test_group_walk_and_head_insertion_pick_the_zspage() -> None:
    """zs_malloc takes the head of the fullest non-full group, and a zspage that changed group is that head."""
    pool = ZsPool()
    sc = pool.size_classes.class_for_length(1016)
    assert sc.label == "1024:1/4"  # groups: inuse 1 -> 3, 2 -> 6, 3 -> 8, 4 -> full (11)
    h = [None] + [pool.zs_malloc(1016) for _ in range(12)]  # h[1..12]
    assert [pool.handle_zspage(x) for x in h[1:]] == [1] * 4 + [2] * 4 + [3] * 4
    assert pool.fullness_lists(sc)[11] == ((3, 4), (2, 4), (1, 4))
    assert pool.pages_allocated == 3

    pool.zs_free(h[1])  # zspage 1: 3 in use, group 8
    pool.zs_free(h[5])
    pool.zs_free(h[6])  # zspage 2: 2 in use, group 6
    for x in h[9:12]:
        pool.zs_free(x)  # zspage 3: 1 in use, group 3
    groups = pool.fullness_lists(sc)
    assert (groups[3], groups[6], groups[8], groups[11]) == (((3, 1),), ((2, 2),), ((1, 3),), ())

    assert pool.handle_zspage(pool.zs_malloc(1016)) == 1  # group 8 first: zspage 1 becomes full
    assert pool.handle_zspage(pool.zs_malloc(1016)) == 2  # then group 6: zspage 2 moves to group 8
    pool.zs_free(h[2])  # zspage 1 back to group 8, at the head
    assert pool.fullness_lists(sc)[8] == ((1, 3), (2, 3))
    assert pool.handle_zspage(pool.zs_malloc(1016)) == 1  # the head wins, not the older entry
    assert pool.handle_zspage(pool.zs_malloc(1016)) == 2
    assert [pool.handle_zspage(pool.zs_malloc(1016)) for _ in range(3)] == [3, 3, 3]
    assert pool.pages_allocated == 3
    assert pool.handle_zspage(pool.zs_malloc(1016)) == 4  # every zspage full: a new one
    assert pool.pages_allocated == 4
    pool.validate()


def test_zspage_staying_in_its_group_keeps_its_place() -> None:
    """A free that leaves a zspage in the same group does not move it to the head of that list."""
    pool = ZsPool()
    sc = pool.size_classes.class_for_length(24)
    assert sc.label == "32:1/128"
    handles = [pool.zs_malloc(24) for _ in range(256)]  # zspage 1: handles[0:128], zspage 2: the rest
    for x in handles[0:20]:
        pool.zs_free(x)  # zspage 1: 108 in use, group 9
    for x in handles[128:148]:
        pool.zs_free(x)  # zspage 2: 108 in use, group 9, now the head
    pool.zs_free(handles[20])  # zspage 1: 107 in use, still group 9: stays behind zspage 2
    assert pool.fullness_lists(sc)[9] == ((2, 108), (1, 107))
    assert pool.handle_zspage(pool.zs_malloc(24)) == 2
    pool.validate()


def test_freeing_last_object_releases_the_zspage() -> None:
    """The zspage's pages leave pages_allocated when its last object is freed, and its id is never reused."""
    pool = ZsPool()
    first = [pool.zs_malloc(1017) for _ in range(31)]  # 1056:8/31: one full zspage
    assert pool.pages_allocated == 8
    extra = pool.zs_malloc(1017)
    assert pool.pages_allocated == 16 and pool.handle_zspage(extra) == 2
    pool.zs_free(extra)
    assert pool.pages_allocated == 8
    for x in first[:-1]:
        pool.zs_free(x)
    assert pool.pages_allocated == 8
    pool.zs_free(first[-1])
    assert pool.pages_allocated == 0 and pool.objects_in_use() == 0
    again = pool.zs_malloc(1017)
    assert pool.handle_zspage(again) == 3 and again == 33
    huge = [pool.zs_malloc(3625) for _ in range(3)]
    assert pool.pages_allocated == 8 + 3 and pool.handle_class(huge[1]).huge
    pool.zs_free(huge[1])
    assert pool.pages_allocated == 8 + 2
    pool.validate()


# -- errors ----------------------------------------------------------------


def test_too_large_length_is_enospc() -> None:
    """zs_malloc of 4097 bytes raises ZsMallocNoSpace and changes nothing."""
    pool = ZsPool()
    with pytest.raises(ZsMallocNoSpace) as info:
        pool.zs_malloc(4097)
    assert info.value.length == 4097 and "ENOSPC" in str(info.value)
    with pytest.raises(ZsMallocNoSpace):
        SizeClasses().class_for_length(4097)
    assert pool.pages_allocated == 0 and pool.objects_in_use() == 0


@pytest.mark.parametrize("length", [0, -1])
def test_empty_length_is_einval(length: int) -> None:
    """A length below 1 raises ValueError, not ZsMallocNoSpace."""
    with pytest.raises(ValueError, match="EINVAL"):
        ZsPool().zs_malloc(length)
    with pytest.raises(ValueError, match="EINVAL"):
        SizeClasses().class_for_length(length)


def test_double_free_and_unknown_handle() -> None:
    """Freeing a handle twice, or one never given out, raises ValueError and leaves the pool intact."""
    pool = ZsPool()
    handle = pool.zs_malloc(100)
    keep = pool.zs_malloc(100)
    pool.zs_free(handle)
    with pytest.raises(ValueError, match="double free"):
        pool.zs_free(handle)
    with pytest.raises(ValueError, match="never allocated"):
        pool.zs_free(999)
    with pytest.raises(ValueError, match="double free"):
        pool.handle_zspage(handle)
    assert pool.objects_in_use() == 1 and pool.handle_zspage(keep) == 1
    pool.validate()


# -- snapshots -------------------------------------------------------------


def test_snapshot_is_immutable_and_reused() -> None:
    """A snapshot never changes after later operations, and an unchanged pool returns the same object."""
    pool = ZsPool()
    assert pool.snapshot().classes == () and pool.snapshot().pages_allocated == 0
    handles = [pool.zs_malloc(n) for n in (100, 100, 2000, 4096)]
    snap = pool.snapshot()
    assert pool.snapshot() is snap
    assert (snap.pages_allocated, snap.objects_in_use) == (pool.pages_allocated, 4)
    assert [(u.size_class.label, u.zspages, u.objs_in_use) for u in snap.classes] == [
        ("112:7/256", 1, 2),
        ("2048:1/2", 1, 1),
        ("4096:1/1", 1, 1),
    ]
    pool.zs_free(handles[2])
    later = pool.snapshot()
    assert later is not snap and len(snap.classes) == 3 and len(later.classes) == 2
    assert later.classes[0] is snap.classes[0]  # unchanged classes are shared
    with pytest.raises(dataclasses.FrozenInstanceError):
        snap.pages_allocated = 0  # type: ignore[misc]


def test_all_is_sorted() -> None:
    """The module's __all__ is sorted and names only things it defines."""
    assert zsmalloc.__all__ == sorted(zsmalloc.__all__)
    assert all(hasattr(zsmalloc, name) for name in zsmalloc.__all__)


# -- random histories against a reference ------------------------------------


class ReferencePool:
    """zsmalloc placement recomputed from scratch on every call, with no lists.

    A zspage's place in its group list is its insertion stamp (the list head
    is the zspage most recently inserted into that group), and its group is
    computed as 10 * inuse // objs + 1, the same value as the kernel's
    (100 * inuse // objs) // 10 + 1 written another way.
    """

    def __init__(self, classes: SizeClasses) -> None:
        self.classes = classes
        self.zspages: dict[int, list] = {}  # id -> [class, inuse, stamp]
        self.handles: dict[int, int] = {}  # handle -> zspage id
        self.clock = 0
        self.next_id = 1
        self.next_handle = 1

    @staticmethod
    def group(inuse: int, objs: int) -> int:
        if inuse == objs:
            return 11
        return 10 * inuse // objs + 1

    def stamp(self) -> int:
        self.clock += 1
        return self.clock

    def malloc(self, length: int) -> tuple[int, int]:
        sc = self.classes.class_for_length(length)
        candidates = [
            (self.group(z[1], sc.objs_per_zspage), z[2], zid)
            for zid, z in self.zspages.items()
            if z[0] == sc and z[1] < sc.objs_per_zspage
        ]
        if candidates:
            zid = max(candidates)[2]
            z = self.zspages[zid]
            old = self.group(z[1], sc.objs_per_zspage)
            z[1] += 1
            if self.group(z[1], sc.objs_per_zspage) != old:
                z[2] = self.stamp()
        else:
            zid = self.next_id
            self.next_id += 1
            self.zspages[zid] = [sc, 1, self.stamp()]
        handle = self.next_handle
        self.next_handle += 1
        self.handles[handle] = zid
        return handle, zid

    def free(self, handle: int) -> None:
        zid = self.handles.pop(handle)
        z = self.zspages[zid]
        old = self.group(z[1], z[0].objs_per_zspage)
        z[1] -= 1
        if z[1] == 0:
            del self.zspages[zid]
        elif self.group(z[1], z[0].objs_per_zspage) != old:
            z[2] = self.stamp()

    def pages(self) -> int:
        return sum(z[0].pages_per_zspage for z in self.zspages.values())

    def fullness_lists(self, sc: SizeClass) -> tuple[tuple[tuple[int, int], ...], ...]:
        """Each group's (zspage id, inuse) pairs, most recently inserted first."""
        lists: list[list[tuple[int, int, int]]] = [[] for _ in range(12)]
        for zid, (zsc, inuse, stamp) in self.zspages.items():
            if zsc == sc:
                lists[self.group(inuse, sc.objs_per_zspage)].append((stamp, zid, inuse))
        return tuple(tuple((zid, inuse) for _, zid, inuse in sorted(g, reverse=True)) for g in lists)


# Lengths that land in classes with few or many objects per zspage, so
# random histories fill, drain and revisit zspages of one class often; plus
# any length at all.
_LENGTHS = st.one_of(
    st.sampled_from([24, 1016, 1017, 2040, 2773, 3624, 4096]),
    st.integers(1, 4096),
)


class ZsPoolMachine(RuleBasedStateMachine):
    """Random malloc/free histories: ZsPool agrees with ReferencePool and keeps its invariants."""

    def __init__(self) -> None:
        super().__init__()
        self.pool = ZsPool()
        self.ref = ReferencePool(self.pool.size_classes)
        self.given: set[int] = set()
        self.live: list[int] = []
        self.freed: list[int] = []

    def _malloc(self, length: int) -> None:
        handle = self.pool.zs_malloc(length)
        ref_handle, ref_zspage = self.ref.malloc(length)
        assert handle == ref_handle and handle not in self.given
        assert self.pool.handle_zspage(handle) == ref_zspage
        self.given.add(handle)
        self.live.append(handle)
        assert self.pool.pages_allocated == self.ref.pages()

    def _free(self, index: int) -> None:
        handle = self.live.pop(index)
        self.pool.zs_free(handle)
        self.ref.free(handle)
        self.freed.append(handle)
        assert self.pool.pages_allocated == self.ref.pages()

    @rule(length=_LENGTHS)
    def malloc(self, length: int) -> None:
        self._malloc(length)

    @rule(length=_LENGTHS, count=st.integers(2, 40))
    def malloc_many(self, length: int, count: int) -> None:
        for _ in range(count):
            self._malloc(length)

    @rule(data=st.data())
    def free(self, data) -> None:
        if self.live:
            self._free(data.draw(st.integers(0, len(self.live) - 1)))

    @rule(rnd=st.randoms(use_true_random=False), count=st.integers(2, 30))
    def free_many(self, rnd, count: int) -> None:
        for _ in range(min(count, len(self.live))):
            self._free(rnd.randrange(len(self.live)))

    @rule(data=st.data())
    def double_free(self, data) -> None:
        if not self.freed:
            return
        handle = data.draw(st.sampled_from(self.freed))
        before = self.pool.snapshot()
        with pytest.raises(ValueError):
            self.pool.zs_free(handle)
        assert self.pool.snapshot() is before

    @invariant()
    def state_is_consistent(self) -> None:
        pool = self.pool
        pool.validate()
        stats = pool.class_stats()
        assert pool.pages_allocated == sum(u.zspages * u.size_class.pages_per_zspage for u in stats)
        per_zspage = Counter(pool.handle_zspage(h) for h in self.live)
        per_class = Counter(pool.handle_class(h) for h in self.live)
        zspages_per_class = Counter(pool.handle_class(h) for h in {pool.handle_zspage(h): h for h in self.live}.values())
        for u in stats:
            assert u.objs_in_use == per_class.get(u.size_class, 0)
            assert u.zspages == zspages_per_class.get(u.size_class, 0)
        for h in self.live:
            assert 1 <= per_zspage[pool.handle_zspage(h)] <= pool.handle_class(h).objs_per_zspage
        for u in stats:
            if u.zspages:
                assert pool.fullness_lists(u.size_class) == self.ref.fullness_lists(u.size_class)
        snap = pool.snapshot()
        assert snap.pages_allocated == pool.pages_allocated
        assert snap.objects_in_use == pool.objects_in_use() == len(self.live)
        assert snap.classes == tuple(u for u in stats if u.zspages)


ZsPoolMachine.TestCase.settings = settings(max_examples=200, stateful_step_count=50, deadline=None)
TestZsPoolMachine = ZsPoolMachine.TestCase


@given(st.lists(st.tuples(st.integers(1, 4096), st.booleans()), min_size=1, max_size=400), st.randoms())
@settings(max_examples=150, deadline=None)
def test_compaction_keeps_every_object_and_never_grows(ops, rnd):
    """zs_compact keeps every live handle, frees whole zspages only, leaves < 1 zspage of waste per class."""
    pool = ZsPool()
    live = []
    for length, free in ops:
        live.append(pool.zs_malloc(length))
        if free and len(live) > 1:
            pool.zs_free(live.pop(rnd.randrange(len(live))))
    before = pool.pages_allocated
    used = pool.objects_in_use()
    freed = pool.zs_compact()
    pool.validate()
    assert pool.pages_allocated == before - freed and freed >= 0
    assert pool.objects_in_use() == used
    for usage in pool.class_stats():
        objs = usage.size_class.objs_per_zspage
        assert (usage.zspages * objs - usage.objs_in_use) // objs == 0
    assert pool.zs_compact() == 0
    for handle in live:
        pool.handle_class(handle)
        pool.zs_free(handle)
    assert pool.pages_allocated == 0
