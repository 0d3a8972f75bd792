"""Generate docs/api-coverage.md: numtorch's names against the installed PyTorch's.

Usage::

    python tools/api_coverage.py           # (re)write docs/api-coverage.md
    python tools/api_coverage.py --check   # exit 1 if the page on disk is stale
    python tools/api_coverage.py --stdout  # print the page instead of writing it

For each namespace below, the universe is the public names (no leading ``_``) that PyTorch's
object exposes, minus submodules and minus names PyTorch merely re-exports from the standard
library or ``typing``. Each name is then *out of scope* (first matching rule of ``RULES``, with
its reason), or in scope; an in-scope name counts as *has* when the corresponding numtorch object
has an attribute of that name (for ``torch.Tensor``: the class, or an instance's ``__dict__``;
nothing is evaluated). Whether the attribute behaves like PyTorch's is the parity tests' job,
not this page's.

The script imports both libraries and nothing else of the project, so it can run from the
repository root with ``numtorch`` importable (the tests call :func:`render` in-process).
"""

from __future__ import annotations

import argparse
import difflib
import inspect
import re
import sys
import types
import warnings
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "api-coverage.md"

# Namespaces: (title, dotted torch path, dotted numtorch path, what is counted).
NAMESPACES = [
    ("torch", "torch", "numtorch", "functions, classes, dtypes and constants of `torch.*`"),
    ("torch.Tensor", "torch.Tensor", "numtorch.Tensor", "methods and attributes"),
    ("torch.nn", "torch.nn", "numtorch.nn", "modules and classes"),
    ("torch.nn.functional", "torch.nn.functional", "numtorch.nn.functional", "functions"),
    ("torch.optim", "torch.optim", "numtorch.optim", "optimizers"),
    (
        "torch.optim.lr_scheduler",
        "torch.optim.lr_scheduler",
        "numtorch.optim.lr_scheduler",
        "schedulers",
    ),
    ("torch.autograd", "torch.autograd", "numtorch.autograd", "functions and classes"),
    ("torch.utils.data", "torch.utils.data", "numtorch.utils.data", "datasets, samplers, loader"),
    (
        "torch.distributed",
        "torch.distributed",
        "numtorch.distributed",
        "process groups, collectives, point-to-point",
    ),
    ("torch.nn.parallel", "torch.nn.parallel", "numtorch.nn.parallel", "data-parallel wrappers"),
]

# Reasons, referenced by the rules.
COMPLEX = "complex numbers (numtorch is real-valued)"
SPARSE = "sparse and nested layouts (numtorch tensors are dense NumPy arrays)"
QUANT = "quantization (int8/observer kernels)"
LOWP = "exotic low-precision dtypes (float8, sub-byte ints) with no NumPy dtype"
DEVICE = (
    "accelerator or vendor backends (CUDA/cuDNN/MIOpen/oneDNN/MPS/XPU...); numtorch is CPU-only"
)
DIST = "distributed tensors (DTensor)"
DIST_BACKENDS = "C++ process-group option structs and other backends (numtorch runs on MPI)"
DIST_STORES = "rendezvous stores (numtorch's ranks meet through mpiexec)"
DIST_MESH = "device meshes and group surgery for tensor/pipeline parallelism"
DIST_INTERNALS = "c10d/DDP internals, debug plumbing, type aliases and deprecated names"
AMP = "mixed precision's per-device autocast state (numtorch's autocast is always off)"
JIT = "TorchScript / JIT / compiler and dispatcher internals"
SYM = "symbolic shapes and control-flow ops for torch.compile/export"
FUNC = "function transforms (torch.func) and the __torch_function__ override protocol"
VIEWCOPY = "functionalization `*_copy` view variants (exported for compilers)"
KERNEL = "backend kernel entry points behind the public ops (batch-norm pieces, native_*)"
STORAGE = "Storage objects (numtorch tensors own NumPy arrays, no separate storage)"
REMOVED = "removed from PyTorch (calling it raises) or deprecated alias"
PROFILER = "profiler / autograd-engine internals"
PIPES = "DataPipes (deprecated upstream, removed from torchdata)"
BUILD = "build / environment flags and helpers"
LOWPGEMM = "float8 / grouped GEMM kernels for accelerators"
HELPER = "internal helper, type alias or docstring fragment"


@dataclass(frozen=True)
class Rule:
    """Out of scope when ``pattern`` (re.fullmatch) matches a name in one of ``namespaces``."""

    pattern: str
    reason: str
    namespaces: tuple[str, ...] = ()  # empty: every namespace

    def matches(self, namespace: str, name: str) -> bool:
        if self.namespaces and namespace not in self.namespaces:
            return False
        return re.fullmatch(self.pattern, name) is not None


def _names(*names: str) -> str:
    return "|".join(re.escape(n) for n in names)


# First match wins; keep these few and explain each.
RULES = [
    # --- whole feature areas numtorch does not model ---
    Rule(
        r".*(complex|conj|polar).*|view_as_real.*|cdouble|cfloat|chalf|imag|is_neg|resolve_neg",
        COMPLEX,
    ),
    Rule(r"stft|istft", COMPLEX),
    Rule(
        r".*(sparse|Sparse|coo|csr|csc|bsr|bsc|jagged|nested).*|.*(crow|col|row)_indices.*|"
        r"indices(_copy)?|values(_copy)?|to_dense|coalesce|is_coalesced|dense_dim|to_padded_tensor|"
        r"d?smm|hsmm|hspmm|s?saddmm|sspaddmm|spmm",
        SPARSE,
    ),
    Rule(
        r".*(quantiz|qint|quint|QInt|QUInt|qscheme|qparams|fbgemm|fake_quant).*|q_.*|"
        r"per_(tensor|channel)_.*|dequantize|int_repr",
        QUANT,
    ),
    Rule(r"float8_.*|float4_.*|bit|bits\d.*|u?int[1-7]", LOWP),
    # autocast itself (accepted and off), GradScaler, is_autocast_enabled and
    # get_autocast_dtype are numtorch's; the per-device setters and caches are not
    Rule(r"(?!autocast$|is_autocast_enabled$|get_autocast_dtype$).*autocast.*", AMP),
    Rule(
        r"(.*_)?(is_)?(cuda|cudnn|miopen|mkldnn|mps|xpu|mtia|ipu|xla|maia|vulkan|hip)(_.*)?|.*cuda.*|"
        r"pin_memory|is_pinned|record_stream|Stream|Event|get_device|get_device_module|is_meta|"
        r"AcceleratorError|OutOfMemoryError|set_flush_denormal",
        DEVICE,
    ),
    Rule(r"is_distributed", DIST),
    Rule(
        r".*Options|BackendConfig|get_backend_config|get_default_backend_for_device|"
        r"ProcessGroupGloo|supports_complex",
        DIST_BACKENDS,
        ("torch.distributed",),
    ),
    Rule(r".*Store|rendezvous|register_rendezvous_handler", DIST_STORES, ("torch.distributed",)),
    Rule(
        r"DeviceMesh|init_device_mesh|shrink_group|split_group", DIST_MESH, ("torch.distributed",)
    ),
    Rule(
        r"Reducer|GradBucket|BuiltinCommHookType|Logger|DebugLevel|(get|set)_debug_level.*|"
        r"record_comm|log|breakpoint|RankType|GroupName|reduce_op|all_(gather|reduce)_coalesced",
        DIST_INTERNALS,
        ("torch.distributed",),
    ),
    Rule(
        r"DistributedDataParallelCPU|data_parallel|gather|scatter|replicate|parallel_apply",
        DEVICE,
        ("torch.nn.parallel",),
    ),
    Rule(r"scaled_mm|scaled_grouped_mm|grouped_mm", LOWPGEMM),
    # --- compiler, dispatcher and engine internals exposed at torch.* ---
    Rule(
        r".*Type|Script.*|Sym(Int|Float|Bool)|LiteScriptModule|StaticModule|CompilationUnit|"
        r"JITException|Graph|GraphExecutorState|Block|Node|Value|Use|Code|Gradient|Argument|"
        r"ArgumentSpec|CompleteArgumentSpec|FunctionSchema|ConcreteModuleType.*|DeepCopyMemoTable|"
        r"ErrorReport|CallStack|TracingState|ExecutionPlan|FileCheck|IODescriptor|OperatorInfo|"
        r"Tag|DispatchKey.*|ExcludeDispatchKeyGuard|DisableTorchFunction.*|Capsule|Future|"
        r"ThroughputBenchmark|Benchmark.*|AggregationType|AVG|SUM|PRIVATE_OPS|LoggerBase|"
        r"NoopLogger|LockingLogger|PyTorchFileReader|PyTorchFileWriter|"
        r"(De)?[sS]erializationStorageContext|AliasDb|FatalError|ModuleDict|ParameterDict|BufferDict|fork|wait|"
        r"import_ir_module.*|parse_ir|parse_schema|parse_type_comment|merge_type_from_type_comment|"
        r"unify_type_list|classproperty|thread_safe_generator|get_file_path|"
        r"profiler_allow_cudagraph.*|prepare_multiprocessing_environment",
        JIT,
        ("torch",),
    ),
    Rule(r"sym_.*|cond|while_loop", SYM, ("torch",)),
    Rule(r"vmap|.*torch_function.*|is_tensor_like|boolean_dispatch", FUNC),
    Rule(
        _names(
            "alias_copy",
            "as_strided_copy",
            "detach_copy",
            "diagonal_copy",
            "expand_copy",
            "permute_copy",
            "select_copy",
            "slice_copy",
            "split_copy",
            "split_with_sizes_copy",
            "squeeze_copy",
            "t_copy",
            "transpose_copy",
            "unbind_copy",
            "unfold_copy",
            "unsqueeze_copy",
            "view_copy",
        ),
        VIEWCOPY,
    ),
    Rule(
        r"native_.*|batch_norm_(elemt|stats|gather_stats.*|update_stats|backward_.*)|"
        r"grid_sampler(_[23]d)?|affine_grid_generator|constant_pad_nd|conv_tbc|"
        r"empty_permuted|segment_reduce|hash_tensor",
        KERNEL,
        ("torch", "torch.Tensor", "torch.nn.functional"),
    ),
    Rule(
        r".*Storage|StorageBase|is_storage|from_file|storage|storage_type|untyped_storage|set_|"
        r"is_set_to",
        STORAGE,
    ),
    Rule(r"has_(lapack|mkl|openmp|spectral)|USE_.*|TYPE_CHECKING|compiled_with_cxx11_abi", BUILD),
    # --- removed / deprecated ---
    Rule(
        r"eig|lstsq|symeig|solve|matrix_rank|chain_matmul|set_default_tensor_type",
        REMOVED,
        ("torch",),
    ),
    Rule(r"eig|lstsq|symeig|solve|volatile|reinforce|resize", REMOVED, ("torch.Tensor",)),
    Rule(r"NLLLoss2d|Container", REMOVED, ("torch.nn",)),
    Rule(r"upsample|upsample_bilinear|upsample_nearest", REMOVED, ("torch.nn.functional",)),
    Rule(r"NestedIOFunction|variable", REMOVED, ("torch.autograd",)),
    Rule(r"EPOCH_DEPRECATION_WARNING", REMOVED, ("torch.optim.lr_scheduler",)),
    Rule(r"swap_in_optimizer_params_and_state", HELPER, ("torch.optim",)),
    # --- namespace-specific internals ---
    Rule(
        r"DeviceType|Profiler.*|kineto_available|SavedTensor|enforce_grad_layout_policy|"
        r"is_view_replay_enabled|(is|set)_multithreading_enabled",
        PROFILER,
        ("torch.autograd",),
    ),
    Rule(
        r".*DataPipe|DataChunk|functional_datapipe|guaranteed_datapipes_determinism|"
        r"non_deterministic|argument_validation|runtime_validation.*",
        PIPES,
        ("torch.utils.data",),
    ),
    Rule(
        r"BroadcastingList\d|GRID_SAMPLE_.*|.*_notes|DType|ScalingType|SwizzleType|"
        r"assert_int_or_pair",
        HELPER,
        ("torch.nn.functional",),
    ),
    Rule(r"factory_kwargs|LinearCrossEntropyOptions", HELPER, ("torch.nn",)),
]

# PyTorch re-exports these stdlib/typing names from its modules; they are not its API.
_FOREIGN_MODULES = (
    "typing",
    "collections",
    "bisect",
    "functools",
    "weakref",
    "math",
    "abc",
    "datetime",
)


@dataclass
class Coverage:
    title: str
    what: str
    has: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    out_of_scope: dict[str, list[str]] = field(default_factory=dict)  # reason -> names

    @property
    def in_scope(self) -> int:
        return len(self.has) + len(self.missing)

    def percent(self) -> str:
        return _percent(len(self.has), self.in_scope)


def _percent(n: int, d: int) -> str:
    return f"{100 * n / d:.0f}%" if d else "n/a"


def _resolve(dotted: str):
    import importlib

    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for p in parts[i:]:
            obj = getattr(obj, p)
        return obj
    raise ImportError(dotted)


def _foreign(obj) -> bool:
    """True for a stdlib/typing object PyTorch only imports into its namespace."""
    mod = getattr(obj, "__module__", None)
    if not isinstance(mod, str):
        return False
    return mod.split(".")[0] in _FOREIGN_MODULES or mod == "__future__"


def torch_names(torch_obj) -> list[str]:
    """The universe for one namespace: public, non-module, PyTorch's own names.

    A submodule that declares ``__all__`` (torch.optim, torch.autograd, torch.utils.data...)
    is taken at its word. Otherwise (``torch`` itself, whose ``__all__`` leaves out dtypes and
    constants; ``torch.nn``; ``torch.nn.functional``; ``torch.Tensor``) every public attribute
    counts, except submodules, stdlib/typing imports, and classes re-exported from elsewhere
    (``torch.nn.functional.Tensor``).
    """
    is_module = isinstance(torch_obj, types.ModuleType)
    if is_module and torch_obj.__name__ != "torch" and hasattr(torch_obj, "__all__"):
        return sorted(
            n
            for n in set(torch_obj.__all__)
            if not n.startswith("_")
            and not isinstance(getattr(torch_obj, n, None), types.ModuleType)
        )
    out = []
    for name in dir(torch_obj):
        if name.startswith("_"):
            continue  # private: never counted
        try:
            value = inspect.getattr_static(torch_obj, name)
        except AttributeError:
            value = getattr(torch_obj, name, None)
        if isinstance(value, types.ModuleType):
            continue
        if is_module and _foreign(value):
            continue
        if (
            is_module
            and torch_obj.__name__ != "torch"
            and inspect.isclass(value)
            and not value.__module__.startswith(torch_obj.__name__)
        ):
            continue
        out.append(name)
    return sorted(set(out))


def numtorch_has(nt_obj, name: str) -> bool:
    """The counting rule: the numtorch object has an attribute of that name (not evaluated)."""
    if isinstance(nt_obj, type):
        if any(name in vars(k) for k in inspect.getmro(nt_obj)):
            return True
        return name in _instance_attrs(nt_obj)
    return hasattr(nt_obj, name)


_INSTANCE_ATTRS: dict[type, frozenset] = {}


def _instance_attrs(cls: type) -> frozenset:
    """Attributes a plain numtorch tensor sets on itself in __init__ (e.g. requires_grad)."""
    if cls not in _INSTANCE_ATTRS:
        import numtorch

        attrs: frozenset = frozenset()
        if cls is numtorch.Tensor:
            t = numtorch.zeros(1)
            attrs = frozenset(getattr(t, "__dict__", {}))
            for k in type(t).__mro__:
                attrs |= frozenset(getattr(k, "__slots__", ()))
        _INSTANCE_ATTRS[cls] = attrs
    return _INSTANCE_ATTRS[cls]


def out_of_scope_reason(namespace: str, name: str) -> str | None:
    for rule in RULES:
        if rule.matches(namespace, name):
            return rule.reason
    return None


def compute() -> list[Coverage]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import torch  # noqa: F401

        import numtorch  # noqa: F401

        result = []
        for title, torch_path, nt_path, what in NAMESPACES:
            cov = Coverage(title, what)
            t_obj = _resolve(torch_path)
            try:
                n_obj = _resolve(nt_path)
            except (ImportError, AttributeError):
                n_obj = None
            for name in torch_names(t_obj):
                reason = out_of_scope_reason(title, name)
                if reason is not None:
                    cov.out_of_scope.setdefault(reason, []).append(name)
                elif n_obj is not None and numtorch_has(n_obj, name):
                    cov.has.append(name)
                else:
                    cov.missing.append(name)
            result.append(cov)
    return result


def _codes(names: list[str]) -> str:
    return ", ".join(f"`{n}`" for n in sorted(names)) if names else "none"


def render(coverage: list[Coverage] | None = None) -> str:
    import torch

    coverage = compute() if coverage is None else coverage
    has = sum(len(c.has) for c in coverage)
    scope = sum(c.in_scope for c in coverage)
    lines = [
        "# API coverage: numtorch against PyTorch",
        "",
        "<!-- Generated by tools/api_coverage.py; do not edit by hand. -->",
        "<!-- Regenerate with: python tools/api_coverage.py (tests/test_api_coverage.py checks it). -->",
        "",
        f"Compared with the installed PyTorch {torch.__version__.split('+')[0]}. "
        f"**numtorch has {has} of {scope} in-scope names ({_percent(has, scope)}).**",
        "",
        "How to read this page: for each namespace, the universe is PyTorch's public names "
        "(no leading `_`): the module's `__all__` where it declares one, else every attribute, "
        "leaving out submodules (`torch.fft`, `torch.linalg`, `torch.special`, ... are not "
        "counted here), standard-library/`typing` names PyTorch merely imports, and classes "
        "re-exported from another namespace. "
        "A name is *out of scope* when a rule in `tools/api_coverage.py` says so (the reason is "
        "given below); otherwise it is in scope, and numtorch *has* it when the corresponding "
        "numtorch object has an attribute of that name. Having a name is not a parity claim: "
        "behaviour is checked by the parity tests.",
        "",
        "| namespace | counted | in scope | numtorch has | % | out of scope |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for c in coverage:
        n_out = sum(len(v) for v in c.out_of_scope.values())
        lines.append(
            f"| [`{c.title}`](#{_anchor(c.title)}) | {c.what} | {c.in_scope} | {len(c.has)} | "
            f"{c.percent()} | {n_out} |"
        )
    lines.append(
        f"| **total** | | {scope} | {has} | {_percent(has, scope)} | "
        f"{sum(sum(len(v) for v in c.out_of_scope.values()) for c in coverage)} |"
    )
    for c in coverage:
        lines += [
            "",
            f"## {c.title}",
            "",
            f"In scope {c.in_scope}, numtorch has {len(c.has)} ({c.percent()}).",
            "",
            f"**Missing ({len(c.missing)}):** {_codes(c.missing)}",
            "",
        ]
        if c.out_of_scope:
            lines.append("**Out of scope:**")
            lines.append("")
            for reason in sorted(c.out_of_scope):
                names = c.out_of_scope[reason]
                lines.append(f"- *{reason}* ({len(names)}): {_codes(names)}")
            lines.append("")
        lines += [
            f"<details><summary>numtorch has ({len(c.has)})</summary>",
            "",
            _codes(c.has),
            "",
            "</details>",
        ]
    return "\n".join(lines) + "\n"


def _anchor(title: str) -> str:
    return re.sub(r"[^a-z0-9 -]", "", title.lower()).replace(" ", "-")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--check", action="store_true", help="exit 1 if the page is stale")
    group.add_argument("--stdout", action="store_true", help="print the page, write nothing")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    page = render()
    if args.stdout:
        sys.stdout.write(page)
        return 0
    if args.check:
        current = PAGE.read_text(encoding="utf-8") if PAGE.exists() else ""
        if current != page:
            sys.stdout.writelines(
                difflib.unified_diff(
                    current.splitlines(True), page.splitlines(True), str(PAGE), "regenerated"
                )
            )
            print(f"{PAGE.relative_to(ROOT)} is stale: run python tools/api_coverage.py")
            return 1
        print(f"{PAGE.relative_to(ROOT)} is current")
        return 0
    PAGE.write_text(page, encoding="utf-8")
    print(f"wrote {PAGE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
