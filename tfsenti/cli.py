"""`tfsenti` command line: parses arguments, calls the public API, reports errors in one line.

Exit codes: 0 on success, 2 on bad input (a `TfsentiError`, printed as `tfsenti: error: ...`).
"""

from __future__ import annotations

import argparse
import sys

from tfsenti.errors import TfsentiError


def _cmd_convert(args: argparse.Namespace) -> None:
    from tfsenti.hub.convert import convert_checkpoint

    out = convert_checkpoint(args.hf_dir, args.out_dir)
    print(f"wrote {out / 'preprocess'} and {out / 'encoder'}")


def _cmd_encoders(args: argparse.Namespace) -> None:
    from tfsenti.hub.catalog import CATALOG

    width = max(len(name) for name in CATALOG)
    for spec in CATALOG.values():
        print(f"{spec.name:<{width}}  L={spec.num_layers:<2} H={spec.hidden_size:<4} {spec.note}")
        if args.verbose:
            print(f"{'':<{width}}  encoder:    {spec.encoder}\n{'':<{width}}  preprocess: {spec.preprocess}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tfsenti", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("convert", help="Hugging Face BERT checkpoint -> TF-Hub preprocess + encoder")
    p.add_argument("hf_dir", help="folder with config.json, model.safetensors, vocab.txt")
    p.add_argument("out_dir", help="output folder (must not exist)")
    p.set_defaults(func=_cmd_convert)

    p = sub.add_parser("encoders", help="list the encoder names --encoder accepts")
    p.add_argument("-v", "--verbose", action="store_true", help="also print the handles")
    p.set_defaults(func=_cmd_encoders)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except TfsentiError as err:
        print(f"tfsenti: error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
