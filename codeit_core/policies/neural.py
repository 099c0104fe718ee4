"""The learned policy (CodeIt, Butt et al. 2024): a small task encoder and a
grammar-constrained autoregressive decoder over DSL tokens, trained from scratch on the
CPU (or on a CUDA GPU when torch sees one).

Encoder. Each demonstration pair (input grid, output grid) becomes one vector from
  * a small CNN over the two grids stacked at the same origin (one-hot colours and an
    "inside the grid" mask for each: 22 channels), mean- and max-pooled, and
  * ~120 hand-computed features that relate to program structure: sizes and their ratios,
    whether one size divides the other, colour histograms and palettes, colours added or
    removed, the share of cells changed (same size), whether the output is the input
    under one of the eight rigid transforms, an upscale or a tiling of it, a cut-out of it,
    and mirror symmetries of both grids.
The pair vectors are combined over the (at most `max_pairs`) pairs by mean and max into
the task context.

Decoder. A GRU emits a program one token at a time. Tokens are: a primitive name (called
on a new line, or passed as a function argument), an integer literal (-30..30), a named
constant, True/False, a variable reference (``I``, or "the variable defined d lines
before this one"), and two line ends: EOL (another line follows) and EOP (this line is
``O`` and the program ends). Variables are named x1, x2, ... in order (the canonical
form), so targets need no tokens. Every step also sees which grammar slot it fills (a
function, argument k of type T, or a line end) and the line number.

Constraint. A small state machine follows the program being decoded (the static types of
the variables defined so far, the primitive of the current line and the argument being
filled) and masks every token that cannot continue a well-typed program: only primitives
whose every parameter can be filled from the variables so far or a literal, only
arguments a parameter ``accepts``, EOP only after a line returning a Grid (or Any), and on
the last allowed line only such primitives. Every sample therefore parses and
type-checks. The same masks restrict the softmax in training.

Learning. `pretrain` trains `epochs_pretrain` epochs on what the loop gives it: the seed
pool and the search-task experiences (on the 400 evaluation tasks 2,392 + 1,521; 8 epochs
took 88 s on 2 cores, 48 s on the seed pool alone). `pretrain_seconds` is only a safety cap for a
badly overloaded machine: when it cuts training short, the result depends on the load
(the stats say how many epochs ran). `learn` trains one
teacher-forced epoch on the priority-drawn experiences, each the relabeled task
(real inputs, realized outputs) with its program as the target. A random colour
permutation (fixing black) is applied, consistently, to the grids and the program's colour
arguments (named colours, and integer literals in Colour parameters), with probability
`augment`, to programs with no integer literal in a parameter that is neither Colour nor
Integer (there it might be a colour). It is not re-executed: a primitive that depends on
colour order can make an augmented example slightly wrong.
With ``learning=False`` the policy never changes after pretraining (the control). With
``init_checkpoint`` it starts from pretrained weights (``save_pretrained``; the project
ships one, made by ``python -m codeit_core pretrain``) and `pretrain` does nothing.

Device. On a CUDA GPU the forward passes of training and sampling run in mixed precision
(bfloat16 where the GPU has it, else float16 with gradient scaling) and batches are
`GPU_BATCH_FACTOR` times larger unless `batch_size` is set. On the CPU nothing of this
applies: the numbers are those of a CPU-only build. Checkpoints hold CPU tensors and load
on either device.

Options (RunConfig.policy_options): the fields of `NeuralOptions`, each with its doc.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import random
import re
import time
from collections import OrderedDict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from codeit_core.dsl import CONSTANTS, REGISTRY, DSLError, Const, PrimRef, Ref, canonical, \
    format_program, parse, remove_dead_lines
from codeit_core.dsl.types import TYPE_NAMES, accepts
from codeit_core.processes import release_freed_memory
from codeit_core.relabel import Experience
from codeit_core.runs import ConfigError, write_atomic
from codeit_core.tasks import Task

# --------------------------------------------------------------------------- tokens

PAD, BOS, EOL, EOP = "<pad>", "<bos>", "<eol>", "<eop>"
MAX_VARS = 40                      # the parser's line limit
INT_RANGE = range(-30, 31)
COLOUR_NAMES = tuple(n for n, c in CONSTANTS.items() if c.type == "Colour")
TUPLE_NAMES = tuple(n for n, c in CONSTANTS.items() if c.type == "IntegerTuple")
TYPE_ID = {t: i for i, t in enumerate(TYPE_NAMES)}
RETURNS_GRID = ("Grid", "Any")

# slot ids: 0 function, 1 line end, 2 + 4 * type + position for arguments
SLOT_FUNC, SLOT_END = 0, 1
N_SLOTS = 2 + 4 * len(TYPE_NAMES)


def arg_slot(param: str, position: int) -> int:
    return 2 + 4 * TYPE_ID[param] + min(position, 3)


class Vocab:
    """Token ids of the DSL: specials, primitives, literals, constants, references."""

    def __init__(self, prim_names: Sequence[str]) -> None:
        self.tokens: list[str] = [PAD, BOS, EOL, EOP]
        self.prims = list(prim_names)
        self.tokens += [f"P:{n}" for n in self.prims]
        self.tokens += [f"N:{v}" for v in INT_RANGE]
        self.tokens += [f"C:{n}" for n in CONSTANTS]
        self.tokens += ["B:True", "B:False", "R:I"]
        self.tokens += [f"R:-{d}" for d in range(1, MAX_VARS)]
        self.index = {t: i for i, t in enumerate(self.tokens)}
        self.prim_id = {n: self.index[f"P:{n}"] for n in self.prims}
        self.prim_of_id = {i: n for n, i in self.prim_id.items()}
        self.ref_i = self.index["R:I"]
        self.ref_back0 = self.index["R:-1"] - 1      # id of "d back" = ref_back0 + d

    def __len__(self) -> int:
        return len(self.tokens)


@dataclass
class DecodeState:
    """Where a program being decoded stands (the grammar's state)."""

    types: list            # static return type of each finished line
    lines: list            # finished lines: (primitive name, [argument texts])
    prim: str | None = None
    args: list | None = None
    phase: int = SLOT_FUNC  # SLOT_FUNC, SLOT_END, or 2 (inside the arguments)
    done: bool = False


class Grammar:
    """Masks of allowed tokens for every grammar state, cached by what they depend on."""

    def __init__(self, vocab: Vocab, max_lines: int) -> None:
        self.vocab = vocab
        self.max_lines = max_lines
        V = len(vocab)
        self.prims = [REGISTRY[n] for n in vocab.prims]
        # every mask built so far, one row each, in a buffer grown by doubling
        self._buf = torch.zeros(256, V, dtype=torch.bool)
        self._n = 0
        self._keys: dict[Any, int] = {}
        # literal tokens each parameter type accepts
        self.literal_mask: dict[str, torch.Tensor] = {}
        for t in TYPE_NAMES:
            m = torch.zeros(V, dtype=torch.bool)
            if accepts(t, "Integer"):
                for v in INT_RANGE:
                    m[vocab.index[f"N:{v}"]] = True
            for n, c in CONSTANTS.items():
                if accepts(t, c.type):
                    m[vocab.index[f"C:{n}"]] = True
            if accepts(t, "Boolean"):
                m[vocab.index["B:True"]] = m[vocab.index["B:False"]] = True
            if accepts(t, "Callable"):
                for i in vocab.prim_id.values():
                    m[i] = True
            self.literal_mask[t] = m
        self.literal_ok = {t: bool(self.literal_mask[t].any()) for t in TYPE_NAMES}
        self.grid_prims = torch.zeros(V, dtype=torch.bool)
        for p in self.prims:
            if p.returns in RETURNS_GRID:
                self.grid_prims[vocab.prim_id[p.name]] = True

    # masks ------------------------------------------------------------------

    def _row(self, key: Any, build) -> int:
        i = self._keys.get(key)
        if i is None:
            i = self._n
            if i == self._buf.shape[0]:
                self._buf = torch.cat([self._buf, torch.zeros_like(self._buf)])
            self._buf[i] = build()
            self._n += 1
            self._keys[key] = i
        return i

    def table(self) -> torch.Tensor:
        """All masks built so far: row i is the mask of row id i."""
        return self._buf[:self._n]

    def _func_mask(self, env: frozenset, last: bool) -> torch.Tensor:
        V = len(self.vocab)
        m = torch.zeros(V, dtype=torch.bool)
        fill: dict[str, bool] = {}
        for p in self.prims:
            if p.arity == 0:
                continue
            ok = True
            for t in p.params:
                f = fill.get(t)
                if f is None:
                    f = self.literal_ok[t] or any(accepts(t, e) for e in env)
                    fill[t] = f
                if not f:
                    ok = False
                    break
            if ok:
                m[self.vocab.prim_id[p.name]] = True
        if last:
            m &= self.grid_prims
        return m

    def _arg_mask(self, param: str, types: tuple) -> torch.Tensor:
        m = self.literal_mask[param].clone()
        if accepts(param, "Grid"):
            m[self.vocab.ref_i] = True
        n = len(types)
        for d in range(1, n + 1):
            if accepts(param, types[n - d]):
                m[self.vocab.ref_back0 + d] = True
        return m

    def _end_mask(self, returns: str, more: bool) -> torch.Tensor:
        m = torch.zeros(len(self.vocab), dtype=torch.bool)
        if more:
            m[self.vocab.index[EOL]] = True
        if returns in RETURNS_GRID:
            m[self.vocab.index[EOP]] = True
        return m

    def slot(self, s: DecodeState) -> tuple[int, int]:
        """(slot id, mask row) of the next token in state `s`."""
        line = len(s.lines)
        if s.phase == SLOT_FUNC:
            env = frozenset(s.types) | {"Grid"}
            last = line + 1 >= self.max_lines
            return SLOT_FUNC, self._row(("F", env, last), lambda: self._func_mask(env, last))
        if s.phase == SLOT_END:
            ret = REGISTRY[s.prim].returns
            more = line + 1 < self.max_lines
            key = ("E", ret in RETURNS_GRID, more)
            return SLOT_END, self._row(key, lambda: self._end_mask(ret, more))
        k = len(s.args)
        param = REGISTRY[s.prim].params[k]
        types = tuple(s.types)
        return arg_slot(param, k), self._row(("A", param, types),
                                             lambda: self._arg_mask(param, types))

    def start(self) -> DecodeState:
        return DecodeState(types=[], lines=[])

    def advance(self, s: DecodeState, tok: int) -> None:
        """Consume token id `tok` (assumed allowed) in place."""
        v = self.vocab
        if s.phase == SLOT_FUNC:
            s.prim = v.prim_of_id[tok]
            s.args = []
            s.phase = 2 if REGISTRY[s.prim].arity else SLOT_END
            return
        if s.phase == SLOT_END:
            s.types.append(REGISTRY[s.prim].returns)
            s.lines.append((s.prim, s.args))
            s.prim, s.args = None, None
            s.phase = SLOT_FUNC
            if tok == v.index[EOP]:
                s.done = True
            return
        name = v.tokens[tok]
        line = len(s.lines) + 1
        if name == "R:I":
            text = "I"
        elif name.startswith("R:-"):
            text = f"x{line - int(name[3:])}"
        elif name.startswith("P:"):
            text = name[2:]
        else:
            text = name[2:]
        s.args.append(text)
        if len(s.args) == REGISTRY[s.prim].arity:
            s.phase = SLOT_END

    @staticmethod
    def text(s: DecodeState) -> str:
        out = []
        n = len(s.lines)
        for i, (prim, args) in enumerate(s.lines, 1):
            target = "O" if i == n else f"x{i}"
            out.append(f"{target} = {prim}({', '.join(args)})\n")
        return "".join(out)

    # programs -> token sequences --------------------------------------------

    def encode(self, text: str, colour_map: Sequence[int] | None = None
               ) -> tuple[list[int], list[int], list[int]] | None:
        """(target tokens, slot ids, mask rows) of a program text, or None if it cannot be
        decoded under the grammar (too long, literal out of the vocabulary, ...)."""
        try:
            program = canonical(parse(text))
        except DSLError:
            return None
        if len(program.lines) > MAX_VARS:
            return None
        v = self.vocab
        names = {"I": None}
        tokens: list[int] = []
        slots: list[int] = []
        masks: list[int] = []
        s = self.start()
        saved_max = self.max_lines
        self.max_lines = max(self.max_lines, len(program.lines))
        try:
            n = len(program.lines)
            for k, line in enumerate(program.lines, 1):
                prim = REGISTRY.get(line.function)
                if prim is None or line.function not in v.prim_id:
                    return None
                want = [v.prim_id[line.function]]
                for a, param in zip(line.args, prim.params):
                    if isinstance(a, Ref):
                        if a.name == "I":
                            want.append(v.ref_i)
                        else:
                            j = names.get(a.name)
                            if j is None:
                                return None
                            want.append(v.ref_back0 + (k - j))
                    elif isinstance(a, PrimRef):
                        if a.name not in v.prim_id:
                            return None
                        want.append(v.prim_id[a.name])
                    elif isinstance(a, Const):
                        if a.text in ("True", "False"):
                            want.append(v.index[f"B:{a.text}"])
                        elif a.text in CONSTANTS:
                            name = a.text
                            if colour_map is not None and CONSTANTS[name].type == "Colour":
                                name = COLOUR_NAMES[colour_map[CONSTANTS[name].value]]
                            want.append(v.index[f"C:{name}"])
                        else:
                            value = a.value
                            if colour_map is not None and param == "Colour" and 0 <= value <= 9:
                                value = colour_map[value]
                            tok = v.index.get(f"N:{value}")
                            if tok is None:
                                return None
                            want.append(tok)
                    else:
                        return None
                want.append(v.index[EOP] if k == n else v.index[EOL])
                names[line.target] = k
                for tok in want:
                    slot, row = self.slot(s)
                    if not bool(self._buf[row, tok]):
                        return None
                    tokens.append(tok)
                    slots.append(slot)
                    masks.append(row)
                    self.advance(s, tok)
        finally:
            self.max_lines = saved_max
        return tokens, slots, masks


# --------------------------------------------------------------------------- features

N_FEATURES = 124


def _arr(grid) -> np.ndarray:
    return np.asarray(grid, dtype=np.int64)


def pair_features(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hand-computed features of one (input, output) pair that relate to program shape."""
    f = np.zeros(N_FEATURES, dtype=np.float32)
    ih, iw = a.shape
    oh, ow = b.shape
    f[0:4] = (ih / 30, iw / 30, oh / 30, ow / 30)
    f[4] = np.clip(math.log2(oh / ih) / 3, -1, 1)
    f[5] = np.clip(math.log2(ow / iw) / 3, -1, 1)
    f[6] = oh % ih == 0
    f[7] = ow % iw == 0
    f[8] = ih % oh == 0
    f[9] = iw % ow == 0
    same = a.shape == b.shape
    f[10] = same
    f[11] = oh * ow < ih * iw
    f[12] = oh * ow > ih * iw
    hi = np.bincount(a.ravel(), minlength=10)[:10]
    ho = np.bincount(b.ravel(), minlength=10)[:10]
    f[13:23] = hi / a.size
    f[23:33] = ho / b.size
    pi, po = hi > 0, ho > 0
    f[33:43] = pi
    f[43:53] = po
    f[53:63] = po & ~pi
    f[63:73] = pi & ~po
    f[73] = pi.sum() / 10
    f[74] = po.sum() / 10
    if same:
        diff = a != b
        f[75] = diff.mean()
        f[76] = (diff & (a == 0)).sum() / max(1, diff.sum())
        if diff.any():
            f[77:87] = np.bincount(b[diff], minlength=10)[:10] / diff.sum()
            f[87:97] = np.bincount(a[diff], minlength=10)[:10] / diff.sum()
        # a consistent cell-wise colour map?
        mapping = {}
        ok = True
        for x, y in zip(a.ravel().tolist(), b.ravel().tolist()):
            if mapping.setdefault(x, y) != y:
                ok = False
                break
        f[97] = ok
    f[98] = np.array_equal(a, b)
    transforms = (np.rot90(a, -1), np.rot90(a, 2), np.rot90(a, 1), a[::-1], a[:, ::-1], a.T,
                  np.rot90(a, 2).T)
    for k, t in enumerate(transforms):
        f[99 + k] = t.shape == b.shape and np.array_equal(t, b)
    if oh % ih == 0 and ow % iw == 0 and (oh > ih or ow > iw):
        fy, fx = oh // ih, ow // iw
        f[106] = np.array_equal(np.repeat(np.repeat(a, fy, 0), fx, 1), b)
        f[107] = np.array_equal(np.tile(a, (fy, fx)), b)
    if ih % oh == 0 and iw % ow == 0 and (oh < ih or ow < iw):
        fy, fx = ih // oh, iw // ow
        f[108] = np.array_equal(a[::fy, ::fx], b)
    if oh <= ih and ow <= iw and oh * ow < ih * iw:
        win = np.lib.stride_tricks.sliding_window_view(a, (oh, ow))
        f[109] = bool((win == b).all(axis=(2, 3)).any())
    f[110] = np.array_equal(b, b[:, ::-1])
    f[111] = np.array_equal(b, b[::-1])
    f[112] = np.array_equal(a, a[:, ::-1])
    f[113] = np.array_equal(a, a[::-1])
    f[114] = b.shape[0] == b.shape[1] and np.array_equal(b, b.T)
    f[115] = a.shape[0] == a.shape[1] and np.array_equal(a, a.T)
    f[116] = (b == 0).mean()
    f[117] = (a == 0).mean()
    f[118] = oh == 1 or ow == 1
    f[119] = oh * ow <= 9
    f[120] = oh == ow
    f[121] = ih == iw
    f[122] = oh == ih
    f[123] = ow == iw
    return f


# --------------------------------------------------------------------------- the model


class Net(nn.Module):
    def __init__(self, vocab_size: int, embed: int, hidden: int, channels: int) -> None:
        super().__init__()
        c = channels
        self.cnn = nn.Sequential(
            nn.Conv2d(22, c, 2, stride=2), nn.ReLU(),
            nn.Conv2d(c, c, 3, padding=1), nn.ReLU(),
            nn.Conv2d(c, 2 * c, 3, padding=1, stride=2), nn.ReLU())
        self.pair = nn.Sequential(nn.Linear(4 * c + N_FEATURES, hidden), nn.ReLU(),
                                  nn.Linear(hidden, hidden), nn.ReLU())
        self.task = nn.Sequential(nn.Linear(2 * hidden, hidden), nn.Tanh())
        self.h0 = nn.Linear(hidden, hidden)
        self.tok = nn.Embedding(vocab_size, embed)
        self.slot = nn.Embedding(N_SLOTS, embed)
        self.line = nn.Embedding(MAX_VARS + 1, embed)
        self.gru = nn.GRU(embed + hidden, hidden, batch_first=True)
        self.out = nn.Sequential(nn.Linear(2 * hidden, hidden), nn.Tanh(),
                                 nn.Linear(hidden, vocab_size))

    def encode(self, grids: torch.Tensor, feats: torch.Tensor, owner: torch.Tensor,
               n_tasks: int) -> torch.Tensor:
        """Task contexts from pair tensors (P,22,H,W), features (P,F) and owner ids (P,)."""
        x = self.cnn(grids)
        pooled = torch.cat([x.mean(dim=(2, 3)), x.amax(dim=(2, 3))], 1)
        p = self.pair(torch.cat([pooled, feats], 1))
        hidden = p.shape[1]
        idx = owner.unsqueeze(1).expand(-1, hidden)
        # p is float16/bfloat16 under autocast; index_add_ and scatter_reduce want one dtype
        like = dict(dtype=p.dtype, device=p.device)
        total = torch.zeros(n_tasks, hidden, **like).index_add_(0, owner, p)
        count = torch.zeros(n_tasks, device=p.device).index_add_(
            0, owner, torch.ones(len(owner), device=p.device))
        mean = total / count.clamp(min=1).unsqueeze(1)
        mx = torch.full((n_tasks, hidden), -1e4, **like).scatter_reduce(0, idx, p, "amax")
        return self.task(torch.cat([mean, mx], 1))

    def step_inputs(self, prev: torch.Tensor, slots: torch.Tensor, lines: torch.Tensor,
                    ctx: torch.Tensor) -> torch.Tensor:
        e = self.tok(prev) + self.slot(slots) + self.line(lines)
        if e.dim() == 3:
            ctx = ctx.unsqueeze(1).expand(-1, e.shape[1], -1)
        return torch.cat([e, ctx], -1)

    def logits(self, h: torch.Tensor, ctx: torch.Tensor) -> torch.Tensor:
        if h.dim() == 3:
            ctx = ctx.unsqueeze(1).expand(-1, h.shape[1], -1)
        return self.out(torch.cat([h, ctx], -1))


# --------------------------------------------------------------------------- the policy


@dataclass(frozen=True)
class NeuralOptions:
    """The neural policy's settings (RunConfig.policy_options; on the command line
    `--policy-option NAME=VALUE`), each with its default."""

    learning: bool = True
    """train in every Learn step (False: the learning-off control, frozen after pretraining)"""
    embed: int = 96
    """size of the token embeddings of the decoder"""
    hidden: int = 192
    """size of the decoder's GRU state and of the task context"""
    channels: int = 32
    """channels of the CNN over each demonstration pair"""
    max_lines: int = 12
    """lines of a sampled program at most"""
    max_pairs: int = 4
    """demonstration pairs the encoder reads per task at most"""
    epochs_pretrain: int = 8
    """epochs of pretraining on the seed pool"""
    pretrain_seconds: float = 600.0
    """a safety cap on pretraining on an overloaded machine (the stats say the epochs run)"""
    lr: float = 1e-3
    """Adam's learning rate in the Learn steps"""
    lr_pretrain: float = 2e-3
    """Adam's learning rate in pretraining"""
    batch_size: int = 64
    """examples per gradient step (on a CUDA GPU, GPU_BATCH_FACTOR times more unless set)"""
    augment: float = 0.5
    """probability of a consistent random recolouring of a training example"""
    threads: int = 2
    """torch threads on the CPU (at most the cores there are)"""
    init_seed: int = 0
    """seed of the initial weights (the same weights on any device)"""
    oversample: float = 1.5
    """programs decoded per wanted sample in the first round (duplicates are dropped)"""
    max_train_lines: int = 24
    """experiences with longer programs are left out of training"""
    learn_seconds: float = 0.0
    """time limit of one Learn step (0: none)"""
    device: str = "auto"
    """auto (the first CUDA GPU when torch sees one, else the CPU), cpu, cuda or cuda:N"""
    init_checkpoint: str = ""
    """start from these pretrained weights instead of pretraining: a file written by
    `python -m codeit_core pretrain`, or "bundled" for the one shipped with the project
    (pretrained on ARC-AGI-1 training tasks only; see BUNDLED_CHECKPOINT); empty: pretrain
    on the seed pool"""


DEFAULTS: dict[str, Any] = asdict(NeuralOptions())
# the options a checkpoint must share with the policy that loads it (the weights' shapes);
# the others (device, threads, batch_size, ...) may differ
ARCHITECTURE = ("embed", "hidden", "channels")
GPU_BATCH_FACTOR = 4  # batch_size on a CUDA GPU, unless set, is this times the default
# the pretrained weights shipped with the project (init_checkpoint="bundled"): what
# `python -m codeit_core pretrain --out <this>` writes, with what made it in the JSON beside
BUNDLED_CHECKPOINT = Path(__file__).resolve().parent.parent / "data" / "neural_pretrained.pt"


def resolve_device(asked: Any) -> torch.device:
    """The torch device the `device` option names; "auto" is the first CUDA GPU when torch
    sees one, else the CPU. Raises ConfigError (a ValueError) for a device this machine
    does not have, saying what it has and what to pass instead."""
    text = str(asked)
    gpus = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if text == "auto":
        return torch.device("cuda" if gpus else "cpu")
    if text == "cpu":
        return torch.device("cpu")
    if gpus == 0:
        here = "this torch build sees no CUDA GPU (torch.cuda.is_available() is False)"
        instead = "use device='auto' or 'cpu'"
    else:
        names = ", ".join(f"cuda:{i}" for i in range(gpus))
        here = f"this machine has {gpus} CUDA GPU{'s' if gpus > 1 else ''} ({names})"
        instead = "use device='auto', 'cpu' or one of those"
    asked_for = f"neural policy: device={text!r} was asked for"
    match = re.fullmatch(r"cuda(?::(\d+))?", text)
    if match is None:
        raise ConfigError(f"{asked_for}, which is not a device name (the names are 'auto', "
                          f"'cpu', 'cuda' and 'cuda:N'); {here}; {instead}")
    if gpus == 0 or int(match.group(1) or 0) >= gpus:
        raise ConfigError(f"{asked_for}, but {here}; {instead}")
    return torch.device(text)


def _cpu_copy(state: Any) -> Any:
    """A state dict (nested dicts and lists) with every tensor in it copied to the CPU."""
    if isinstance(state, torch.Tensor):
        return state.cpu()
    if isinstance(state, dict):
        return {k: _cpu_copy(v) for k, v in state.items()}
    if isinstance(state, (list, tuple)):
        return type(state)(_cpu_copy(v) for v in state)
    return state


class _LRU(OrderedDict):
    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def put(self, key: Any, value: Any) -> Any:
        self[key] = value
        if len(self) > self.size:
            self.popitem(last=False)
        return value


class NeuralPolicy:
    """A from-scratch CNN+features encoder and a type-constrained GRU decoder."""

    name = "neural"

    def __init__(self, **options: Any) -> None:
        unknown = sorted(set(options) - set(DEFAULTS))
        if unknown:
            raise ValueError(f"neural policy: unknown option(s) {', '.join(unknown)}; known: "
                             f"{', '.join(sorted(DEFAULTS))}")
        self.options = {**DEFAULTS, **options}
        o = self.options
        self.device = resolve_device(o["device"])
        on_gpu = self.device.type == "cuda"
        if on_gpu and "batch_size" not in options:
            o["batch_size"] = int(o["batch_size"]) * GPU_BATCH_FACTOR
        # mixed precision on a GPU only: bfloat16 needs no gradient scaling, float16 does
        self.amp_dtype = None
        if on_gpu:
            bf16 = torch.cuda.is_bf16_supported()
            self.amp_dtype = torch.bfloat16 if bf16 else torch.float16
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.amp_dtype == torch.float16)
        self.learning = bool(o["learning"])
        torch.set_num_threads(max(1, min(int(o["threads"]), os.cpu_count() or 1)))
        self.vocab = Vocab(sorted(REGISTRY))
        self.grammar = Grammar(self.vocab, int(o["max_lines"]))
        with torch.random.fork_rng():
            torch.manual_seed(int(o["init_seed"]))
            self.net = Net(len(self.vocab), int(o["embed"]), int(o["hidden"]),
                           int(o["channels"]))
        self.net.to(self.device)  # initialised on the CPU: the same weights on any device
        self.opt = torch.optim.Adam(self.net.parameters(), lr=float(o["lr"]))
        self.updates = 0
        self.pretrained = False
        self._feat_cache = _LRU(20_000)   # (input, output) -> arrays and features
        self._prog_cache = _LRU(50_000)   # program text -> tokens, cleaned text, ...
        self.started_from = ""
        if o["init_checkpoint"]:
            self._start_from(str(o["init_checkpoint"]))

    def _mixed_precision(self):
        """Autocast for a forward pass on a GPU; on the CPU, nothing."""
        if self.amp_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.amp_dtype)

    # ---------------------------------------------------------------- encoding

    def _pair(self, a_grid, b_grid) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        # keyed by hashes (keeping no grids alive); a 64-bit collision is harmless here
        key = (hash(a_grid), hash(b_grid), len(a_grid), len(b_grid))
        hit = self._feat_cache.get(key)
        if hit is None:
            a, b = _arr(a_grid), _arr(b_grid)
            hit = self._feat_cache.put(key, (a.astype(np.uint8), b.astype(np.uint8),
                                             pair_features(a, b)))
        return hit

    def _batch_pairs(self, pair_lists: Sequence[Sequence[tuple]]):
        """Tensors for the encoder from one list of (input, output) pairs per task."""
        m = int(self.options["max_pairs"])
        items = []
        owner = []
        for t, pairs in enumerate(pair_lists):
            for a, b in list(pairs)[:m]:
                items.append(self._pair(a, b))
                owner.append(t)
        H = max(max(x[0].shape[0], x[1].shape[0]) for x in items)
        W = max(max(x[0].shape[1], x[1].shape[1]) for x in items)
        H, W = H + H % 2, W + W % 2  # the first convolution takes 2x2 patches
        P = len(items)
        codes = np.full((P, 2, H, W), -1, dtype=np.int64)
        for i, (a, b, _) in enumerate(items):
            codes[i, 0, :a.shape[0], :a.shape[1]] = a
            codes[i, 1, :b.shape[0], :b.shape[1]] = b
        c = torch.from_numpy(codes).to(self.device)
        inside = (c >= 0).unsqueeze(2).float()
        # per grid of a pair 11 channels, written in place: its colour's one-hot (10) where
        # a cell is inside the grid, then that mask; (P, 2, 11, H, W) is (P, 22, H, W) in
        # the encoder's channel order (one float tensor: no int64 one-hot, no copies)
        grids = torch.zeros(P, 2, 11, H, W, device=self.device)
        grids.scatter_(2, c.clamp(min=0).unsqueeze(2), inside)
        grids[:, :, 10:] = inside
        grids = grids.view(P, 22, H, W)
        feats = torch.from_numpy(np.stack([x[2] for x in items])).to(self.device)
        return grids, feats, torch.tensor(owner, dtype=torch.long, device=self.device)

    def _contexts(self, pair_lists) -> torch.Tensor:
        grids, feats, owner = self._batch_pairs(pair_lists)
        return self.net.encode(grids, feats, owner, len(pair_lists))

    # ---------------------------------------------------------------- training

    def _target(self, text: str, colour_map: tuple | None):
        key = (text, colour_map)
        if key in self._prog_cache:
            return self._prog_cache[key]
        enc = self.grammar.encode(text, colour_map)
        if enc is not None and enc[0].count(self.vocab.index[EOL]) + 1 > int(
                self.options["max_train_lines"]):
            enc = None
        return self._prog_cache.put(key, enc)

    @staticmethod
    def _recolour(grid, cmap) -> tuple:
        return tuple(tuple(cmap[v] for v in row) for row in grid)

    def _augmentable(self, text: str) -> bool:
        """True when no integer literal goes into a parameter that is neither Colour nor
        Integer (an untyped one, where it may be a colour): then permuting the grids'
        colours and the program's colour arguments together keeps the example correct,
        up to primitives that depend on colour order."""
        key = ("augmentable", text)
        if key not in self._prog_cache:
            self._prog_cache.put(key, self._colour_safe(text))
        return self._prog_cache[key]

    @staticmethod
    def _colour_safe(text: str) -> bool:
        try:
            program = parse(text)
        except DSLError:
            return False
        for line in program.lines:
            prim = REGISTRY[line.function]
            for a, param in zip(line.args, prim.params):
                if isinstance(a, Const) and not isinstance(a.value, bool) and \
                        isinstance(a.value, int) and param not in ("Colour", "Integer") \
                        and a.text not in CONSTANTS:
                    return False  # an integer into Any: colour or count, unknown
        return True

    def _examples(self, experiences: Sequence[Experience], rng: random.Random, augment: bool):
        out = []
        for e in experiences:
            cmap = None
            if augment and rng.random() < float(self.options["augment"]) and \
                    self._augmentable(e.program):
                perm = list(range(1, 10))
                rng.shuffle(perm)
                cmap = (0, *perm)
            target = self._target(e.program, cmap)
            if target is None and cmap is not None:
                cmap = None
                target = self._target(e.program, None)
            if target is None:
                continue
            pairs = list(zip(e.inputs, e.outputs))
            if cmap is not None:
                pairs = [(self._recolour(a, cmap), self._recolour(b, cmap)) for a, b in pairs]
            out.append((pairs, target))
        return out

    def _loss(self, batch) -> torch.Tensor:
        v = self.vocab
        with self._mixed_precision():
            ctx = self._contexts([pairs for pairs, _ in batch])
        T = max(len(t[0]) for _, t in batch)
        B = len(batch)
        tgt = torch.zeros(B, T, dtype=torch.long)
        prev = torch.full((B, T), v.index[BOS], dtype=torch.long)
        slots = torch.zeros(B, T, dtype=torch.long)
        lines = torch.zeros(B, T, dtype=torch.long)
        rows = torch.zeros(B, T, dtype=torch.long)
        valid = torch.zeros(B, T, dtype=torch.bool)
        eol, eop = v.index[EOL], v.index[EOP]
        for i, (_, (toks, sl, mk)) in enumerate(batch):
            n = len(toks)
            tgt[i, :n] = torch.tensor(toks)
            prev[i, 1:n] = tgt[i, :n - 1]
            slots[i, :n] = torch.tensor(sl)
            rows[i, :n] = torch.tensor(mk)
            valid[i, :n] = True
            line, ln = 0, []
            for tok in toks:
                ln.append(min(line, MAX_VARS))
                if tok == eol or tok == eop:
                    line += 1
            lines[i, :n] = torch.tensor(ln)
        masks = self.grammar.table()[rows]
        # built on the CPU (many small writes), moved to the model's device in one go
        tgt, prev, slots, lines, masks, valid = (
            t.to(self.device) for t in (tgt, prev, slots, lines, masks, valid))
        with self._mixed_precision():
            h0 = torch.tanh(self.net.h0(ctx)).unsqueeze(0)
            x = self.net.step_inputs(prev, slots, lines, ctx)
            h, _ = self.net.gru(x, h0)
            # float32 for the mask (-1e9 overflows float16) and the loss
            logits = self.net.logits(h, ctx).float().masked_fill(~masks, -1e9)
            loss = F.cross_entropy(logits[valid], tgt[valid])
        return loss

    def _epoch(self, examples, rng: random.Random, lr: float, deadline: float | None = None
               ) -> tuple[float, int]:
        for g in self.opt.param_groups:
            g["lr"] = lr
        order = list(range(len(examples)))
        rng.shuffle(order)
        bs = int(self.options["batch_size"])
        # batches of similar program lengths (less padding), in random order
        batches = []
        for g0 in range(0, len(order), bs * 8):
            group = sorted(order[g0:g0 + bs * 8], key=lambda i: len(examples[i][1][0]))
            batches += [group[k:k + bs] for k in range(0, len(group), bs)]
        rng.shuffle(batches)
        self.net.train()
        total, count = 0.0, 0
        for ids in batches:
            if deadline is not None and time.perf_counter() > deadline:
                break
            batch = [examples[i] for i in ids]
            loss = self._loss(batch)
            self.opt.zero_grad()
            # the scaler does nothing unless float16 on a GPU, where it keeps small
            # gradients from vanishing; unscaled before clipping, so the clip is the same
            self.scaler.scale(loss).backward()
            self.scaler.unscale_(self.opt)
            nn.utils.clip_grad_norm_(self.net.parameters(), 1.0)
            self.scaler.step(self.opt)
            self.scaler.update()
            self.updates += 1
            total += loss.item() * len(batch)
            count += len(batch)
        return (total / count if count else float("nan")), count

    def _seed_torch(self, rng: random.Random) -> None:
        torch.manual_seed(rng.getrandbits(62))

    def pretrain(self, experiences: Sequence[Experience], rng: random.Random
                 ) -> dict[str, float]:
        """A few epochs on the given experiences (the loop gives the seed pool and the
        search-task experiences), bounded by `pretrain_seconds`; nothing when the policy
        started from pretrained weights (`init_checkpoint`)."""
        if self.started_from:
            return {"from_checkpoint": 1.0, "epochs": 0.0, "examples": 0.0, "seconds": 0.0}
        self._seed_torch(rng)
        started = time.perf_counter()
        deadline = started + float(self.options["pretrain_seconds"])
        losses = []
        seen = 0
        for _ in range(int(self.options["epochs_pretrain"])):
            if time.perf_counter() > deadline:
                break
            examples = self._examples(experiences, rng, augment=True)
            loss, n = self._epoch(examples, rng, float(self.options["lr_pretrain"]), deadline)
            if n:
                losses.append(loss)
            seen += n
        self.pretrained = True
        release_freed_memory()
        return {**({"loss": round(losses[-1], 4), "first_loss": round(losses[0], 4)}
                   if losses else {}),
                "epochs": float(len(losses)), "examples": float(seen),
                "seconds": round(time.perf_counter() - started, 2)}

    def learn(self, experiences: Sequence[Experience], rng: random.Random) -> dict[str, float]:
        """One teacher-forced epoch (none when learning is switched off)."""
        self._seed_torch(rng)
        started = time.perf_counter()
        if not self.learning:  # the control: no update after pretraining
            return {"examples": 0.0, "updates": float(self.updates), "seconds": 0.0}
        examples = self._examples(experiences, rng, augment=True)
        limit = float(self.options["learn_seconds"])
        loss, n = self._epoch(examples, rng, float(self.options["lr"]),
                              started + limit if limit > 0 else None)
        release_freed_memory()
        return {**({"loss": round(loss, 4)} if n else {}), "examples": float(n),
                "skipped": float(len(experiences) - len(examples)),
                "updates": float(self.updates),
                "seconds": round(time.perf_counter() - started, 2)}

    def evaluate_loss(self, experiences: Sequence[Experience]) -> float:
        """Mean teacher-forced loss on `experiences` (no augmentation, no update)."""
        examples = self._examples(experiences, random.Random(0), augment=False)
        self.net.eval()
        with torch.no_grad():
            bs = int(self.options["batch_size"])
            total = 0.0
            for start in range(0, len(examples), bs):
                batch = examples[start:start + bs]
                total += float(self._loss(batch)) * len(batch)
        return total / max(1, len(examples))

    # ---------------------------------------------------------------- sampling

    @torch.no_grad()
    def _decode(self, ctx: torch.Tensor, owners: list[int], temperature: float,
                gen: torch.Generator) -> list[str]:
        """One program per row of `owners` (an index into `ctx`), decoded step by step with
        the GRU cell written out (the context's share of every projection computed once)
        and Gumbel-max sampling under the grammar's mask."""
        v, g, net = self.vocab, self.grammar, self.net
        B = len(owners)
        E = net.tok.embedding_dim
        dev = self.device
        c = ctx[torch.tensor(owners, dtype=torch.long, device=dev)]
        w_ih, w_hh = net.gru.weight_ih_l0, net.gru.weight_hh_l0
        b_ih, b_hh = net.gru.bias_ih_l0, net.gru.bias_hh_l0
        w_ie, w_ic = w_ih[:, :E], w_ih[:, E:]
        o1, o2 = net.out[0], net.out[2]
        Hd = net.gru.hidden_size
        o1h, o1c = o1.weight[:, :Hd], o1.weight[:, Hd:]
        h = torch.tanh(net.h0(c))
        cgi = c @ w_ic.T + b_ih
        cout = c @ o1c.T + o1.bias
        states = [g.start() for _ in range(B)]
        prev = torch.full((B,), v.index[BOS], dtype=torch.long, device=dev)
        active = list(range(B))
        inv_t = 1.0 / max(temperature, 1e-3)
        max_steps = int(self.options["max_lines"]) * 6 + 2
        for _ in range(max_steps):
            if not active:
                break
            slots, rows, lines = [], [], []
            for i in active:
                sl, rw = g.slot(states[i])
                slots.append(sl)
                rows.append(rw)
                lines.append(len(states[i].lines))
            e = net.tok(prev) + net.slot(torch.tensor(slots, device=dev)) + \
                net.line(torch.tensor(lines, device=dev))
            gi = torch.addmm(cgi, e, w_ie.T)
            gh = torch.addmm(b_hh, h, w_hh.T)
            ir, iz, in_ = gi.chunk(3, 1)
            hr, hz, hn = gh.chunk(3, 1)
            r = torch.sigmoid(ir + hr)
            z = torch.sigmoid(iz + hz)
            n_ = torch.tanh(in_ + r * hn)
            h = n_ + z * (h - n_)
            # float32 for the Gumbel noise and the -1e30 mask (a no-op on the CPU)
            logits = o2(torch.tanh(torch.addmm(cout, h, o1h.T))).float()
            mask = g.table()[torch.tensor(rows)].to(dev)
            u = torch.rand(logits.shape, generator=gen, device=dev).clamp_(1e-9, 1 - 1e-9)
            scores = (logits * inv_t - torch.log(-torch.log(u))).masked_fill_(~mask, -1e30)
            toks = scores.argmax(1)
            keep = []
            for k, (i, tok) in enumerate(zip(active, toks.tolist())):
                s = states[i]
                g.advance(s, tok)
                if not s.done:
                    keep.append(k)
            if len(keep) < len(active):
                kt = torch.tensor(keep, dtype=torch.long, device=dev)
                active = [active[k] for k in keep]
                h, cgi, cout, prev = h[kt], cgi[kt], cout[kt], toks[kt]
            else:
                prev = toks
        return [g.text(s) if s.done else "" for s in states]

    def sample(self, tasks: Sequence[Task], n: int, temperature: float,
               rng: random.Random) -> dict[str, list[str]]:
        """Up to n distinct programs per task, from its demonstration pairs only."""
        self.net.eval()
        # on the CPU the same generator as a CPU-only build; on a GPU it draws there
        gen = torch.Generator(device=self.device).manual_seed(rng.getrandbits(62))
        out: dict[str, list[str]] = {t.id: [] for t in tasks}
        seen: dict[str, set] = {t.id: set() for t in tasks}
        chunk = 64  # tasks per decoding batch
        for start in range(0, len(tasks), chunk):
            group = list(tasks[start:start + chunk])
            with torch.no_grad(), self._mixed_precision():
                ctx = self._contexts([[(p.input, p.output) for p in t.train] for t in group])
            for round_ in range(3):
                owners = []
                for k, t in enumerate(group):
                    need = n - len(out[t.id])
                    if need > 0:
                        extra = float(self.options["oversample"]) if round_ == 0 else 2.0
                        owners += [k] * max(1, int(math.ceil(need * extra)))
                if not owners:
                    break
                with self._mixed_precision():
                    decoded = self._decode(ctx, owners, temperature, gen)
                for k, text in zip(owners, decoded):
                    t = group[k]
                    text = self._clean(text)
                    if text and text not in seen[t.id] and len(out[t.id]) < n:
                        seen[t.id].add(text)
                        out[t.id].append(text)
        release_freed_memory()
        return out

    def _clean(self, text: str) -> str:
        """The canonical text of a decoded program with its dead lines removed (the lines
        O does not depend on), so that duplicates are judged on what a program computes."""
        if not text:
            return text
        key = ("clean", text)
        hit = self._prog_cache.get(key)
        if hit is None:
            try:
                hit = format_program(canonical(remove_dead_lines(parse(text))))
            except DSLError:  # pragma: no cover - the grammar only emits valid programs
                hit = ""
            self._prog_cache.put(key, hit)
        return hit

    # ---------------------------------------------------------------- persistence

    def save(self, path: Path) -> None:
        """The weights, the optimizer's state and the options, as CPU tensors (a checkpoint
        written on a GPU loads on a CPU-only machine)."""
        buf = io.BytesIO()
        torch.save({"policy": self.name, "options": self.options,
                    "vocab": self.vocab.tokens, "state": _cpu_copy(self.net.state_dict()),
                    "optimizer": _cpu_copy(self.opt.state_dict()), "updates": self.updates,
                    "pretrained": self.pretrained}, buf)
        write_atomic(Path(path), buf.getvalue())

    def load(self, path: Path) -> None:
        """A checkpoint of `save`, onto this policy's device; only the ARCHITECTURE options
        must match (not the device)."""
        data = torch.load(Path(path), map_location=self.device, weights_only=False)
        saved = data["options"]
        for key in ARCHITECTURE:
            if saved.get(key) != self.options[key]:
                raise ValueError(f"checkpoint {path} has {key}={saved.get(key)}, this policy "
                                 f"{self.options[key]}")
        state = data["state"]
        if list(data["vocab"]) != self.vocab.tokens:
            state = self._remap(state, list(data["vocab"]))
            self.net.load_state_dict(state)
            self.opt = torch.optim.Adam(self.net.parameters(), lr=float(self.options["lr"]))
        else:
            self.net.load_state_dict(state)
            self.opt.load_state_dict(data["optimizer"])
        self.updates = int(data.get("updates", 0))
        self.pretrained = bool(data.get("pretrained", False))

    def save_pretrained(self, path: Path) -> None:
        """The weights alone (no optimizer state), loadable as an `init_checkpoint` with
        torch's safe loader."""
        buf = io.BytesIO()
        torch.save({"policy": self.name,
                    "options": {k: self.options[k] for k in ARCHITECTURE},
                    "vocab": list(self.vocab.tokens), "state": _cpu_copy(self.net.state_dict())},
                   buf)
        write_atomic(Path(path), buf.getvalue())

    def _start_from(self, name: str) -> None:
        """Load the pretrained weights of `init_checkpoint` (a path, or "bundled")."""
        path = BUNDLED_CHECKPOINT if name == "bundled" else Path(name).expanduser()
        what = f"neural policy: init_checkpoint {name!r}" + (f" ({path})" if name == "bundled"
                                                             else "")
        if not path.is_file():
            raise ConfigError(f"{what}: no such file; make one with `python -m codeit_core "
                              f"pretrain --out FILE`")
        try:
            data = torch.load(path, map_location=self.device, weights_only=True)
            saved, state, tokens = data["options"], data["state"], list(data["vocab"])
        except Exception as e:  # noqa: BLE001 - any reader's failure: not such a file
            raise ConfigError(f"{what}: not a checkpoint of the neural policy "
                              f"({type(e).__name__}: {e})") from None
        for key in ARCHITECTURE:
            if saved.get(key) != self.options[key]:
                raise ConfigError(f"{what} has {key}={saved.get(key)}, this policy "
                                  f"{self.options[key]}; use the checkpoint's value or "
                                  f"pretrain a new one")
        try:
            if tokens != self.vocab.tokens:
                state = self._remap(state, tokens)
            self.net.load_state_dict(state)
        except (RuntimeError, KeyError, IndexError) as e:  # weights of another shape
            raise ConfigError(f"{what}: its weights do not fit this policy "
                              f"({type(e).__name__}: {str(e)[:200]})") from None
        self.pretrained = True
        self.started_from = str(path)

    def _remap(self, state: dict, old_tokens: list[str]) -> dict:
        """Map token rows of an older vocabulary (the registry changed) by token name."""
        old = {t: i for i, t in enumerate(old_tokens)}
        fresh = self.net.state_dict()
        pairs = [(i, old[t]) for i, t in enumerate(self.vocab.tokens) if t in old]
        new_idx = torch.tensor([a for a, _ in pairs], device=self.device)
        old_idx = torch.tensor([b for _, b in pairs], device=self.device)
        out = dict(state)
        for key in ("tok.weight", "out.2.weight", "out.2.bias"):
            t = fresh[key].clone()
            t[new_idx] = state[key][old_idx]
            out[key] = t
        return out
