"""Where the project's files are: the one definition of each shared path."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUIDE_PATH = ROOT / "data" / "source" / "hair-mesotherapy-disadvantages.txt"
# The website widget's files, served by bot.channels.widget (credentials.yml
# may name another directory).
WIDGET_DIR = ROOT / "web" / "widget"
MODEL_PATH = ROOT / "models" / "mesoprep.tar.gz"
