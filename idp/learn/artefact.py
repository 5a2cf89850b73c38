"""Versioned model artefacts: bytes in, bytes out, and their place in object storage.

An artefact is a zip holding ``meta.json`` (``ModelMeta``: schema, fields, thresholds,
version id, training-set hash, date, tokenizer reference, metrics) and ``weights.pt``
(the state dict in float16, half the size; loaded back as float32). Nothing in it is
pickled code: weights load with ``weights_only``. In storage, versions of a schema's model
live under ``models/<schema>/<version>.zip`` and ``models/<schema>/current`` names the one
in use, so rolling back is pointing ``current`` at an older version.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import asdict
from typing import TYPE_CHECKING

from idp.errors import IdpError
from idp.storage.base import ObjectNotFoundError, ObjectStore

if TYPE_CHECKING:  # torch comes with these; keys and metadata work without it
    from idp.learn.predict import LayoutModel, ModelMeta

ARTEFACT_FORMAT = 2
"""Bumped when the layout of the zip or of the weights changes (2: box features)."""


class ArtefactError(IdpError):
    """A model artefact is missing, damaged or of an unknown format."""

    category = "model"
    http_status = 422
    title = "Model artefact unusable"


def model_to_bytes(model: LayoutModel) -> bytes:
    """The model as a zip of ``meta.json`` and float16 ``weights.pt``."""
    import torch

    weights = io.BytesIO()
    state = {
        k: v.half() if v.is_floating_point() else v for k, v in model.tagger.state_dict().items()
    }
    torch.save(state, weights)
    meta = {"format": ARTEFACT_FORMAT, **asdict(model.meta)}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr("meta.json", json.dumps(meta, indent=2, sort_keys=True))
        zf.writestr("weights.pt", weights.getvalue())
    return out.getvalue()


def read_meta(data: bytes) -> ModelMeta:
    """Only the metadata of an artefact (no weights loaded)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            raw = json.loads(zf.read("meta.json"))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ArtefactError(f"not a model artefact: {exc}") from exc
    if raw.pop("format", None) != ARTEFACT_FORMAT:
        raise ArtefactError("model artefact of an unknown format")
    from idp.learn.predict import ModelMeta

    return ModelMeta(**raw)


def model_from_bytes(data: bytes) -> LayoutModel:
    """Rebuild a model from ``model_to_bytes`` output."""
    import torch

    from idp.learn.dataset import tag_names
    from idp.learn.model import LayoutTagger, load_tokenizer
    from idp.learn.predict import LayoutModel
    from idp.learn.train import tokenizer_reference

    meta = read_meta(data)
    expected = tokenizer_reference()
    if meta.tokenizer.get("vocab_sha256") != expected["vocab_sha256"]:
        raise ArtefactError("the model was trained with another tokenizer vocabulary")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        state = torch.load(io.BytesIO(zf.read("weights.pt")), weights_only=True)
    tagger = LayoutTagger(
        len(tag_names(meta.fields)),
        pairs=meta.kind == "pairs",
        pretrained=False,
        layers=int(meta.config.get("encoder_layers", 6)),
    )
    tagger.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state.items()})
    tagger.eval()
    return LayoutModel(tagger, load_tokenizer(), meta)


def model_key(schema: str, version: str) -> str:
    """Object key of one model version."""
    return f"models/{schema}/{version}.zip"


def current_key(schema: str) -> str:
    """Object key naming the version in use for a schema."""
    return f"models/{schema}/current"


def publish(store: ObjectStore, model: LayoutModel, make_current: bool = True) -> str:
    """Store the model under its version (and make it current); returns the version id."""
    meta = model.meta
    store.put(model_key(meta.schema, meta.version), model_to_bytes(model), "application/zip")
    if make_current:
        use_version(store, meta.schema, meta.version)
    return meta.version


def use_version(store: ObjectStore, schema: str, version: str) -> None:
    """Make a stored version the one in use (also how to roll back)."""
    if not store.exists(model_key(schema, version)):
        raise ArtefactError(f"no model version {version!r} for schema {schema!r}")
    store.put(current_key(schema), version.encode(), "text/plain")


def current_version(store: ObjectStore, schema: str) -> str | None:
    """The version in use for a schema, if any."""
    try:
        return store.get(current_key(schema)).decode().strip() or None
    except ObjectNotFoundError:
        return None


def versions(store: ObjectStore, schema: str) -> list[str]:
    """Stored version ids of a schema's model, oldest first (ids start with a timestamp)."""
    prefix = f"models/{schema}/"
    return sorted(
        key[len(prefix) : -len(".zip")] for key in store.list(prefix) if key.endswith(".zip")
    )


def load_model(store: ObjectStore, schema: str, version: str | None = None) -> LayoutModel:
    """A schema's model by version, or the current one."""
    if version is None:
        try:
            version = store.get(current_key(schema)).decode().strip()
        except ObjectNotFoundError as exc:
            raise ArtefactError(f"no model in use for schema {schema!r}") from exc
    try:
        data = store.get(model_key(schema, version))
    except ObjectNotFoundError as exc:
        raise ArtefactError(f"no model version {version!r} for schema {schema!r}") from exc
    return model_from_bytes(data)
