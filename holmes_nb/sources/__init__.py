"""Cluster sources: the read-only :class:`~holmes_nb.sources.base.Cluster` interface, the kinds
table, label selectors, the in-memory :class:`~holmes_nb.sources.snapshot.Snapshot` and the live
cluster (kubernetes client). Imports only :mod:`holmes_nb.k8s`, errors and redact; the file readers
live in :mod:`holmes_nb.formats`, the spec parser in :mod:`holmes_nb.cluster_spec`."""
