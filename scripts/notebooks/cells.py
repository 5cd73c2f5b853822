"""Cell helpers for the notebook sources in this folder."""


def md(text: str):
    return ("md", text.strip("\n"), ())


def code(source: str, *tags: str):
    """A code cell; tags: "nbval-check-output" (compared by nbval), "nbval-ignore-output", "parameters"..."""
    return ("code", source.strip("\n"), tags)
