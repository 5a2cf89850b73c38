"""``idp train --schema NAME EXAMPLES.jsonl``: learn a document type from examples.

Each line of the JSONL is ``{"file": "scan.jpg", "fields": {"total": "60.30", …}}``, the
file relative to the JSONL's folder. Every file is read by the same reading stage as
``idp extract`` (text layer or OCR); the values are located on its words by fuzzy match —
no boxes to draw. ``--from-reviews`` instead takes the schema's documents a reviewer
approved in the service, with their stored words and the values as corrected. Prints
per-field F1 and calibrated thresholds on the held-out split, stores the versioned model in
object storage and makes it the schema's current one (``--keep-current`` stores it without
switching; ``--output`` also writes the artefact).

``idp models --schema NAME`` lists the stored versions (the current one marked);
``idp models --schema NAME --use VERSION`` makes another version current — rolling back
to an earlier model — and ``--previous`` rolls back to the version before the current one.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from pathlib import Path

from idp.errors import InputError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``idp train``."""
    p = subparsers.add_parser(
        "train",
        help="train a layout-aware model for a document type from example documents",
        description=__doc__.split("\n\n")[1] if __doc__ else None,
    )
    p.add_argument("examples", type=Path, nargs="?", help="JSONL of {file, fields} lines")
    p.add_argument("--schema", required=True, help="document type the examples are of")
    p.add_argument(
        "--from-reviews",
        action="store_true",
        help="train on the schema's documents approved in review (values as corrected)",
    )
    p.add_argument("--epochs", type=int, default=10, help="passes over the examples (10)")
    p.add_argument("--validation", type=float, default=0.2, help="share held out (0.2)")
    p.add_argument("--threads", type=int, default=2, help="CPU threads for torch (2)")
    p.add_argument("--output", type=Path, help="also write the model artefact to this file")
    p.add_argument(
        "--keep-current", action="store_true", help="store the model without making it current"
    )
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.set_defaults(func=run_train)

    m = subparsers.add_parser(
        "models",
        help="list a document type's trained model versions; switch or roll back",
        description="List the stored versions of a schema's learned model, or make one current.",
    )
    m.add_argument("--schema", required=True, help="document type")
    which = m.add_mutually_exclusive_group()
    which.add_argument("--use", metavar="VERSION", help="make this stored version current")
    which.add_argument(
        "--previous", action="store_true", help="roll back to the version before the current"
    )
    m.set_defaults(func=run_models)


def _progress(label: str, quiet: bool):  # noqa: ANN202 - a progress callback
    started = time.monotonic()

    def show(done: int, total: int) -> None:
        if quiet:
            return
        width = 30
        filled = int(width * done / max(total, 1))
        elapsed = time.monotonic() - started
        eta = elapsed / done * (total - done) if done else 0.0
        sys.stderr.write(
            f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} "
            f"{elapsed:.0f}s, ~{eta:.0f}s left"
        )
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


def kinds_for(schema_name: str, fields: list[str]) -> list[str]:
    """How each field's value is cut from its words, from the schema's field types."""
    from idp.schemas import FieldType, load_schema

    schema = load_schema(schema_name)
    kinds = []
    for name in fields:
        t = schema.fields[name].type
        kinds.append("money" if t == FieldType.MONEY else "date" if t == FieldType.DATE else "text")
    return kinds


def read_examples(path: Path, quiet: bool = False) -> list:  # noqa: ANN001 - FieldExample
    """Examples from a JSONL file: each document read by idp, the page that holds most of
    its values chosen (a multi-page document contributes that page)."""
    from idp.datamodel import ProcessingOptions, ProcessingResult, Source
    from idp.ingest import open_document
    from idp.learn.dataset import FieldExample, locate_value, page_words_from_page
    from idp.reading import read_pages
    from idp.settings import get_settings

    settings = get_settings()
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    show = _progress("reading", quiet)
    examples = []
    for n, line in enumerate(lines, start=1):
        try:
            item = json.loads(line)
            file = path.parent / item["file"]
            values = {k: str(v) for k, v in item["fields"].items() if v not in (None, "")}
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{path}:{n}: not a {{file, fields}} line ({exc})") from exc
        doc = open_document(file.read_bytes(), file.name, settings.limits)
        result = ProcessingResult(id=str(uuid.uuid4()), source=Source(filename=file.name))
        pages, _ = read_pages(doc, ProcessingOptions(), settings, result)
        candidates = [page_words_from_page(p) for p in pages if p.words]
        if candidates:
            best = max(
                candidates,
                key=lambda pw: sum(bool(locate_value(pw.words, v)) for v in values.values()),
            )
            examples.append(FieldExample(best, values, name=str(item["file"])))
        show(n, len(lines))
    return examples


def examples_from_reviews(schema_name: str) -> list:  # noqa: ANN001 - FieldExample
    """Examples from the schema's approved documents in the configured service."""
    from idp.db import session_scope
    from idp.learn.reviews import reviewed_examples
    from idp.schemas import load_schema
    from idp.storage import get_record_store

    schema = load_schema(schema_name)
    kinds = dict(zip(schema.fields, kinds_for(schema_name, list(schema.fields)), strict=True))
    with session_scope() as session:
        return reviewed_examples(session, get_record_store(), schema_name, kinds)


def run_models(args: argparse.Namespace) -> int:
    """List versions, or make one current."""
    from idp.learn.artefact import ArtefactError, current_version, use_version, versions
    from idp.storage import get_storage

    store = get_storage()
    stored = versions(store, args.schema)
    current = current_version(store, args.schema)
    if args.use or args.previous:
        if args.previous:
            if current not in stored or stored.index(current) == 0:
                raise ArtefactError(f"no version before {current!r} for schema {args.schema!r}")
            target = stored[stored.index(current) - 1]
        else:
            target = args.use
        use_version(store, args.schema, target)
        print(f"{args.schema}: now using {target} (was {current or 'none'})")
        return 0
    if not stored:
        print(f"{args.schema}: no trained model stored")
    for version in stored:
        print(("* " if version == current else "  ") + version)
    return 0


def run_train(args: argparse.Namespace) -> int:
    """Read the examples, train, report, store."""
    from idp.learn.artefact import model_to_bytes, publish
    from idp.learn.train import TrainConfig, train_fields
    from idp.schemas import load_schema
    from idp.storage import get_storage

    schema = load_schema(args.schema)
    if args.from_reviews == (args.examples is not None):
        raise InputError("give either an examples JSONL or --from-reviews")
    if args.from_reviews:
        examples = examples_from_reviews(args.schema)
    else:
        if not args.examples.exists():
            raise InputError(f"no such file: {args.examples}")
        examples = read_examples(args.examples, args.quiet)
    if len(examples) < 2:
        raise InputError("need at least two readable example documents")
    fields = [f for f in schema.fields if any(e.values.get(f) for e in examples)]
    config = TrainConfig(epochs=args.epochs, validation_share=args.validation, threads=args.threads)
    model = train_fields(
        examples,
        fields,
        kinds_for(args.schema, fields),
        schema.name,
        schema.version,
        config,
        _progress("training", args.quiet),
    )
    meta = model.meta
    print(
        f"model {meta.version}: {meta.metrics['train_examples']} examples trained, "
        f"{meta.metrics['validation_examples']} held out, {meta.metrics['train_seconds']} s"
    )
    print(f"{'field':24} {'F1':>6} {'threshold':>9} {'right above':>11}")
    for name, m in meta.metrics["fields"].items():
        print(
            f"{name:24} {m['f1']:6.3f} {m['threshold']:9.3f} "
            f"{m['right_above_threshold']:11.3f} ({m['above_threshold']} above)"
        )
    if args.output:
        args.output.write_bytes(model_to_bytes(model))
    publish(get_storage(), model, make_current=not args.keep_current)
    state = "stored" if args.keep_current else "stored and made current"
    print(f"{state}: models/{meta.schema}/{meta.version}.zip")
    return 0
