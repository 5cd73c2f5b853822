"""A read-only Kubernetes API server over a snapshot (``holmes-nb snapshot serve``), for kubectl,
the kubernetes client and other API clients: routes, Table output, faults for tests. Imports sources."""
