"""PersistentVolumeClaims that stay Pending (missing StorageClass, failed provisioning) or are Lost."""

from __future__ import annotations

from holmes_nb.analyzers.finding import Finding
from holmes_nb.analyzers.index import ClusterIndex, Obj, event_text
from holmes_nb.analyzers.safe import run_each
from holmes_nb.analyzers.scheduling import claim_event_cause
from holmes_nb.analyzers.util import names_list
from holmes_nb.k8s import age, name_of, ns_name, seconds_since

#: a Pending claim with no explaining event is reported after this long
STUCK_CLAIM_S = 600


def analyze_claims(idx: ClusterIndex) -> list[Finding]:
    classes = {name_of(sc): sc for sc in idx.items("storageclasses")}
    default = [n for n, sc in classes.items() if is_default_class(sc)]
    out: list[Finding] = []
    run_each(
        idx.items("persistentvolumeclaims"),
        lambda pvc: _claim(pvc, idx, classes, default),
        "persistentvolumeclaims",
        out,
    )
    if not idx.has("persistentvolumeclaims"):
        out += _absent_claims(idx)
    return out


def _claim(pvc: Obj, idx: ClusterIndex, classes: dict, default: list[str]) -> Finding | None:
    phase = (pvc.get("status") or {}).get("phase") or "Pending"
    if phase == "Lost":
        return _lost(pvc, idx)
    return _pending(pvc, idx, classes, default) if phase == "Pending" else None


def _absent_claims(idx: ClusterIndex) -> list[Finding]:
    """Claims pods use whose objects are not in the data (a cluster-info dump has no PVCs): their
    warning events still tell what is wrong, and saying so beats saying nothing."""
    out = []
    for ns, name in idx.claims_in_use():
        warnings = idx.events_for("PersistentVolumeClaim", ns, name, warning_only=True)
        cause = claim_event_cause(name, warnings)
        if not cause:
            continue
        reason = "StorageClassNotFound" if "StorageClass" in cause else warnings[0].get("reason") or "ClaimFailing"
        users = idx.claim_users(ns, name)
        message = (
            f"PVC {name} is not bound ({cause}); the PVC object itself is not in the captured data, so its spec "
            "and phase are unknown (this comes from its events). Fix the class or the claim and recreate it."
        )
        evidence = [event_text(e) for e in warnings[:2]] + [f"used by pods: {names_list(users, 3)}"]
        out.append(Finding("PersistentVolumeClaim", ns, name, "critical", reason, message, evidence))
    return out


def is_default_class(sc: Obj) -> bool:
    ann = (sc.get("metadata") or {}).get("annotations") or {}
    return "true" in (
        ann.get("storageclass.kubernetes.io/is-default-class"),
        ann.get("storageclass.beta.kubernetes.io/is-default-class"),
    )


def _lost(pvc: Obj, idx: ClusterIndex) -> Finding:
    ns, name = ns_name(pvc)
    vol = (pvc.get("spec") or {}).get("volumeName") or "?"
    message = (
        f"PVC {name} is Lost: its PersistentVolume {vol} was deleted, so its data is gone from the cluster's "
        "view; restore the volume from backup or recreate the claim."
    )
    return Finding("PersistentVolumeClaim", ns, name, "critical", "ClaimLost", message, [f"volumeName: {vol}"])


def _pending(pvc: Obj, idx: ClusterIndex, classes: dict, default: list[str]) -> Finding | None:
    ns, name = ns_name(pvc)
    sc_name = (pvc.get("spec") or {}).get("storageClassName")
    users = idx.claim_users(ns, name)
    events = idx.events_for("PersistentVolumeClaim", ns, name)
    warnings = [e for e in events if e.get("type") == "Warning"]
    cause = _pending_cause(pvc, idx, classes, default, warnings, users)
    if cause is None:
        return None
    reason, message, extra = cause
    evidence = [f"phase: Pending, storageClassName: {sc_name if sc_name is not None else '(default)'}"]
    evidence += [event_text(e) for e in (warnings or events)[:2]]
    if users:
        evidence.append(f"used by pods: {names_list(users, 3)}")
    severity = "critical" if users else "warning"  # a pod waits for it
    return Finding("PersistentVolumeClaim", ns, name, severity, reason, message, evidence + extra)


def _pending_cause(
    pvc: Obj, idx: ClusterIndex, classes: dict, default: list[str], warnings: list[Obj], users: list[str]
) -> tuple[str, str, list[str]] | None:
    """(reason, message, extra evidence) for a Pending claim, or None when Pending is expected."""
    name = name_of(pvc)
    spec = pvc.get("spec") or {}
    sc_name = spec.get("storageClassName")
    sc = classes.get(sc_name) if sc_name else None
    if sc_name and idx.has("storageclasses") and sc is None:
        known = ", ".join(sorted(classes)) or "none"
        return (
            "StorageClassNotFound",
            f"PVC {name} asks for StorageClass {sc_name!r}, which does not exist, so no volume is provisioned; "
            f"use an existing class ({known}); storageClassName cannot be changed, so recreate the claim.",
            [f"StorageClasses: {known}"],
        )
    if sc_name is None and idx.has("storageclasses") and not default and not spec.get("volumeName"):
        return (
            "NoDefaultStorageClass",
            f"PVC {name} names no StorageClass and the cluster has no default one, so nothing provisions it; "
            "set storageClassName or mark a class default.",
            [],
        )
    reasons = {e.get("reason") for e in warnings}
    if "ProvisioningFailed" in reasons:
        return (
            "ProvisioningFailed",
            f"PVC {name} stays Pending because its provisioner fails to create the volume; the event below "
            "gives the storage backend's reason (quota, zone, parameters or credentials).",
            [],
        )
    if "FailedBinding" in reasons:
        return (
            "NoMatchingVolume",
            f"PVC {name} stays Pending because no PersistentVolume matches it (size, access mode, class or "
            "selector) and nothing provisions one; create a matching PV or use a provisioning StorageClass.",
            [],
        )
    if sc is not None and sc.get("volumeBindingMode") == "WaitForFirstConsumer" and not users:
        return None  # binds when a pod uses it: Pending is the expected state
    created = (pvc.get("metadata") or {}).get("creationTimestamp")
    since = seconds_since(created, idx.now)
    if since is None or since < STUCK_CLAIM_S:
        return None
    return (
        "ProvisioningStuck",
        f"PVC {name} has been Pending for {age(created, idx.now)} with no provisioning error; the volume "
        "provisioner (CSI driver) is probably not running: check its pods.",
        [],
    )
