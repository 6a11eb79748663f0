"""Shipping: an evaluated model replaces the one in assets/ only if it scores higher on PublicTest."""

import json
import shutil
from pathlib import Path

from emotion.label_sets import LABEL_SETS, confusion_plot
from train.card import selection_score

ARTEFACTS = ("model.keras", "model_card.json", "training_curves.png", *map(confusion_plot, LABEL_SETS))


def export(evaluated_dir: Path, assets_dir: Path) -> bool:
    """Copy an evaluated model into assets/ if it beats the shipped one on PublicTest (selection_score);
    a shipped card without that score predates the protocol and is replaced."""
    new = json.loads((evaluated_dir / "model_card.json").read_text())
    shipped_card = assets_dir / "model_card.json"
    if shipped_card.is_file():
        old_score = selection_score(json.loads(shipped_card.read_text()))
        if old_score is not None and selection_score(new) <= old_score:
            return False
    assets_dir.mkdir(parents=True, exist_ok=True)
    for name in ARTEFACTS:
        if (evaluated_dir / name).is_file():
            shutil.copyfile(evaluated_dir / name, assets_dir / name)
    return True
