"""Training both models into the benchmark's directory, timed.

The baseline is Rasa's default pipeline and policies: the configuration
`rasa train` uses when config.yml has none, read from the installed Rasa
package. Each training gets an empty cache directory, so no component is
reused from an earlier training and the time is a full training's.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from importlib import metadata, util
from pathlib import Path

from tools.bench.console import phase

HEARTBEAT_S = 30


@dataclass
class Trained:
    """A trained model and what its training cost."""

    name: str
    model: Path
    train_s: float
    model_bytes: int
    trained_at: str
    reused: bool = False

    def to_json(self) -> dict[str, object]:
        """JSON-ready fields."""
        return {**asdict(self), "model": str(self.model)}


def rasa_default_config() -> str:
    """Rasa's default config (pipeline and policies), as installed."""
    spec = util.find_spec("rasa")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("rasa is not installed in this environment")
    package = Path(next(iter(spec.submodule_search_locations)))
    path = package / "engine" / "recipes" / "config_files" / "default_config.yml"
    return path.read_text(encoding="utf-8")


def write_baseline_config(target: Path, epochs: int | None = None) -> Path:
    """Write the default config with its own assistant_id; returns target.

    epochs, when given, replaces the default 100 of DIET, ResponseSelector,
    TED and UnexpecTED: their networks, and so a message's cost, stay the
    same; only the training is shorter (and its time no longer Rasa's).
    """
    text = rasa_default_config().replace(
        "assistant_id: placeholder_default", "assistant_id: mesoprep_baseline"
    )
    if epochs is not None:
        text = text.replace("epochs: 100", f"epochs: {epochs}")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


def inputs_key(config: Path, inputs: list[Path]) -> str:
    """Fingerprint of a config, the training inputs and the Rasa version."""
    digest = hashlib.sha256(metadata.version("rasa").encode())
    digest.update(config.read_bytes())
    for root in inputs:
        files = sorted(root.rglob("*")) if root.is_dir() else [root]
        for path in (f for f in files if f.is_file() and "__pycache__" not in f.parts):
            digest.update(str(path).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _wait_with_heartbeat(process: subprocess.Popen, name: str) -> int:
    """Wait for a training, printing a line every HEARTBEAT_S seconds."""
    started = time.monotonic()
    while True:
        try:
            return process.wait(timeout=HEARTBEAT_S)
        except subprocess.TimeoutExpired:
            phase(f"  still training {name} ({time.monotonic() - started:.0f} s)")


def run_training(
    rasa: Path, name: str, config: Path, project: Path, out: Path, log: Path
) -> float:
    """`rasa train` with an empty cache; the wall-clock seconds it took."""
    args = [
        *(str(rasa), "train", "--config", str(config)),
        *("--domain", str(project / "domain.yml"), "--data", str(project / "data")),
        *("--out", str(out), "--fixed-model-name", name),
    ]
    log.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-cache-") as cache:
        env = {**os.environ, "RASA_CACHE_DIRECTORY": cache}
        with log.open("w") as handle:
            started = time.perf_counter()
            process = subprocess.Popen(
                args, cwd=project, env=env, stdout=handle, stderr=subprocess.STDOUT
            )
            code = _wait_with_heartbeat(process, name)
            seconds = time.perf_counter() - started
    if code != 0:
        raise RuntimeError(f"training {name} failed (code {code}); see {log}")
    return seconds


def train_or_reuse(
    rasa: Path,
    name: str,
    config: Path,
    project: Path,
    out: Path,
    reuse: bool,
    code: tuple[Path, ...] = (),
) -> Trained:
    """Train name into out, or reuse the model there if its inputs are unchanged.

    The inputs are the config, domain.yml, data/ and the code its pipeline
    runs (`code`: the baseline's is all Rasa's, so a change to ours keeps it).
    """
    model, record = out / f"{name}.tar.gz", out / f"{name}.json"
    inputs = [project / "domain.yml", project / "data", *code]
    key = inputs_key(config, inputs)
    if reuse and model.exists() and record.exists():
        saved = json.loads(record.read_text())
        if saved.get("key") == key:
            return Trained(
                name,
                model,
                saved["train_s"],
                model.stat().st_size,
                saved["trained_at"],
                reused=True,
            )
    seconds = run_training(rasa, name, config, project, out, out / f"{name}.log")
    trained_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    record.write_text(
        json.dumps({"key": key, "train_s": seconds, "trained_at": trained_at}, indent=2)
    )
    return Trained(name, model, seconds, model.stat().st_size, trained_at)
