"""Find one object by name, with or without a namespace, and explain misses the way a person would.

A model (or a person) often knows a name but not its namespace, or types a Deployment's name where
a pod name is needed. :func:`locate` searches every namespace when none is given, resolves a unique
``name-…`` prefix for pods when asked to, and raises errors that say what to try next.

    pod = locate(cluster, "pod", "checkout")          # -> the one pod named checkout-7d9f-x
    check_namespace(cluster, "shopp")                 # NotFoundError: ... did you mean 'shop'
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from holmes_nb.errors import ClusterError, ConfigError, NotFoundError
from holmes_nb.k8s import name_of, ns_of
from holmes_nb.sources.base import Cluster, Obj
from holmes_nb.sources.kinds import Kind, resolve_kind


def check_namespace(cluster: Cluster, namespace: str | None) -> None:
    """Raise NotFoundError (with close names) if ``namespace`` is known not to exist.

    Sources that hold no Namespace objects (some dumps) or forbid listing them are trusted."""
    if not namespace:
        return
    try:
        known = cluster.namespaces()
    except ClusterError:
        return
    if not known or namespace in known:
        return
    close = difflib.get_close_matches(namespace, known, n=3, cutoff=0.5)
    msg = f"namespace {namespace!r} not found"
    if close:
        msg += "; did you mean " + ", ".join(repr(c) for c in close)
    raise NotFoundError(msg, hint="namespaces: " + ", ".join(known[:20]), suggestions=close)


def _list_all(cluster: Cluster, kind: Kind) -> list[Obj] | None:
    try:
        return cluster.list(kind)
    except ClusterError:
        return None


def _where(obj: Obj) -> str:
    return f"{name_of(obj)!r} in {ns_of(obj)!r}" if ns_of(obj) else repr(name_of(obj))


def _prefixed(items: Iterable[Obj], name: str, namespace: str | None) -> list[Obj]:
    return [o for o in items if name_of(o).startswith(name + "-") and (not namespace or ns_of(o) == namespace)]


def close_names(name: str, names: Iterable[str], n: int = 3, cutoff: float = 0.6) -> list[str]:
    """Names similar to ``name``, also comparing against their beginnings, so ``chekout`` finds the
    generated pod name ``checkout-7d9f8c6b5-x2x4q``."""
    scored = []
    for cand in set(names):
        ratio = max(
            difflib.SequenceMatcher(None, name, cand).ratio(),
            difflib.SequenceMatcher(None, name, cand[: len(name) + 1]).ratio() - 0.05,
        )
        if ratio >= cutoff:
            scored.append((-ratio, cand))
    return [c for _, c in sorted(scored)[:n]]


def _not_found(kind: Kind, name: str, namespace: str | None, items: list[Obj] | None) -> NotFoundError:
    """A NotFoundError naming close matches (in this namespace first) and other namespaces."""
    where = f" in namespace {namespace!r}" if namespace and kind.namespaced else ""
    msg = f"{kind.singular} {name!r} not found{where}"
    if items is None:
        return NotFoundError(msg)
    local = [o for o in items if not namespace or ns_of(o) == namespace]
    names = [name_of(o) for o in local if name_of(o) != name]  # listed, yet gone when read: not a suggestion
    close = [n for n in names if n.startswith(name + "-")][:3]
    close += [n for n in close_names(name, names) if n not in close]
    close = close[:3]
    parts = [msg]
    if close:
        by_name = {name_of(o): o for o in local}
        shown = [_where(by_name[c]) if not namespace else repr(c) for c in close]
        parts.append("did you mean " + ", ".join(shown))
    elsewhere = sorted({ns_of(o) for o in items if name_of(o) == name and ns_of(o) != namespace})
    if elsewhere:
        parts.append("it exists in namespace " + ", ".join(repr(n) for n in elsewhere))
    return NotFoundError("; ".join(parts), suggestions=close)


def locate(cluster: Cluster, kind: str | Kind, name: str, namespace: str | None = None, *, prefix: bool = False) -> Obj:
    """The object of ``kind`` named ``name``; without ``namespace``, whichever namespace has it.

    With ``prefix=True`` a unique object whose name starts with ``name-`` is accepted (a pod
    named after its Deployment). Raises NotFoundError with suggestions, or ConfigError when the
    name exists in several namespaces and none was given."""
    k = kind if isinstance(kind, Kind) else resolve_kind(kind)
    name = (name or "").strip()
    if not name:
        raise ConfigError(f"a {k.singular} name is required")
    if not k.namespaced or namespace:
        try:
            return cluster.get(k, name, namespace if k.namespaced else None)
        except NotFoundError as err:
            check_namespace(cluster, namespace if k.namespaced else None)
            items = _list_all(cluster, k)
            if prefix and items is not None:
                hits = _prefixed(items, name, namespace if k.namespaced else None)
                if len(hits) == 1:
                    return hits[0]
                _ambiguous(k, name, hits)
            raise _not_found(k, name, namespace, items) from err
    items = cluster.list(k)
    exact = [o for o in items if name_of(o) == name]
    if len(exact) == 1:
        return exact[0]
    if len(exact) > 1:
        spaces = ", ".join(sorted(repr(ns_of(o)) for o in exact))
        raise ConfigError(f"{k.singular} {name!r} exists in several namespaces: {spaces}; pass namespace")
    if prefix:
        hits = _prefixed(items, name, None)
        if len(hits) == 1:
            return hits[0]
        _ambiguous(k, name, hits)
    raise _not_found(k, name, None, items)


def _ambiguous(k: Kind, name: str, hits: list[Obj]) -> None:
    """Several objects start with ``name-`` (two replicas of a Deployment): say so, naming them."""
    if len(hits) > 1:
        names = ", ".join(f"{ns_of(o)}/{name_of(o)}" if ns_of(o) else name_of(o) for o in hits[:5])
        more = f" and {len(hits) - 5} more" if len(hits) > 5 else ""
        raise ConfigError(f"{len(hits)} {k.name} start with {name!r}: {names}{more}; pass the full name")
