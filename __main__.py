"""berth: settings -> components -> exports. See docs/settings.md and docs/outputs.md."""

from pathlib import Path

import pulumi

from components.stack import deploy, read_settings

PROJECT_DIR = Path(__file__).resolve().parent

# Settings are validated before any resource is registered: invalid settings change nothing.
settings = read_settings(PROJECT_DIR)
for key, value in deploy(settings, PROJECT_DIR).items():
    pulumi.export(key, value)
