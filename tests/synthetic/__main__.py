"""Write a synthetic corpus to a folder: ``python -m tests.synthetic DIR [options]``."""

from __future__ import annotations

import argparse
import sys

from tests.synthetic.corpus import write_corpus
from tests.synthetic.spec import ALL_LAYOUTS, DEV_LAYOUTS, TEST_LAYOUTS


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, write the files and ``truth.json``, list what was written."""
    parser = argparse.ArgumentParser(prog="python -m tests.synthetic", description=__doc__)
    parser.add_argument("directory")
    parser.add_argument("--text", type=int, default=12, help="text-layer PDFs")
    parser.add_argument("--scans", type=int, default=12, help="spoilt scans")
    parser.add_argument("--seed", default="0")
    parser.add_argument("--layouts", choices=["all", "dev", "test"], default="all")
    parser.add_argument("--phrasings", choices=["hint", "test"], default="hint")
    args = parser.parse_args(argv)
    layouts = {"all": ALL_LAYOUTS, "dev": DEV_LAYOUTS, "test": TEST_LAYOUTS}[args.layouts]
    docs = write_corpus(args.directory, n_text=args.text, n_scan=args.scans, seed=args.seed,
                        layouts=layouts, phrasings=args.phrasings)
    for doc in docs:
        print(f"{doc.name}\t{doc.kind}\t{doc.page_count} page(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
