"""The ``idp`` command.

Each sub-command lives in the module that owns its work and registers itself through a
``register(subparsers)`` function (listed in ``_register_commands``); those modules import
heavy libraries only when the command runs, so ``idp --help`` starts fast.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from idp.errors import IdpError


def _register_commands(sub: argparse._SubParsersAction) -> None:
    """Sub-commands of the modules that own their work, in the order ``--help`` lists them."""
    # Imported here: each module is light (heavy libraries load when its command runs).
    from idp import report, schemas
    from idp.api import cli as api_cli
    from idp.audit import cli as audit_cli
    from idp.jobs import cli as jobs_cli
    from idp.learn import cli as learn_cli

    for module in (audit_cli, schemas, api_cli, jobs_cli, learn_cli, report):
        module.register(sub)


def _register_extract(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "extract",
        help="turn scans and PDFs into JSON records, one per line",
        description="Print one JSON record per document, one per line, in input order: one "
        "per input file, or one per document found in a file that holds several (each with "
        "`bundle` and `document_type`). "
        "Exit status: 0 when every input gave a record, 1 when all failed, 2 when some did.",
    )
    p.add_argument(
        "paths", nargs="+", type=Path,
        help="files to read (PDF, JPEG, PNG, TIFF); a folder is read recursively in name "
        "order; `-` reads one file from standard input",
    )
    p.add_argument(
        "--no-split", dest="split", action="store_false",
        help="treat each file as one document (by default a file of several pages that holds "
        "several documents gives one record per document, in page order)",
    )
    p.add_argument("--schema", help="document type to extract fields for (see `idp schemas`)")
    p.add_argument(
        "--layout", action="store_true", help="add pages, words, lines, blocks, tables, checkboxes"
    )
    p.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")
    p.set_defaults(func=run_extract)


STDIN = Path("-")


def expand_inputs(paths: list[Path]) -> list[Path]:
    """The files to read, in order: a folder gives its files (recursively, sorted by path,
    hidden ones skipped; an empty folder stays, to fail), ``-`` stays as standard input,
    anything else as given."""
    out: list[Path] = []
    for path in paths:
        if path != STDIN and path.is_dir():
            found = (p for p in path.rglob("*") if p.is_file())
            files = sorted(p for p in found if not _hidden(p.relative_to(path)))
            # An empty folder still gives a (failed) record, so no input goes unreported.
            out.extend(files or [path])
        else:
            out.append(path)
    return out


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


def extract_exit_code(total: int, failed: int) -> int:
    """0 when every input gave a record, 1 when all failed (or there was none), 2 when some did."""
    if total == 0 or failed == total:
        return 1
    return 2 if failed else 0


def run_extract(args: argparse.Namespace) -> int:
    """Process each input in order; a file that fails gives a failed record, the batch goes
    on; the exit status says whether all, some or none failed."""
    from idp.datamodel import ProcessingOptions, Record, RecordStatus, Source
    from idp.pipeline import process_document, to_records
    from idp.settings import get_settings

    settings = get_settings()
    if args.schema:
        from idp.schemas import load_schema

        load_schema(args.schema, settings)  # an unknown schema is one error, before any work
    options = ProcessingOptions(
        schema_name=args.schema, include_layout=args.layout, languages=settings.ocr.languages,
        split=args.split,
    )
    paths = expand_inputs(args.paths)
    if not paths and not args.quiet:
        print("idp: no files in the given folders", file=sys.stderr)
    total = len(paths)
    failed = 0
    for i, path in enumerate(paths, start=1):
        name = "stdin" if path == STDIN else path.name
        try:
            data = _read_input(path, settings.limits.max_bytes)
        except IdpError as exc:
            records = [Record(
                id=str(path),
                status=RecordStatus.FAILED,
                source=Source(filename=name),
                errors=[f"ingest: {exc.message}"],
            )]
        else:
            records = to_records(process_document(data, name, options, settings))
        # An input counts as failed when none of its documents gave a record.
        if all(record.status == RecordStatus.FAILED for record in records):
            failed += 1
        for record in records:
            sys.stdout.write(json.dumps(record.to_json_dict(), ensure_ascii=False) + "\n")
        sys.stdout.flush()
        if not args.quiet:
            for record in records:
                failure = record.status == RecordStatus.FAILED and record.errors
                reason = f" — {record.errors[0]}" if failure else ""
                where = ""
                if record.bundle is not None:
                    first, last = record.bundle.pages
                    kind = record.schema_name or "other"
                    where = f" pages {first}-{last} ({kind})"
                print(f"[{i}/{total}] {path}{where}: {record.status.value}{reason}",
                      file=sys.stderr)
    return extract_exit_code(total, failed)


def _read_input(path: Path, max_bytes: int) -> bytes:
    from idp.errors import InputError, LimitExceededError

    if path == STDIN:
        data = sys.stdin.buffer.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise LimitExceededError(f"standard input is more than the limit of {max_bytes} bytes")
        if not data:
            raise InputError("standard input is empty")
        return data
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise LimitExceededError(
                f"file is {size} bytes, more than the limit of {max_bytes} bytes"
            )
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError("no such file") from None
    except IsADirectoryError:
        raise InputError("is a directory with no files to read") from None
    except PermissionError:
        raise InputError("permission denied") from None


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command registered."""
    parser = argparse.ArgumentParser(
        prog="idp", description="Intelligent document processing: scans and PDFs to records."
    )
    parser.add_argument("--verbose", "-v", action="store_true", help="log debug messages")
    sub = parser.add_subparsers(dest="command", required=True)
    _register_extract(sub)
    _register_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``idp`` command."""
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.func(args) or 0)
    except IdpError as exc:
        print(f"idp: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
