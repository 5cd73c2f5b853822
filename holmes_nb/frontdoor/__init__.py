"""What both fronts share: the command table and the actions behind it (no IPython, no argparse front).

``table`` declares every ``%holmes`` / ``holmes-nb`` command and option once; the notebook's parser,
its option checks and ``%holmes help`` (``help``) and the CLI's argparse parsers (``cli_args``) are
generated from it. ``actions`` holds the work a command does that both fronts need (model rows,
scan, tool list), so neither front imports the other.
"""
