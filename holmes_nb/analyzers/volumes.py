"""PersistentVolumes that Failed or are Released while a claim still needs them; StorageClasses with no
provisioner, or more than one marked default.
"""

from __future__ import annotations

from holmes_nb.analyzers.finding import Finding
from holmes_nb.analyzers.index import ClusterIndex, Obj
from holmes_nb.analyzers.safe import run_each
from holmes_nb.analyzers.storage import is_default_class
from holmes_nb.analyzers.util import clip, names_list
from holmes_nb.k8s import name_of


def analyze_volumes(idx: ClusterIndex) -> list[Finding]:
    out: list[Finding] = []
    run_each(idx.items("persistentvolumes"), lambda pv: _pv(pv, idx), "persistentvolumes", out)
    classes = idx.items("storageclasses")
    run_each(classes, _no_provisioner, "storageclasses", out)
    defaults = sorted(name_of(sc) for sc in classes if is_default_class(sc))
    if len(defaults) > 1:
        out.append(
            Finding(
                "StorageClass",
                "",
                defaults[0],
                "warning",
                "MultipleDefaultStorageClasses",
                f"{len(defaults)} StorageClasses are marked default ({', '.join(defaults)}); a claim without "
                "storageClassName gets the newest one, which may not be what was meant. Keep one "
                "storageclass.kubernetes.io/is-default-class=true annotation.",
                [f"default: {d}" for d in defaults],
            )
        )
    return out


def _pv(pv: Obj, idx: ClusterIndex) -> Finding | None:
    name = name_of(pv)
    status = pv.get("status") or {}
    phase = status.get("phase") or ""
    ref = (pv.get("spec") or {}).get("claimRef") or {}
    claim = f"{ref.get('namespace')}/{ref.get('name')}" if ref.get("name") else ""
    if phase == "Failed":
        return Finding(
            "PersistentVolume",
            "",
            name,
            "warning",
            "VolumeFailed",
            f"PersistentVolume {name} is Failed: its automatic reclamation failed ({clip(status.get('message') or 'no message', 140)}); "
            "clean up the backing disk by hand and delete or recreate the PV.",
            [f"phase: Failed, reclaimPolicy {(pv.get('spec') or {}).get('persistentVolumeReclaimPolicy', '?')}"]
            + ([f"last claim: {claim}"] if claim else []),
        )
    if phase != "Released" or not ref.get("name"):
        return None
    ns, cname = ref.get("namespace") or "", ref["name"]
    users = idx.claim_users(ns, cname)
    pvc = idx.get("persistentvolumeclaims", ns, cname)
    waiting = pvc is not None and ((pvc.get("status") or {}).get("phase") or "Pending") == "Pending"
    if not users and not waiting:
        return None  # released and unused: kept by the Retain policy, nothing waits for it
    who = f"pods {names_list(users, 3)} still mount claim {claim}" if users else f"claim {claim} is Pending again"
    return Finding(
        "PersistentVolume",
        "",
        name,
        "critical" if users else "warning",
        "ReleasedVolumeNeeded",
        f"PersistentVolume {name} is Released (its claim was deleted) but {who}; a Released volume never binds "
        "again by itself: to reuse its data, remove spec.claimRef from the PV (or its uid) so the new claim binds.",
        [f"phase: Released, claimRef {claim} (uid {ref.get('uid', '?')})"]
        + ([f"used by pods: {names_list(users, 3)}"] if users else []),
    )


def _no_provisioner(sc: Obj) -> Finding | None:
    if str(sc.get("provisioner") or "").strip():
        return None
    name = name_of(sc)
    return Finding(
        "StorageClass",
        "",
        name,
        "critical",
        "NoProvisioner",
        f"StorageClass {name} names no provisioner, so no claim of this class is ever provisioned; set "
        "provisioner to the CSI driver's name (or kubernetes.io/no-provisioner for pre-created local volumes).",
        ["provisioner: (empty)"],
    )
