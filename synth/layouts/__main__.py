"""python -m synth.layouts OUT_DIR --split dev|heldout [--n 40] [--seed 1] [--hard] [--as-of 2024-06-01]"""
from __future__ import annotations

import argparse
from datetime import date

from synth.layouts.corpus import SPLITS, generate
from synth.layouts.truth import AS_OF


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m synth.layouts",
                                     description="Certificate documents of randomised layout, with truth.jsonl.")
    parser.add_argument("out_dir")
    parser.add_argument("--split", choices=SPLITS, required=True)
    parser.add_argument("--n", type=int, default=40, help="number of documents (default 40)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--hard", action="store_true", help="hard captures instead of ordinary ones")
    parser.add_argument("--as-of", type=date.fromisoformat, default=AS_OF)
    args = parser.parse_args(argv)
    docs = generate(args.out_dir, args.n, args.seed, args.split, hard=args.hard, as_of=args.as_of)
    print(f"{len(docs)} documents ({args.split}, {'hard' if args.hard else 'ordinary'}) written under {args.out_dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
