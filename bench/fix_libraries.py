#!/usr/bin/env python3
"""Issue 16's fix bench over a whole library: `check --fix` its source, then build its models
from the fixed copy and measure every layer a fix touched.

    .venv/bin/python bench/fix_libraries.py transformers --json tests/data/fix_bench_transformers.json
    .venv/bin/python bench/fix_libraries.py timm --json tests/data/fix_bench_timm.json
    .venv/bin/python bench/fix_libraries.py torchvision --json tests/data/fix_bench_torchvision.json
    (--models a,b: only those; --workdir DIR keeps the fixed copy, --reuse runs step 3 again on it)

Each library runs in a venv of its own under /work/venvs (made once; CI installs none of them):

    python3 -m venv /work/venvs/fixbench-transformers
    /work/venvs/fixbench-transformers/bin/pip install torch==2.13.0 transformers==5.23.0
    python3 -m venv /work/venvs/fixbench-timm      # timm and torchvision: torchvision's PyPI wheels
    /work/venvs/fixbench-timm/bin/pip install torch==2.14.1 torchvision==0.29.1 timm==1.0.31 \
        pyyaml huggingface_hub safetensors         # are CUDA builds, tied to the torch they were built with

1. Copy the package out of its pinned wheel (bench/.corpus, `pip download --no-deps` once).
   `inspect` it (each layer's activation, as the program stage reads the whole package), then
   `check --fix` it as the CLI does (default rules and options, the package one program).
2. The manifest: the lines of the fixed files where each inserted init call sits, and the std
   it must give (catalogue.recommend for the layer's activation: gain / sqrt(fan)).
3. In the library's venv (`--worker JOB`: imports torch, the library from the fixed copy, which
   goes first on sys.path, and initlint's runtime tracer; not libcst): torch.nn.init's functions
   note every call made from a manifest line. Each model is built (seeded, one thread), run
   forward once and traced (`initlint.runtime.trace.graph_from_run`). Per tensor a fix touched:
   its std right after the call and once the model is built, against the target; `dead` when
   the call was at target but the built model's tensor is not (overwritten later by
   `_init_weights`, `post_init`, `named_apply`... or not in the model at all); the layer's traced
   activation (the gain it calls for must be the fix's); `head` when the layer's output reaches
   the model output through activations and transparent ops only.
   transformers' `modular_*.py` files are templates the library does not import: their fixed
   classes are put in place of the generated copies in `modeling_*.py` (`_modular_in_place`).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Optional

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
from fix_torchvision import KURTOSIS, SIGMAS, wheel  # noqa: E402

VENVS = Path(os.environ.get("INITLINT_BENCH_VENVS", "/work/venvs"))
VERSIONS = {"transformers": "5.23.0", "timm": "1.0.31", "torchvision": "0.29.1"}
# torchvision and timm share one venv: torchvision's wheels on PyPI are CUDA builds, whose
# extension needs the torch they were built with (2.14.1), not the project's CPU torch.
VENV_OF = {"transformers": "fixbench-transformers", "timm": "fixbench-timm", "torchvision": "fixbench-timm"}


# --------------------------------------------------------------------------------------
# Step 1-2: fix (runs in initlint's venv)


def extract_package(whl: Path, package: str, into: Path) -> Path:
    """The package's folder of the wheel, every file, under `into`."""
    with zipfile.ZipFile(whl) as archive:
        for name in archive.namelist():
            if name.startswith(package + "/") and not name.endswith("/"):
                target = into / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(archive.read(name))
    return into / package


def fix_package(folder: Path, jobs: int) -> dict:
    """`inspect`, then `check --fix`, over the package; the figures and the manifest."""
    from initlint import api, catalogue, fixer
    from initlint.fixer import FixOptions

    rows = {}
    for result in api.inspect(api.Run(paths=[str(folder)], isolated=True, use_cache=False, jobs=jobs)):
        for row in result.rows:
            rows[(row["path"], row["line"], row["column"])] = row
    before = {path: Path(path).read_text(encoding="utf-8") for path in {key[0] for key in rows}}
    options = FixOptions()
    static = {"files": 0, "files_fixed": [], "layers": len(rows), "findings": 0, "findings_by_code": {},
              "findings_known_activation": 0, "safe_fixes": 0, "errors": [], "unfixable": {}}  # fmt: skip
    manifest = []
    run = api.Run(paths=[str(folder)], fix=True, isolated=True, use_cache=False, jobs=jobs)
    for result in api.check(run):
        static["files"] += 1
        if result.error is not None:
            static["errors"].append(f"{_rel(result.path, folder)}: {result.error.message}")
        for finding in [*result.findings, *result.fixed]:
            static["findings"] += 1
            static["findings_by_code"][finding.code] = static["findings_by_code"].get(finding.code, 0) + 1
            row = rows.get((finding.path, finding.line, finding.column))
            if row is not None and row["activation"] != "unknown":
                static["findings_known_activation"] += 1
            if finding.fix is None and finding.no_fix:
                static["unfixable"][finding.no_fix] = static["unfixable"].get(finding.no_fix, 0) + 1
        if not result.fixed:
            continue
        static["files_fixed"].append(_rel(result.path, folder))
        static["safe_fixes"] += len(result.fixed)
        new = Path(result.path).read_text(encoding="utf-8")
        compile(new, result.path, "exec", dont_inherit=True)  # a fixed file that does not compile stops the bench
        manifest += _sites(result.path, before[result.path], result.fixed, rows, folder, catalogue, fixer, options)
    static["files_fixed"].sort()
    return {"static": static, "manifest": manifest}


def _rel(path: str, folder: Path) -> str:
    return Path(path).relative_to(folder.parent).as_posix()


def _sites(path: str, old_text: str, fixed: list, rows: dict, folder: Path, catalogue, fixer, options) -> list[dict]:
    """One row per fixed finding: the lines of the fixed file its inserted statements sit on
    (edits go in as the fixer orders them; each moves what follows by the lines it adds)."""
    def key(edit) -> tuple:
        return (edit.line, edit.column, edit.end_line, edit.end_column, edit.content.replace("\r\n", "\n"))

    new_lines: dict[tuple, list[int]] = {}
    shift = 0
    for edit in fixer._collect_edits(old_text, fixed):
        count = len(fixer.split_lines(edit.content))
        new_lines[key(edit)] = [edit.line + shift + i for i in range(count)]
        shift += edit.content.count("\n") - (edit.end_line - edit.line)
    out = []
    for finding in fixed:
        row = rows[(finding.path, finding.line, finding.column)]
        rec = catalogue.recommend(row["activation"], row["activation_param"])
        lines = [n for e in finding.fix.edits if not fixer._is_import_edit(e) for n in new_lines[key(e)]]
        out.append(
            {
                "file": _rel(path, folder),
                "lines": lines,
                "finding": f"{_rel(path, folder)}:{finding.line} {finding.code}",
                "class": finding.class_name,
                "layer": finding.layer,
                "activation": row["activation"],
                "param": row["activation_param"],
                "gain": rec.gain,
                "distribution": "normal" if rec.always_normal or rec.extra_scale is not None else options.distribution,
                "mode": options.mode,
            }
        )
    return out


# --------------------------------------------------------------------------------------
# Step 3: build, trace and measure (runs in the library's venv)

DECODER = dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
               num_key_value_heads=2, vocab_size=256, max_position_embeddings=64)  # fmt: skip


def transformers_models() -> dict:
    """name -> (folder under transformers/models, model class, config overrides, inputs): the
    25 models of the runtime table, and models of the files `--fix` changes."""
    from build_transformers_table import MODELS

    small_moe = dict(head_dim=16, moe_intermediate_size=32, shared_expert_intermediate_size=32, num_experts=4,
                     num_experts_per_tok=2)  # fmt: skip
    return {
        **MODELS,
        "doge": ("doge", "DogeForCausalLM", DECODER, "text"),
        "laguna": ("laguna", "LagunaForCausalLM", dict(DECODER, **small_moe), "text"),
        "lfm2": ("lfm2", "Lfm2ForCausalLM", DECODER, "text"),
        "qwen3_5": ("qwen3_5", "Qwen3_5ForCausalLM", dict(DECODER, head_dim=16,
                    layer_types=["linear_attention", "full_attention"]), "text"),  # fmt: skip
        "ultrabert": ("ultrabert", "UltrabertForMaskedLM", DECODER, "text"),
        "pp_ocrv6_tiny_rec": ("pp_ocrv6_tiny_rec", "PPOCRV6TinyRecForTextRecognition", {}, "image64"),
        "prompt_depth_anything": ("prompt_depth_anything", "PromptDepthAnythingForDepthEstimation", {}, "image64"),
    }


def timm_models() -> dict:
    """name -> input size: the 22 models of the runtime table, and models of the files `--fix` changes."""
    from build_timm_table import MODELS

    more = {"csatv2": 256, "convnextv2_atto": 224, "efficientvit_m0": 224, "fastvit_t8": 256, "mobilevitv2_050": 256,
            "lcnet_050": 224, "repvit_m1": 224, "hgnetv2_b0": 224, "tiny_vit_5m_224": 224, "vitamin_small_224": 224}  # fmt: skip
    return {**MODELS, **more}


def torchvision_models() -> dict:
    """name -> input shape: the 22 classifiers of the runtime table, a small member of every
    other family, and models of the sub-packages `--fix` changes (segmentation, video)."""
    from build_torchvision_table import MODELS

    image = (1, 3, 224, 224)
    more = ["mobilenet_v3_small", "shufflenet_v2_x0_5", "mnasnet0_5", "efficientnet_b0", "efficientnet_v2_s",
            "regnet_x_400mf", "regnet_y_400mf", "convnext_tiny", "vit_b_32", "swin_t", "swin_v2_t", "maxvit_t",
            "fcn_resnet50", "deeplabv3_mobilenet_v3_large", "lraspp_mobilenet_v3_large"]  # fmt: skip
    video = {name: (1, 3, 8, 112, 112) for name in ("r3d_18", "mc3_18", "r2plus1d_18")}
    # detection models take a list of images; optical flow two frames
    other = {"s3d": (1, 3, 16, 224, 224), "inception_v3": (1, 3, 299, 299), "raft_small": ("frames", 1, 3, 128, 128),
             "fasterrcnn_mobilenet_v3_large_320_fpn": ("images", 3, 320, 320), "ssd300_vgg16": ("images", 3, 300, 300)}  # fmt: skip
    return {**{name: image for name in [*MODELS, *more]}, **video, **other}


def worker(job_path: str, only: list[str]) -> dict:
    import importlib

    import torch

    torch.set_num_threads(1)
    job = json.loads(Path(job_path).read_text())
    library, fixed_root = job["library"], job["fixed_root"]
    sites = {}
    for row in job["manifest"]:
        for line in row["lines"]:
            sites[(os.path.join(fixed_root, row["file"]), line)] = row
    calls: list = []  # [site, tensor, std right after the call]

    def recording(original):
        def wrapper(tensor, *args, **kwargs):
            out = original(tensor, *args, **kwargs)
            frame = sys._getframe(1)
            for _ in range(4):  # transformers' guarded init functions sit between the fix and torch
                if frame is None:
                    break
                site = sites.get((frame.f_code.co_filename, frame.f_lineno))
                if site is not None:
                    calls.append([site, tensor, tensor.detach().double().std().item()])
                    break
                frame = frame.f_back
            return out

        return wrapper

    for name in dir(torch.nn.init):  # before the library keeps its own references to them
        if name.endswith("_") and not name.startswith("_"):
            setattr(torch.nn.init, name, recording(getattr(torch.nn.init, name)))
    package = importlib.import_module(library)
    assert package.__file__.startswith(fixed_root), f"{package.__file__}: the fixed copy is not the one loaded"
    specs = {"transformers": transformers_models, "timm": timm_models, "torchvision": torchvision_models}[library]()
    out = {"torch": torch.__version__.split("+")[0], library: package.__version__, "models": {}, "layers": []}
    out["modular"] = _modular_in_place(job["manifest"]) if library == "transformers" else {}
    hit = set()
    for name, spec in specs.items():
        if only and name not in only:
            continue
        started = time.time()
        calls.clear()
        row = {"build": False, "forward": False}
        try:
            torch.manual_seed(0)
            model, args, kwargs = _build(library, spec, name)
            row["build"] = True
            graph = _traced(model, args, kwargs)
            row["forward"] = True
            heads = _heads(graph)
            activations = graph.activations()
        except Exception as error:  # noqa: BLE001 - report, go on with the next model
            row["error"] = f"{type(error).__name__}: {error}"[:300]
            model = None
        if model is not None:
            names_of = {id(p): n for n, p in model.named_parameters()}
            for site, tensor, at_call in calls:
                hit.add(site["finding"])
                param = names_of.get(id(tensor))
                layer = param.rsplit(".", 1)[0] if param else None
                out["layers"].append(_measure(name, site, tensor, param, at_call, activations.get(layer), layer in heads))
        row["seconds"] = round(time.time() - started, 1)
        out["models"][name] = row
        del model
    out["fixes_never_run"] = sorted({row["finding"] for row in job["manifest"]} - hit)
    return out


def _modular_in_place(manifest: list[dict]) -> dict:
    """transformers' modular_X.py files are templates: utils/modular_model_converter.py copies
    their classes into modeling_X.py, which is what runs. Each fixed class of a modular file goes
    into its modeling twin in place of its generated copy, so that the model builds it as the
    generated code would. Class -> where it came from, or why it could not."""
    import importlib

    out = {}
    for row in manifest:
        *_, folder, base = row["file"].split("/")
        if not base.startswith("modular_") or row["class"] in out:
            continue
        try:
            modular = importlib.import_module(f"transformers.models.{folder}.modular_{folder}")
            modeling = importlib.import_module(f"transformers.models.{folder}.modeling_{folder}")
            setattr(modeling, row["class"], getattr(modular, row["class"]))
            out[row["class"]] = f"{row['file']} in place of modeling_{folder}.{row['class']}"
        except Exception as error:  # noqa: BLE001 - a template that does not import: its fixes do not run
            out[row["class"]] = f"not imported: {type(error).__name__}: {error}"[:200]
    return out


def _build(library: str, spec, name: str):
    """(model in eval mode, forward args, forward kwargs)."""
    import torch

    if library == "transformers":
        from build_transformers_table import inputs, model_class

        folder, class_name, overrides, kind = spec
        cls = model_class(folder, class_name)
        config = cls.config_class(**overrides)
        return cls(config).eval(), (), inputs(kind, config)
    if library == "torchvision":
        import torchvision

        with_backbone = torchvision.models.segmentation, torchvision.models.detection
        with_backbone = any(name in torchvision.models.list_models(module=module) for module in with_backbone)
        kwargs = {"weights_backbone": None} if with_backbone else {}  # nothing is downloaded
        model = torchvision.models.get_model(name, weights=None, **kwargs).eval()
        if spec[0] == "images":
            return model, ([torch.randn(*spec[1:])],), {}
        if spec[0] == "frames":
            return model, (torch.randn(*spec[1:]), torch.randn(*spec[1:])), {"num_flow_updates": 2}
        return model, (torch.randn(*spec),), {}
    import timm

    model = timm.create_model(name, pretrained=False).eval()
    return model, (torch.randn(1, 3, spec, spec),), {}


def _traced(model, args: tuple, kwargs: dict):
    import torch

    from initlint.runtime.trace import graph_from_run

    with torch.no_grad():
        return graph_from_run(model, args, kwargs)


def _heads(graph) -> set:
    """Layers whose output reaches the model output through activations and transparent ops only."""
    from initlint.runtime.trace import ACTIVATION, TRANSPARENT

    reaches: dict = {}
    for node in reversed(graph.nodes):
        reaches[node] = node.is_output or any(c.kind in (ACTIVATION, TRANSPARENT) and reaches[c] for c in node.consumers)
    return {name for name, nodes in graph.layer_calls.items() if any(reaches[n] for n in nodes)}


def _measure(model_name: str, site: dict, tensor, param: Optional[str], at_call: float, traced, head: bool) -> dict:
    import math

    import torch

    from initlint import catalogue

    fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(tensor)
    expected = site["gain"] / math.sqrt(fan_in if site["mode"] == "fan_in" else fan_out)
    tolerance = SIGMAS * math.sqrt((KURTOSIS[site["distribution"]] - 1.0) / (4.0 * tensor.numel()))
    std = tensor.detach().double().std().item()
    at_target_at_call = abs(at_call / expected - 1.0) <= tolerance
    at_target = param is not None and abs(std / expected - 1.0) <= tolerance
    traced_gain = None
    if traced is not None:
        rec = catalogue.recommend(traced[0], traced[1])
        traced_gain = rec.gain if rec is not None else None
    return {
        "model": model_name,
        "parameter": param,  # None: the tensor is not in the built model (re-created or dropped)
        "finding": site["finding"],
        "activation": site["activation"],
        "gain": site["gain"],
        "traced_activation": traced[0] if traced else None,
        "traced_gain": traced_gain,
        "numel": tensor.numel(),
        "fan": fan_in if site["mode"] == "fan_in" else fan_out,
        "expected": expected,
        "tolerance": tolerance,
        "std_at_call": at_call,
        "std": std,
        "at_target": at_target,
        "dead": at_target_at_call and not at_target,
        "head": head,
    }


# --------------------------------------------------------------------------------------


def summary(static: dict, runtime: Optional[dict]) -> dict:
    """The figures BENCHMARKS.md and tests/test_fix_bench.py read, from the rows."""
    out = {
        "files": static["files"],
        "files_fixed": len(static["files_fixed"]),
        "layers": static["layers"],
        "findings": static["findings"],
        "findings_known_activation": static["findings_known_activation"],
        "safe_fixes": static["safe_fixes"],
        "safe_fix_share": round(static["safe_fixes"] / max(1, static["findings_known_activation"]), 4),
    }
    if runtime is not None:
        models = runtime["models"].values()
        layers = runtime["layers"]
        out.update(
            models=len(models),
            models_built=sum(m["build"] for m in models),
            models_ran=sum(m["forward"] for m in models),
            fixes_run=len({row["finding"] for row in layers}),
            layers_measured=len(layers),
            layers_at_target=sum(row["at_target"] for row in layers),
            dead_layers=sum(row["dead"] for row in layers),
            dead_fixes=len({row["finding"] for row in layers if row["dead"]}),
            head_fixes=len({row["finding"] for row in layers if row["head"]}),
            wrong_gain=sum(row["traced_gain"] is not None and abs(row["traced_gain"] / row["gain"] - 1) > 1e-9 for row in layers),
        )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("library", choices=sorted(VERSIONS))
    parser.add_argument("--venv", help="the library's venv (default /work/venvs/fixbench-LIBRARY)")
    parser.add_argument("--models", default="", help="comma-separated model names (default: all)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--json", help="write the figures here as JSON")
    parser.add_argument("--workdir", help="keep the fixed copy here (default: a temporary folder)")
    parser.add_argument("--reuse", action="store_true", help="with --workdir: reuse its fixed copy (runtime step only)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    only = [m for m in args.models.split(",") if m]
    if args.worker:
        print(json.dumps(worker(args.worker, only)))
        return 0
    sys.path.insert(0, str(REPO))
    library, version = args.library, VERSIONS[args.library]
    python = Path(args.venv or VENVS / VENV_OF[library]) / "bin" / "python"
    with tempfile.TemporaryDirectory(prefix=f"initlint-fix-{library}-") as temp:
        temp = args.workdir or temp
        saved = Path(temp) / "static.json"
        if args.reuse and saved.exists():  # the fixed copy of an earlier run with --workdir
            fixed = json.loads(saved.read_text())
        else:
            started = time.time()
            fixed = fix_package(extract_package(wheel(library, version), library, Path(temp)), args.jobs)
            fixed["seconds"] = round(time.time() - started)
            saved.write_text(json.dumps(fixed))
        static = fixed["static"]
        print(f"{library} {version}: {static['files']} files, {static['layers']} layers, {static['findings']} findings "
              f"({static['findings_known_activation']} with a known activation), {static['safe_fixes']} safe fixes in "
              f"{len(static['files_fixed'])} files ({fixed['seconds']} s)")  # fmt: skip
        for line in static["errors"]:
            print(f"  ERROR {line}")
        runtime = None
        if not python.exists():
            print(f"runtime step skipped: no venv at {python.parent.parent}")
        else:
            job = Path(temp) / "job.json"
            job.write_text(json.dumps({"library": library, "fixed_root": temp, "manifest": fixed["manifest"]}))
            env = dict(os.environ, PYTHONPATH=os.pathsep.join([temp, str(REPO), str(HERE)]), OMP_NUM_THREADS="1")
            run = subprocess.run([str(python), __file__, library, "--worker", str(job), "--models", ",".join(only)],
                                 capture_output=True, text=True, env=env, cwd=temp)  # fmt: skip
            if run.returncode != 0:
                print(run.stderr[-3000:])
                return 1
            runtime = json.loads(run.stdout.strip().splitlines()[-1])
            _print_runtime(runtime)
    figures = summary(static, runtime)
    print(json.dumps(figures, indent=1))
    if args.json:
        data = {"library": library, "version": version, "summary": figures, "static": static,
                "fixes": fixed["manifest"], "runtime": runtime}  # fmt: skip
        Path(args.json).write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    ok = not static["errors"] and runtime is not None
    if runtime is not None:
        ok = ok and figures["models_ran"] == figures["models"] and figures["dead_fixes"] == 0 and figures["head_fixes"] == 0
        ok = ok and figures["layers_at_target"] == figures["layers_measured"] and figures["wrong_gain"] == 0
    return 0 if ok else 1


def _print_runtime(runtime: dict) -> None:
    for name, row in runtime["models"].items():
        if not (row["build"] and row["forward"]):
            print(f"  FAILED {name}: {row.get('error')}")
    for row in runtime["layers"]:
        flags = [flag for flag in ("dead", "head") if row[flag]]
        if not row["at_target"]:
            flags.append("off target")
        if row["traced_gain"] is not None and abs(row["traced_gain"] / row["gain"] - 1) > 1e-9:
            flags.append(f"traced {row['traced_activation']}")
        if flags:
            print(f"  {' '.join(flags).upper()}: {row['model']} {row['parameter']} ({row['finding']}, {row['activation']}): "
                  f"std {row['std_at_call']:.5f} at the call, {row['std']:.5f} built, expected {row['expected']:.5f}")  # fmt: skip
    if runtime["fixes_never_run"]:
        print(f"  fixes no model ran: {len(runtime['fixes_never_run'])}")


if __name__ == "__main__":
    sys.exit(main())
