"""One release's listing: the raw functions kept whose conditions hold for its flags and reference strategy."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from ..constants import DEFAULT_KERNEL, DEFAULT_REFS
from ..profiles import check_refs, get_profile
from .parse import _raw

__all__ = ["Function", "Line", "Listing", "get_listing", "listing_json"]

#: The kernel tree each profile's links point into, and the posting of the
#: unmerged ones (for the functions it changes).
_TAGS = {"6.12": "v6.12", "v9": "v6.12", "6.13": "v6.13", "6.14": "v6.14", "6.18": "v6.18", "batch8": "v6.18"}
_PATCHES = {
    "v9": "https://lore.kernel.org/all/20240930221221.6981-7-kanchana.p.sridhar@intel.com/",
    "batch8": "https://lore.kernel.org/all/20260125033537.334628-26-kanchana.p.sridhar@intel.com/",
}
_ELIXIR = "https://elixir.bootlin.com/linux/{tag}/C/ident/{name}"


@dataclass(frozen=True)
class Line:
    """One line of a resolved listing."""

    #: The pseudo-code.
    text: str
    #: "code" (a step line reached by the built-in scenarios), "context" or "label".
    kind: str
    #: The one-line why note, and its source (commit or lore message), or None.
    why: str | None
    source: str | None
    #: Which steps are here (empty for context lines without steps).
    patterns: tuple = ()
    #: A step here starts a new call.
    enter: bool = False
    #: Where the line is in the data (file:line), for tests and error messages.
    where: str = ""


@dataclass(frozen=True)
class Function:
    """One function of a resolved listing, with its file and link."""

    name: str
    file: str
    url: str
    lines: tuple
    #: Operation families whose steps may be here.
    ops: frozenset = field(default_factory=frozenset)


@dataclass(frozen=True)
class Listing:
    """The listing of one release (and reference strategy)."""

    kernel: str
    refs: str
    functions: tuple

    def function(self, name: str) -> Function:
        """The function called *name* (KeyError if this release has none)."""
        for f in self.functions:
            if f.name == name:
                return f
        raise KeyError(name)


_FLAG_NAMES = ("charge_in_store_page", "store_incompressible", "large_folios", "single_page",
               "refs_before_compress", "unmerged", "decompress_before_erase")


def _holds(conds: tuple, profile, refs: str, where: str) -> bool:
    for atom in conds:
        if "=" in atom:
            name, values = atom.split("=", 1)
            value = {"kernel": profile.name, "refs": refs, "allocator": profile.allocator,
                     "writeout_fn": profile.writeout_fn}.get(name)
            if value is None:
                raise ValueError(f"{where}: unknown condition {name!r}")
            if value not in values.split("|"):
                return False
            continue
        neg = atom.startswith("!")
        name = atom[1:] if neg else atom
        if name == "batch":
            value = profile.batch_size > 1
        elif name in _FLAG_NAMES:
            value = bool(getattr(profile, name))
        else:
            raise ValueError(f"{where}: unknown flag {name!r}")
        if value == neg:
            return False
    return True


def get_listing(kernel: str = DEFAULT_KERNEL, refs: str = DEFAULT_REFS) -> Listing:
    """The listing of release *kernel* with reference strategy *refs*.

    >>> get_listing("6.14").function("zswap_store_page").file
    'mm/zswap.c'
    """
    profile = get_profile(kernel)
    check_refs(refs, profile)
    return _listing(profile.name, refs)


@lru_cache(maxsize=64)
def _listing(kernel: str, refs: str) -> Listing:
    profile = get_profile(kernel)
    functions, notes = _raw()
    out = []
    for f in functions:
        if not _holds(f.conds, profile, refs, f.where):
            continue
        lines = []
        for raw in f.lines:
            if not _holds(raw.conds, profile, refs, raw.where):
                continue
            kind = "label" if raw.label else "code" if raw.patterns and not raw.ctx else "context"
            why, source = notes[raw.why] if raw.why else (None, None)
            lines.append(Line(raw.text, kind, why, source, raw.patterns, raw.enter, raw.where))
        if f.patch and kernel in _PATCHES:
            url = _PATCHES[kernel]
        else:
            url = _ELIXIR.format(tag=_TAGS[kernel], name=f.name)
        out.append(Function(f.name, f.file, url, tuple(lines), f.ops))
    return Listing(kernel, refs, tuple(out))


def listing_json(kernel: str = DEFAULT_KERNEL, refs: str = DEFAULT_REFS) -> dict:
    """What a renderer needs of a listing: functions with file, link and lines (text, kind, why)."""
    listing = get_listing(kernel, refs)
    profile = get_profile(listing.kernel)
    return {
        "kernel": listing.kernel,
        "refs": listing.refs,
        "title": profile.title,
        "unmerged": profile.unmerged,
        "functions": [
            {"name": f.name, "file": f.file, "url": f.url,
             "lines": [{"text": ln.text, "kind": ln.kind, "why": ln.why, "source": ln.source}
                       for ln in f.lines]}
            for f in listing.functions
        ],
    }
