"""The recent change behind a failing Deployment: a new ReplicaSet revision whose pods fail while the
previous revision's pods ran. Names what changed in the pod template (image, env vars, args).

    recent_change(idx, deployment, failing_keys)
    # ("revision 3 -> 4 changed: image web nginx:1.27 -> nginx:1.28; added env FEATURE_X", [...evidence])
"""

from __future__ import annotations

from holmes_nb.analyzers.finding import object_key
from holmes_nb.analyzers.index import ClusterIndex, Obj
from holmes_nb.analyzers.safe import as_int
from holmes_nb.analyzers.util import clip, names_list
from holmes_nb.k8s import age, name_of, ns_name

REVISION = "deployment.kubernetes.io/revision"


def recent_change(idx: ClusterIndex, dep: Obj, failing: set[str]) -> tuple[str, list[str]] | None:
    """(sentence, evidence) when the newest revision's pods fail and the previous revision's did not."""
    ns, name = ns_name(dep)
    revs = sorted(
        (
            (as_int(((rs.get("metadata") or {}).get("annotations") or {}).get(REVISION), None), rs)
            for rs in idx.replicasets_of(ns, name)
        ),
        key=lambda r: -1 if r[0] is None else r[0],
    )
    revs = [(n, rs) for n, rs in revs if n is not None]
    if len(revs) < 2:
        return None
    (old_n, old), (new_n, new) = revs[-2], revs[-1]
    new_pods = [object_key("Pod", *ns_name(p)) for p in idx.pods_of("ReplicaSet", ns, name_of(new))]
    old_pods = [object_key("Pod", *ns_name(p)) for p in idx.pods_of("ReplicaSet", ns, name_of(old))]
    if not any(k in failing for k in new_pods) or any(k in failing for k in old_pods):
        return None
    changes = template_changes(_template(old), _template(new)) or [
        "no change to images, env or args (check volumes, resources and probes)"
    ]
    created = (new.get("metadata") or {}).get("creationTimestamp")
    when = f", {age(created, idx.now)} ago" if created and age(created, idx.now) else ""
    text = (
        f"the failures began with revision {new_n} (ReplicaSet {name_of(new)}{when}) while revision {old_n}'s pods "
        f"ran; it changed {'; '.join(changes[:4])}: roll back (kubectl rollout undo) or fix that change"
    )
    evidence = [clip(f"recent change: revision {old_n} -> {new_n}: {c}", 200) for c in changes[:4]]
    return text, evidence


def _template(rs: Obj) -> Obj:
    return ((rs.get("spec") or {}).get("template") or {}).get("spec") or {}


def template_changes(old: Obj, new: Obj) -> list[str]:
    """What differs between two pod specs, per container: image, env var names, command/args."""
    out = []
    olds = {c.get("name"): c for c in (old.get("initContainers") or []) + (old.get("containers") or [])}
    news = {c.get("name"): c for c in (new.get("initContainers") or []) + (new.get("containers") or [])}
    for cname, c in news.items():
        o = olds.get(cname)
        if o is None:
            out.append(f"added container {cname} ({c.get('image')})")
            continue
        if o.get("image") != c.get("image"):
            out.append(f"image of {cname} {o.get('image')} -> {c.get('image')}")
        old_env = [e.get("name") for e in o.get("env") or ()]
        new_env = [e.get("name") for e in c.get("env") or ()]
        added = [e for e in new_env if e not in old_env]
        removed = [e for e in old_env if e not in new_env]
        if added:
            out.append(f"added env {names_list([str(a) for a in added], 4)} to {cname}")
        if removed:
            out.append(f"removed env {names_list([str(r) for r in removed], 4)} from {cname}")
        for field in ("command", "args"):
            if (o.get(field) or []) != (c.get(field) or []):
                out.append(f"{field} of {cname} {_argv(o.get(field))} -> {_argv(c.get(field))}")
    out += [f"removed container {n}" for n in olds if n not in news]
    return out


def _argv(value) -> str:
    return clip(" ".join(str(a) for a in value), 80) if value else "(unset)"
