"""Cells and their stored results: what decides whether a result is reused.

A cell is one training run: a frozen config (model, data, optimisation,
seed, scale) whose stable hash names its result file
``results/<scale>/<paper>/<hash>.json``, written atomically (temp file +
rename). Every result records, besides the config:

- ``code``: the fingerprint of the sources that can change a result
  (``code_fingerprint``: training, data, augmentation, probes and
  measurements, models and inits, and how a cell is built and run; the
  paper modules are not in it: what they decide is in the cell config);
- ``run``: the dtype the cell actually ran under (``bf16-autocast`` or
  ``fp32``, reproduce.train.amp_enabled; a measurement job's own, e.g.
  fp64, which AMP does not change) and the device type (cpu, cuda).

``lookup`` says what a stored record is for a request: ``current`` (same
config, run and code: reused), ``stale`` (same config and run, other code:
reused only where the caller's policy allows, always shown as stale),
``other-run`` (another dtype or device type: another request, never
reused), ``corrupt`` (unreadable: reported), ``other-config`` or
``missing``.
"""
from __future__ import annotations

import ast
import dataclasses
import functools
import glob
import hashlib
import json
import os
import subprocess
from dataclasses import dataclass

import torch

from .atomic import atomic_write
from .data import DataSpec
from .train import RunOptions, TrainSpec, amp_enabled

SCALES = ("smoke", "fast", "paper")
RESULTS_DIR = os.environ.get("REPRO_RESULTS", "results")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The sources whose code can change a result (relative to the repository root). Paper modules are not here:
# what they decide about a cell is in its config, which names its file.
FINGERPRINT_SOURCES = ("models/*.py", "models/*.cpp", "reproduce/train.py", "reproduce/data.py",
                       "reproduce/augment.py", "reproduce/probes.py", "reproduce/measure.py",
                       "reproduce/folder_data.py", "reproduce/cell_run.py", "reproduce/checkpoint.py",
                       "reproduce/norm_profile.py")
BEFORE_FINGERPRINTS = "code before fingerprints"


@dataclass(frozen=True)
class Cell:
    """One network of a table: trained (job "train"), or built, initialised
    and measured by another job of reproduce.measure.JOBS (e.g. weight std at
    initialization). `label` is for humans and is not hashed: two tables that
    need the same run share its result.

    `model` holds models.build_model's arguments plus the initialization:
    "init" (a scheme of models.init), "init_gain" (a factor on it),
    "init_batch" (batch size for a data-driven init such as LSUV; default the
    training batch size) and, for the ConvInit schemes, "init_k", "init_fc_k",
    "init_fc_std" (models.init.convinit_)."""
    paper: str
    label: str
    model: tuple  # sorted (key, value) pairs for models.build_model
    data: DataSpec
    train: TrainSpec
    seed: int
    scale: str
    job: str = "train"

    @staticmethod
    def make(paper: str, label: str, model: dict, data: DataSpec, train: TrainSpec, seed: int, scale: str,
             job: str = "train") -> "Cell":
        if scale not in SCALES:
            raise ValueError(f"unknown scale {scale!r}")
        return Cell(paper, label, tuple(sorted(model.items())), data, train, seed, scale, job)

    @property
    def model_kwargs(self) -> dict:
        return dict(self.model)

    def config(self) -> dict:
        """What the hash covers. Fields of the data and train specs that hold
        their default value are left out, so adding a new field with a default
        keeps existing results valid (changing a default changes the code
        fingerprint of reproduce/train.py or data.py)."""
        config = {"paper": self.paper, "model": self.model_kwargs, "data": non_default(self.data),
                  "train": non_default(self.train), "seed": self.seed, "scale": self.scale}
        if self.job != "train":
            config["job"] = self.job
        return config

    @property
    def hash(self) -> str:
        blob = json.dumps(self.config(), sort_keys=True, default=list)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def result_path(self, root: str | None = None) -> str:
        return os.path.join(root or RESULTS_DIR, self.scale, self.paper, f"{self.hash}.json")


def non_default(spec) -> dict:
    return {f.name: getattr(spec, f.name) for f in dataclasses.fields(spec)
            if f.default is dataclasses.MISSING or getattr(spec, f.name) != f.default}


def write_json_atomic(path: str, obj) -> None:
    """Write `obj` as JSON to `path` so that readers see the old file or the
    whole new one, never a partial one."""
    atomic_write(path, lambda fh: json.dump(obj, fh, indent=1, sort_keys=True, default=str))


# ---------------------------------------------------------------- which code, which run


def _normal_form(path: str) -> str:
    """A source file's code without its comments and docstrings (Python: the parsed module, docstrings
    dropped, unparsed; other files: as they are), so that editing a comment does not change the fingerprint."""
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    if not path.endswith(".py"):
        return text
    tree = ast.parse(text)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and body
                and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)):
            node.body = body[1:] or [ast.Pass()]
    return ast.unparse(tree)


@functools.lru_cache(maxsize=None)
def code_fingerprint(root: str = ROOT) -> str:
    """16 hex digits of a hash over FINGERPRINT_SOURCES (paths and code, comments and docstrings left out).
    Read once per process: the code it runs is that one, even if the tree changes during a long run."""
    h = hashlib.sha256()
    for pattern in FINGERPRINT_SOURCES:
        for path in sorted(glob.glob(os.path.join(root, pattern))):
            h.update(os.path.relpath(path, root).encode() + b"\0" + _normal_form(path).encode() + b"\0")
    return h.hexdigest()[:16]


def run_key(opts: RunOptions) -> dict:
    """What a request runs under, beyond the cell config: the dtype (bf16 autocast where amp_enabled, else fp32,
    as reproduce.train records it) and the device type."""
    device = torch.device(opts.device)
    return {"dtype": "bf16-autocast" if amp_enabled(device, opts) else "fp32", "device_type": device.type}


def record_run(rec: dict) -> dict:
    """The run key of a stored record; for records older than the key, read off its result."""
    if rec.get("run"):
        return rec["run"]
    result = rec.get("result") or {}
    device = str(result.get("device") or "")
    return {"dtype": result.get("dtype"), "device_type": ("cpu" if device.endswith("threads)") or device == "cpu"
                                                          else "cuda" if device else None)}


def record_code(rec: dict) -> str:
    """Which code trained a stored record: its fingerprint, or BEFORE_FINGERPRINTS (code_version and commit)."""
    if rec.get("code"):
        return rec["code"]
    return f"{BEFORE_FINGERPRINTS} (code_version {rec.get('code_version', '?')}, commit {rec.get('commit', '?')})"


@functools.lru_cache(maxsize=None)
def git_commit() -> str:
    """Short commit of the working tree (+ "-dirty" when tracked files other than the outputs under tables/,
    figures/ and results/ differ from it), or $REPRO_COMMIT where
    there is no git checkout (e.g. a copy of the tree on a GPU machine).
    Read once, when the process first asks: the code it runs is that one,
    even if the tree changes while a long run goes on. Asked of the checkout
    this code lives in (ROOT), whatever the working directory: a run started
    from another folder records the same commit."""
    if os.environ.get("REPRO_COMMIT"):
        return os.environ["REPRO_COMMIT"]
    try:
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT,
                             timeout=5).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".", *OUTPUT_PATHS],
                               capture_output=True, text=True, cwd=ROOT, timeout=5).stdout.strip()
        return (sha + ("-dirty" if dirty else "")) or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


OUTPUT_PATHS = (":!tables", ":!figures", ":!results")  # outputs: changing them does not make the code dirty


# ---------------------------------------------------------------- the cache


@dataclass
class CacheEntry:
    """What the stored record of a cell is for a request (see the module docstring)."""
    status: str  # current | stale | other-run | corrupt | other-config | missing
    record: dict | None = None
    reason: str = ""


def lookup(cell: Cell, root: str | None = None, run: dict | None = None) -> CacheEntry:
    """The stored record of `cell` judged for a request run under `run` (run_key; default: the default
    options on the default device)."""
    path = cell.result_path(root)
    try:
        with open(path) as fh:
            rec = json.load(fh)
    except FileNotFoundError:
        return CacheEntry("missing")
    except (OSError, ValueError) as e:
        return CacheEntry("corrupt", reason=f"{path} is unreadable ({type(e).__name__}: {e})")
    if not isinstance(rec, dict) or not isinstance(rec.get("result"), dict) or "config" not in rec:
        return CacheEntry("corrupt", reason=f"{path} is not a result record")
    if json.loads(json.dumps(cell.config(), default=list)) != rec.get("config"):
        return CacheEntry("other-config", reason=f"{path} holds another config")
    want = dict(run or run_key(RunOptions(default_device())))
    if cell.job != "train":  # a measurement job fixes its own dtype (fp32 / fp64, reproduce.measure): AMP is moot
        want.pop("dtype")
    have = record_run(rec)
    if any(have.get(k) is not None and have.get(k) != v for k, v in want.items()):
        return CacheEntry("other-run", rec, f"{cell.label}: stored run is {have.get('dtype')} on "
                                            f"{have.get('device_type')}, this request {want.get('dtype', 'its own dtype')} on "
                                            f"{want['device_type']}")
    if rec.get("code") != code_fingerprint():
        return CacheEntry("stale", rec, f"{cell.label}: trained by {record_code(rec)}, current code "
                                        f"{code_fingerprint()}")
    return CacheEntry("current", rec)


def load_cached(cell: Cell, root: str | None = None, run: dict | None = None) -> dict | None:
    """The stored record of `cell` if it is current for a request run under `run` (lookup), else None."""
    entry = lookup(cell, root, run)
    return entry.record if entry.status == "current" else None


def default_device() -> str:
    return os.environ.get("DEVICE") or ("cuda" if torch.cuda.is_available() else "cpu")
