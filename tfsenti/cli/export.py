"""What `tfsenti export` does with its parsed arguments: lay a model out for TF Serving and
check its ops, write a bfloat16 copy, or convert it to a `.tflite` file, the lossy ones guarded
by `--check-data`. Heavy modules are imported inside each function, as in `tfsenti.cli.commands`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from tfsenti.errors import TfsentiError


def run_export(args: argparse.Namespace) -> int:
    if args.format == "tflite":
        run_export_tflite(args)
        return 0
    from tfsenti.inference.serving import check_serving, export_for_serving

    if args.quantize != "none":
        raise TfsentiError("--quantize is for --format tflite (a SavedModel: --precision)")
    model = args.model
    if args.precision == "bfloat16":
        model = run_export_bfloat16(args)
    elif args.check_data or args.out:
        raise TfsentiError("--out and --check-data are for --precision bfloat16 or --format "
                           "tflite (a float32 SavedModel is copied as it is)")
    elif not args.serving_dir and not args.check_serving:
        raise TfsentiError("export needs --serving-dir DIR and/or --check-serving (or --precision "
                           "bfloat16 --out FOLDER, or --format tflite --out FILE)")
    status = 0
    if args.check_serving:
        check = check_serving(model)
        print(check.report())
        status = 0 if check.ok else 1
    if args.serving_dir:
        target = export_for_serving(model, args.serving_dir, args.version, args.name,
                                    args.overwrite)
        print(f"TF Serving version folder: {target}")
    return status


def export_check_data(args: argparse.Namespace):
    """The labelled texts of `--check-data` (with the model's class names), or None."""
    from tfsenti.cli.commands import table_label_names
    from tfsenti.data.loaders import load_dataset
    from tfsenti.inference.model_folder import model_folder, saved_class_names

    if args.max_drop < 0:
        raise TfsentiError(f"--max-drop must be at least 0 (got {args.max_drop})")
    if not args.check_data:
        return None
    return load_dataset(args.check_data, getattr(args, "text_column", None),
                        getattr(args, "label_column", None),
                        saved_class_names(model_folder(args.model)),
                        getattr(args, "delimiter", None), encoding=getattr(args, "encoding", None),
                        label_names=table_label_names(args))


def print_check(check: dict, exported: str) -> None:
    print(f"accuracy on {check['data']} ({check['texts']} texts): model "
          f"{check['accuracy_model']:.4f}, {exported} {check['accuracy_export']:.4f} "
          f"(drop {check['drop_points']:.2f} points; allowed {check['max_drop_points']})")


def run_export_bfloat16(args: argparse.Namespace) -> Path:
    from tfsenti.inference.bfloat16 import export_bfloat16

    if not args.out:
        raise TfsentiError("export --precision bfloat16 needs --out FOLDER (the bfloat16 model "
                           "folder to write)")
    out = export_bfloat16(args.model, args.out, args.overwrite, export_check_data(args),
                          args.max_drop, progress=not args.quiet)
    print(f"bfloat16 model folder: {out}")
    info = json.loads((out / "config.json").read_text())
    if "check" in info:
        print_check(info["check"], out.name)
    return out


def run_export_tflite(args: argparse.Namespace) -> None:
    from tfsenti.inference.tflite import export_tflite, sidecar

    if not args.out:
        raise TfsentiError("export --format tflite needs --out FILE.tflite")
    if args.serving_dir or args.check_serving:
        raise TfsentiError("--serving-dir and --check-serving are for --format savedmodel")
    if args.precision != "float32":
        raise TfsentiError("--precision is for --format savedmodel (TFLite: --quantize)")
    out = export_tflite(args.model, args.out, args.quantize, args.overwrite,
                        export_check_data(args), args.max_drop, progress=not args.quiet)
    info = json.loads(sidecar(out).read_text())
    print(f"TFLite model: {out} ({out.stat().st_size / 2**20:.1f} MiB, weights "
          f"{args.quantize}); class names in {sidecar(out)}")
    if "check" in info:
        print_check(info["check"], out.name)
