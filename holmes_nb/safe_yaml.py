"""YAML read defensively (config files, suites, manifests): aliases that expand to too many nodes (a "billion
laughs" bomb) and duplicate mapping keys (two ``modelList`` entries with the same name, where the
last one would silently win) are clear :class:`~holmes_nb.errors.ConfigError`\\ s.

    load_config_yaml(text, "~/.holmes/config.yaml")   # -> the document, or ConfigError
"""

from __future__ import annotations

from typing import Any

from holmes_nb.errors import ConfigError

#: a config file is a few hundred nodes; a bomb is billions
MAX_CONFIG_NODES = 100_000


def load_config_yaml(text: str, source: str) -> Any:
    """The YAML document in ``text``: aliases bounded, duplicate keys refused."""
    import yaml

    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if expanded_size(node) > MAX_CONFIG_NODES:
            raise ConfigError(
                f"malformed YAML in {source}: its aliases expand to over {MAX_CONFIG_NODES:,} nodes",
                hint="a config file needs no YAML aliases that deep (an alias bomb?)",
            )
        _check_duplicates(node, source)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _check_duplicates(root: Any, source: str) -> None:
    import yaml

    seen_nodes: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            keys: dict[Any, int] = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                    line = key.start_mark.line + 1
                    if key.value in keys:
                        raise ConfigError(
                            f"malformed YAML in {source}, line {line}: duplicate key {key.value!r} "
                            f"(first at line {keys[key.value]})",
                            hint="each name may appear once in a mapping; rename or remove one of them",
                        )
                    keys[key.value] = line
                stack.extend((key, value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


def expanded_size(root: Any) -> int:
    """Nodes in the document once aliases are expanded (memoized per shared node: linear time)."""
    import yaml

    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in sizes:
            continue
        children = (
            [c for pair in node.value for c in pair]
            if isinstance(node, yaml.MappingNode)
            else (node.value if isinstance(node, yaml.SequenceNode) else [])
        )
        if done:
            sizes[id(node)] = 1 + sum(sizes.get(id(c), 1) for c in children)
        else:
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in sizes)
    return sizes[id(root)]
