"""DataFrames for people, one module per resource family (pods, workloads, config, infra,
network), and :class:`~holmes_nb.frames.cluster_frames.ClusterFrames` (``holmes_nb.cluster(...)``).
Imports sources, formats and analyzers; never the tools, the agent or the fronts."""
