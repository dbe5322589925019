"""models/manifest.json as the device sees it: what each shipped model expects and how well it reads.

The classifier reads quantisation from the model itself; the manifest says what
the model was built to expect (input type, shape and quantisation, output), so a
model whose tensors disagree with its entry, a stale or swapped file, is refused.
"""

import hashlib
import json
from pathlib import Path

MANIFEST_FILE = "manifest.json"


class ManifestError(Exception):
    """A model disagrees with its manifest entry; the message says how."""


def find_entry(model_path: str | Path) -> dict | None:
    """The manifest entry for this model file, from manifest.json beside it; None if there is none."""
    model_path = Path(model_path)
    manifest = model_path.parent / MANIFEST_FILE
    if not manifest.is_file():
        return None
    try:
        entries = json.loads(manifest.read_text()).get("models", [])
    except (OSError, ValueError, AttributeError):
        return None
    return next((e for e in entries if isinstance(e, dict) and e.get("file") == model_path.name), None)


def check_entry(model_path: str | Path, entry: dict, input_info, output_info) -> list[str]:
    """Raise ManifestError if the model's tensors differ from the entry; return warnings (file changed)."""
    for name, info in (("input", input_info), ("output", output_info)):
        recorded = entry.get(name)
        if recorded is not None and recorded != info.as_dict():
            raise ManifestError(f"{Path(model_path).name}: its {name} {info.as_dict()} differs from the manifest's "
                                f"{recorded}; rebuild with `make models` or pass the right --model")
    warnings = []
    digest = hashlib.sha256(Path(model_path).read_bytes()).hexdigest()
    if entry.get("sha256") and entry["sha256"] != digest:
        warnings.append(f"{Path(model_path).name} differs from the file its manifest describes (sha256)")
    return warnings
