"""Reading and writing files: ``kubectl cluster-info dump`` import, manifests, the snapshot file
format, capture of a live cluster, and the bundled demo snapshot. Imports :mod:`holmes_nb.sources`
(every reader returns a Snapshot), never the layers above."""
