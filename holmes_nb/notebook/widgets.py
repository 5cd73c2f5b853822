"""Notebook widgets: pick the model backend and the cluster, linked both ways to the magic's settings.

    from holmes_nb.notebook.widgets import ModelPicker
    ModelPicker(magic)        # display it: the last expression of a cell, or IPython.display.display(...)

The cluster picker is in holmes_nb.notebook.cluster_picker.

``target`` is any traitlets ``HasTraits`` with the traits ``model``, ``temperature``, ``cluster`` and
``config_path`` (the ``HolmesMagic``); without one, a private :class:`Selection` is used. Where no widget
frontend exists (terminal IPython, nbval), the ``text/plain`` form lists the choices with the current
one marked. API keys never appear: labels show the key name, model id and api_base only, scrubbed.
"""

from __future__ import annotations

import dataclasses
import html
import os
import threading
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any, Protocol

import ipywidgets as W
from traitlets import Float, HasTraits, Unicode

from holmes_nb.errors import HolmesError
from holmes_nb.redact import scrub

DEFAULT = ""  # the dropdown value meaning "None on the target" (the configured default)
CHECK_TIMEOUT = 60.0  # seconds per model request during a check (the entry's own timeout if lower)


class PickerTarget(Protocol):
    """What the pickers edit: a traitlets ``HasTraits`` with these traits (a HolmesMagic or a Selection)."""

    model: str | None
    temperature: float | None
    cluster: str | None
    config_path: str | None

    def observe(self, handler: Callable[..., Any], names: Any = ..., type: str = ...) -> None: ...

    def has_trait(self, name: str) -> bool: ...


class Selection(HasTraits):
    """The settings the pickers edit, when no magic is given: ``Selection(model="local-llama")``."""

    model = Unicode(None, allow_none=True)
    # traitlets types Float(None, allow_none=True) as Float[int | None, ...]; the trait holds floats
    temperature: Float[float | None, float | None] = Float(None, allow_none=True)  # type: ignore[assignment]
    cluster = Unicode(None, allow_none=True)
    config_path = Unicode(None, allow_none=True)


class _Linked(W.VBox):
    """A VBox whose text/plain is a listing of its choices (the fallback without a widget frontend)."""

    def __init__(self, target: PickerTarget | None, children: list) -> None:
        super().__init__(children)
        self.target: PickerTarget = target if target is not None else Selection()
        self._syncing = False

    @contextmanager
    def _sync(self):
        self._syncing, before = True, self._syncing
        try:
            yield
        finally:
            self._syncing = before

    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        data = super()._repr_mimebundle_(**kwargs) or {}
        data["text/plain"] = self.text()
        return data

    def __repr__(self) -> str:
        return self.text()  # each picker defines text()


def _set_options(dropdown: W.Dropdown, options: list[tuple[str, str]], value: str) -> None:
    """Replace a dropdown's options and select ``value`` (added as an extra option if missing)."""
    if value not in [v for _, v in options]:
        options = options + [(f"{value} (not in the list)", value)]
    if list(dropdown.options) != options:
        dropdown.options = options
    dropdown.value = value


# -- models ---------------------------------------------------------------------------------
def model_choices(cfg) -> list[dict[str, Any]]:
    """One row per offered backend: value (the target.model string), label, model, api_base, temperature."""
    rows = []
    for key, raw in cfg.model_list.items():
        try:
            entry = cfg.entry(key)
            base, temp = entry.api_base or "(provider default)", entry.temperature
        except HolmesError as e:
            base, temp = f"<{e.message}>", None
        rows.append({"value": key, "model": str(raw.get("model")), "api_base": scrub(str(base)), "temperature": temp})
    for row in rows:
        where = "a recorded run, offline" if row["model"].startswith("replay/") else row["api_base"]
        row["label"] = f"{row['value']} — {row['model']} @ {where}"
    if not rows and cfg.env("OPENAI_API_BASE"):  # the env-only backend: OPENAI_API_BASE (+ MODEL)
        rows = _env_rows(cfg)
    return rows


def _env_rows(cfg) -> list[dict[str, Any]]:
    """The model ids the OPENAI_API_BASE server reports at ``/v1/models`` (MODEL first when set)."""
    from holmes_nb.llm.context import probe_server

    base = cfg.env("OPENAI_API_BASE")
    served = probe_server(base, cfg.env("OPENAI_API_KEY")).model_ids
    env_model = os.environ.get("MODEL")

    def prefixed(m: str) -> str:
        return m if "/" in m else f"openai/{m}"

    origin = {prefixed(m): "server /v1/models" for m in served}
    if env_model:
        origin = {prefixed(env_model): "env", **{k: v for k, v in origin.items() if k != prefixed(env_model)}}
    origin = origin or {"openai/default": "env; the server lists no model: %holmes model openai/<id>"}
    where = scrub(base)
    return [
        {"value": m, "model": m, "api_base": where, "temperature": None, "label": f"{m} @ {where} ({note})"}
        for m, note in origin.items()
    ]


#: the environment variables the picker's choices depend on
PICKER_ENV = ("OPENAI_API_BASE", "OPENAI_BASE_URL", "OPENAI_API_KEY", "MODEL")


def env_snapshot() -> tuple[str | None, ...]:
    return tuple(os.environ.get(n) for n in PICKER_ENV)


def _default_label(cfg) -> str:
    try:
        return f"(default: {cfg.select(None).label})"
    except HolmesError:
        return "(default: none configured)"


def _adhoc_row(cfg, value: str) -> dict[str, Any]:
    """A row for a model set on the target that the config does not list (never raises)."""
    try:
        label = f"{value} @ {scrub(cfg.select(value).api_base or '(provider default)')} (not in modelList)"
    except HolmesError as e:
        label = f"{value} (unknown: {scrub(e.message)})"
    return {"value": value, "model": value, "temperature": None, "label": label}


class ModelPicker(_Linked):
    """Dropdown of modelList keys, a temperature control and a Check button (runs check-model).

    picker = ModelPicker(magic)            # or ModelPicker(config="values.yaml")
    picker.dropdown.value = "local-llama"  # sets magic.model; magic.model = "x" moves the dropdown
    picker.check(background=False)         # what the button does; the table lands in picker.output
    """

    def __init__(
        self,
        target: PickerTarget | None = None,
        config: Any = None,
        *,
        background: bool = True,
        check_timeout: float = CHECK_TIMEOUT,
    ) -> None:
        self.dropdown = W.Dropdown(description="model", layout=W.Layout(width="max-content"))
        self.use_default = W.Checkbox(value=True, description="default temperature", indent=False)
        self.slider = W.FloatSlider(
            value=0.0,
            min=0.0,
            max=2.0,
            step=0.05,
            description="temperature",
            disabled=True,
            continuous_update=False,
            readout_format=".2f",
            style={"description_width": "initial"},
        )
        self.check_button = W.Button(
            description="Check",
            icon="stethoscope",
            tooltip="check-model: reachable? tool calls? tool results? context?",
        )
        self.output = W.Output()
        super().__init__(
            target, [self.dropdown, W.HBox([self.slider, self.use_default, self.check_button]), self.output]
        )
        self.config, self.background, self.check_timeout = config, background, check_timeout
        self.rows: list[dict[str, Any]] = []
        self.error: str | None = None
        self.last_report = None
        self._thread: threading.Thread | None = None
        self.refresh()
        self.dropdown.observe(self._from_dropdown, "value")
        self.use_default.observe(self._from_temperature_widgets, "value")
        self.slider.observe(self._from_temperature_widgets, "value")
        self.check_button.on_click(lambda _button: self.check())
        self.target.observe(self._from_target, "model")
        self.target.observe(self._from_target_temperature, "temperature")
        if self.target.has_trait("config_path"):
            self.target.observe(lambda _change: self.refresh(), "config_path")
        try:
            shell = self.target.shell  # type: ignore[attr-defined]  # optional: AttributeError below
        except AttributeError:  # a target without a shell (a plain HasTraits)
            shell = None
        if shell is not None:  # a %env cell changes the choices: re-read after each cell
            shell.events.register("post_run_cell", self.refresh_if_env_changed)
        self._from_target_temperature()

    # -- options and links ------------------------------------------------------------------
    def _config(self):
        from holmes_nb.config import Config, load_config

        if isinstance(self.config, Config):
            return self.config
        has_path = self.config is None and self.target.has_trait("config_path")
        return load_config(self.target.config_path if has_path else self.config)

    def refresh_if_env_changed(self, *_args: Any) -> bool:
        """Refresh when OPENAI_API_BASE, MODEL, ... changed since the last refresh."""
        if env_snapshot() == self._env:
            return False
        self.refresh()
        return True

    def refresh(self) -> None:
        """Re-read the config (after editing it, when target.config_path or the environment changes)."""
        self._env = env_snapshot()
        try:
            self._cfg = self._config()
            self.rows, self.default_label, self.error = model_choices(self._cfg), _default_label(self._cfg), None
        except HolmesError as e:
            self._cfg, self.rows, self.default_label = None, [], "(default: config unreadable)"
            self.error = scrub(str(e))
            self._error(f"config error: {e}")
        self._from_target()

    def _from_target(self, change=None) -> None:
        value = self.target.model or DEFAULT
        if value != DEFAULT and value not in [r["value"] for r in self.rows]:
            self.rows.append(
                _adhoc_row(self._cfg, value)
                if self._cfg is not None
                else {"value": value, "temperature": None, "label": f"{value} (config unreadable)"}
            )
        with self._sync():
            _set_options(
                self.dropdown, [(self.default_label, DEFAULT)] + [(r["label"], r["value"]) for r in self.rows], value
            )
        self._show_entry_temperature()

    def _from_dropdown(self, change) -> None:
        if not self._syncing:
            self.target.model = change["new"] or None
        self._show_entry_temperature()

    def _show_entry_temperature(self) -> None:
        """Label the "default" checkbox with the selected entry's own temperature."""
        temp = next((r["temperature"] for r in self.rows if r["value"] == self.dropdown.value), None)
        if self.dropdown.value == DEFAULT and self._cfg is not None:
            try:
                temp = self._cfg.select(None).temperature
            except HolmesError:
                pass
        self.use_default.description = f"default ({temp:g})" if temp is not None else "default (server)"

    def _from_target_temperature(self, change=None) -> None:
        value = self.target.temperature
        with self._sync():
            self.use_default.value = value is None
            self.slider.disabled = value is None
            if value is not None:
                self.slider.value = value

    def _from_temperature_widgets(self, change) -> None:
        self.slider.disabled = self.use_default.value
        if not self._syncing:
            self.target.temperature = None if self.use_default.value else float(self.slider.value)

    # -- check ------------------------------------------------------------------------------
    def check(self, *, background: bool | None = None):
        """Run check-model for the selected entry; the table (or a one-line error) goes to ``output``.

        In the background (the default for the button) it returns at once; ``wait()`` joins it."""
        if self._thread is not None and self._thread.is_alive():
            return None
        label = self.target.model or self.default_label
        self.output.outputs = ({"output_type": "stream", "name": "stdout", "text": f"checking {label} ...\n"},)
        self.check_button.disabled = True
        if background if background is not None else self.background:
            self._thread = threading.Thread(target=self._run_check, name="holmes-nb-check", daemon=True)
            self._thread.start()
            return None
        return self._run_check()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for a background check; True when none is running any more."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self._thread is None or not self._thread.is_alive()

    def _run_check(self):
        from holmes_nb.llm.probe import check_model

        report = None
        try:
            entry = self._config().select(self.target.model or None)
            entry = dataclasses.replace(
                entry, timeout=min(entry.timeout, self.check_timeout), num_retries=min(entry.num_retries, 1)
            )
            if self.target.temperature is not None:
                entry.temperature = self.target.temperature
            report = self.last_report = check_model(entry)
            outputs = ({"output_type": "display_data", "metadata": {}, "data": _report_bundle(report)},)
            failed = next((c for c in report.checks if c.status == "fail"), None)
            if failed is not None:  # the verdict as one red line under the table
                text = scrub(f"NOT usable as configured: {failed.name}: {failed.detail}")
                outputs += ({"output_type": "stream", "name": "stderr", "text": " ".join(text.split()) + "\n"},)
            self.output.outputs = outputs
        except HolmesError as e:
            self._error(f"check failed: {e}")
        except Exception as e:  # noqa: BLE001 - a widget callback must never show a traceback
            self._error(f"check failed: {type(e).__name__}: {e} (hint: run %holmes check-model for details)")
        finally:
            self.check_button.disabled = False
        return report

    def _error(self, line: str) -> None:
        line = scrub(" ".join(line.split()))
        self.output.outputs = ({"output_type": "stream", "name": "stderr", "text": line + "\n"},)

    # -- text -------------------------------------------------------------------------------
    def text(self) -> str:
        current = self.target.model or DEFAULT
        lines = ["holmes-nb model picker (switch with %holmes model KEY)"]
        if self.error:
            lines.append(f"  config error: {self.error}")
        for label, value in self.dropdown.options:
            lines.append(f"  {'*' if value == current else ' '} {label}")
        temp = self.target.temperature
        lines.append(
            f"  temperature: {temp:g}" if temp is not None else f"  temperature: {self.use_default.description}"
        )
        return "\n".join(lines)


def _report_bundle(report) -> dict[str, str]:
    text = scrub(str(report))
    rows = "".join(
        f"<tr><td>{html.escape(c.name)}</td><td>{html.escape(c.status.upper())}</td>"
        f"<td>{html.escape(scrub(c.detail))}</td></tr>"
        for c in report.checks
    )
    verdict = "usable for investigations" if report.ok else "NOT usable as configured"
    doc = (
        f"<p>model <code>{html.escape(scrub(report.model))}</code> at <code>{html.escape(scrub(report.api_base))}"
        f"</code></p><table><thead><tr><th>check</th><th>status</th><th>detail</th></tr></thead>"
        f"<tbody>{rows}</tbody></table><p><b>{verdict}</b></p>"
    )
    return {"text/plain": text, "text/html": doc}


def pick_model_text(target: PickerTarget | None = None, config: Any = None) -> str:
    """The model choices as text, current one marked: ``print(pick_model_text(magic))``."""
    return ModelPicker(target, config).text()


__all__ = ["DEFAULT", "ModelPicker", "Selection", "model_choices", "pick_model_text"]
