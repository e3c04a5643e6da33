"""The recogniser: an ONNX graph → the blocks, stem and head of a spec v1 design.

It walks the main path from the graph input. A tensor read by two or more nodes starts a
residual block: one path is the branch F (a layer table of `resattn.layers`), the other the skip
(identity or a projection table), and both end in the same Add. Attention is found wherever a
feature is multiplied by a squashed function of itself (`resattn.importing.kinds`); its place
relative to the add says its slot. Whatever has no place in spec v1 becomes a `Finding`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Union

import numpy as np

from resattn.fusion import BLOCK_MODULES
from resattn.i18n import N_
from resattn.i18n.text import Text, join
from resattn.importing.graph import Graph
from resattn.importing.kinds import RECOGNISERS
from resattn.importing.parts import (
    AttentionMatch,
    Finding,
    NoFit,
    bn_weights,
    prefixed,
)
from resattn.importing.tables import match_table
from resattn.layers import BRANCH_TABLES, PROJECTION_TABLES, STEM_TABLES
from schemas import SLOT

#: ops a linear run (stem, branch, projection) is made of
LAYER_OPS = frozenset({"Conv", "BatchNormalization", "Relu", "MaxPool", "AveragePool", "Dropout"})
#: normalisations spec v1 does not have, by op → the name a reader knows
OTHER_NORMS = {
    "GroupNormalization": "GroupNorm",
    "InstanceNormalization": "GroupNorm/InstanceNorm",
    "LayerNormalization": "LayerNorm",
}
#: how far a gate's computation is followed back to the feature it gates
_MAX_GATE_NODES = 400


@dataclass
class UnknownGate:
    """A feature multiplied by a squashed function of itself that no kind's hook recognises."""

    nodes: list
    output: str


Gate = Union[AttentionMatch, UnknownGate]


@dataclass
class BlockRecord:
    """One recognised residual block."""

    in_channels: int
    branch_key: tuple  # (block type, preact) of `BRANCH_TABLES`
    values: dict  # the branch table's parameters
    shortcut: Optional[tuple]  # None (identity) or (pool, values)
    slots: dict  # slot → AttentionMatch
    post_act: bool
    weights: dict
    where: str  # first node of the block, for messages

    @property
    def out_channels(self) -> int:
        return self.values["out_channels"]

    @property
    def stride(self) -> int:
        return self.values["stride"]


@dataclass
class Recognised:
    stem: Optional[tuple] = None  # (stem type, values, weights)
    blocks: list = field(default_factory=list)
    head: Optional[dict] = None  # {"num_classes", "final_norm", "weights"}
    input_shape: tuple = ()
    findings: list = field(default_factory=list)


class Walker:
    """Walks one graph; `claimed` collects the nodes that found a place."""

    def __init__(self, g: Graph):
        self.g = g
        self.claimed: set[int] = set()
        self.findings: list[Finding] = []
        self._part = "graph"

    # ----- bookkeeping ----------------------------------------------------------------------

    def claim(self, nodes) -> None:
        self.claimed.update(id(n) for n in nodes)

    def free_uses(self, name: str) -> list:
        return [n for n in self.g.uses(name) if id(n) not in self.claimed]

    def names(self, nodes) -> tuple[str, ...]:
        return tuple(self.g.label(n) for n in nodes)

    # ----- gates ----------------------------------------------------------------------------

    def self_function(self, name: str, feature: str) -> Optional[list]:
        """The nodes computing tensor `name` from `feature` alone (constants allowed), or None
        when it also reads another input."""
        seen: dict[str, bool] = {}
        nodes: list = []

        def visit(t: str) -> bool:
            if t == feature or self.g.c(t) is not None or not t:
                return True
            if t in seen:
                return seen[t]
            node = self.g.of(t)
            if node is None or len(nodes) > _MAX_GATE_NODES:
                seen[t] = False
                return False
            seen[t] = True
            ok = all(visit(i) for i in node.input)
            seen[t] = ok
            if ok:
                nodes.append(node)
            return ok

        return nodes if visit(name) else None

    def gates_at(self, feature: str) -> list[Gate]:
        """Every gate on `feature`: kinds the hooks know, then any other self-gate."""
        found: list[Gate] = []
        for mul in self.free_uses(feature):
            if mul.op_type != "Mul" or id(mul) in self.claimed:
                continue
            other = self.g.other(mul, feature)
            if other is None or other == feature or self.g.c(other) is not None:
                continue
            for rec in RECOGNISERS.values():
                hit = rec.match(self.g, feature, mul)
                if hit is not None:
                    self.claim(hit.nodes)
                    found.append(hit)
                    break
            else:
                nodes = self.self_function(other, feature)
                if nodes is not None and any(n.op_type in _SQUASHING for n in nodes):
                    self.claim([*nodes, mul])
                    found.append(UnknownGate([*nodes, mul], mul.output[0]))
        return found

    def additive_at(self, feature: str):
        """An Add of `feature` and a function of it that is not a residual branch (a context
        block: x + transform(pool(x))); (nodes, output) or None."""
        for add in self.free_uses(feature):
            if add.op_type != "Add":
                continue
            other = self.g.other(add, feature)
            if other is None or other == feature or self.g.c(other) is not None:
                continue
            nodes = self.self_function(other, feature)
            if nodes is None:
                continue
            if self._pooled(other, feature):
                return [*nodes, add], add.output[0]
        return None

    def _pooled(self, name: str, feature: str) -> bool:
        """Does every path from `feature` to `name` pass a global pooling (a per-channel
        context, as opposed to a residual branch that keeps H × W)?"""
        seen: dict[str, bool] = {}

        def visit(t: str) -> bool:
            if t == feature:
                return False
            if self.g.c(t) is not None or not t:
                return True
            if t not in seen:
                node = self.g.of(t)
                seen[t] = node is not None and (
                    node.op_type in _POOLING or all(visit(i) for i in node.input)
                )
            return seen[t]

        return visit(name)

    # ----- linear runs ----------------------------------------------------------------------

    def walk(self, start: str, part: str, first=None) -> tuple[list, Optional[object]]:
        """Follow one path from tensor `start` (through node `first` if given) to the Add that
        ends it. Steps: ONNX layer nodes and gates. Returns (steps, add node or None)."""
        steps: list = []
        t = start
        node = first
        while True:
            if node is None:
                gates = self.gates_at(t)
                if gates:
                    for gate in gates[1:]:
                        self._drop_gate(gate, part, Text(N_("a second gate on the same feature")))
                    steps.append(gates[0])
                    t = gates[0].output
                    continue
                extra = self.additive_at(t)
                if extra is not None:
                    nodes, t = extra
                    self.claim(nodes)
                    self.findings.append(
                        Finding.of(
                            part,
                            Text(
                                N_(
                                    "an additive attention (a context term computed from the "
                                    "feature is added to it, as in a global-context block): spec "
                                    "v1's attention only gates — it multiplies, never adds "
                                    "(notes, first rule)"
                                )
                            ),
                            "dropped",
                            self.names(nodes),
                        )
                    )
                    continue
                uses = self.free_uses(t)
                if not uses:
                    return steps, None
                if len(uses) > 1:
                    self._part = part
                    raise NoFit(self._fork(t, uses, part))
                node = uses[0]
            if node.op_type == "Add":
                return steps, node
            if node.op_type in OTHER_NORMS or node.op_type not in LAYER_OPS:
                self._unknown_layer(node, part)  # raises unless it can be replaced
            self.claim([node])
            steps.append(node)
            t = node.output[0]
            node = None

    def _drop_gate(self, gate: Gate, part: str, why: Text) -> None:
        kind = gate.kind if isinstance(gate, AttentionMatch) else "unrecognised"
        reason = Text(N_("{kind} attention: {why}"), kind=kind, why=why)
        self.findings.append(Finding.of(part, reason, "dropped", self.names(gate.nodes)))

    def _fork(self, t: str, uses: list, part: str) -> Finding:
        reach = self._downstream(uses)
        norm = self._norm_near(uses)
        if norm is not None:
            return norm
        ops = {n.op_type for n in reach}
        convs = sorted(
            {
                (tuple(self.g.attr(n, "kernel_shape", [])), _same_int(self.g.attr(n, "dilations")))
                for n in uses
                if n.op_type == "Conv"
            }
        )
        names = self.names(_unique([*uses, *reach])[:12])
        if "Softmax" in ops and len(convs) > 1:
            sizes = join(
                Text(N_("{size} dilated {d}"), size="×".join(map(str, k)), d=d)
                if d > 1
                else Text.of("×".join(map(str, k)))
                for k, d in convs
            )
            reason = Text(
                N_(
                    "a selective-kernel conv (parallel {sizes} convs whose outputs a softmax "
                    "attention over the paths selects): spec v1's branch has one conv per step"
                ),
                sizes=sizes,
            )
        else:
            reason = Text(
                N_(
                    "the path splits into {n} parallel paths ({ops}); spec v1's branch is one "
                    "chain of conv / BN / ReLU"
                ),
                n=len(uses),
                ops=", ".join(sorted({n.op_type for n in uses})),
            )
        return Finding.of(part, reason, "blocking", names)

    def _norm_near(self, nodes: list) -> Optional[Finding]:
        """A normalisation spec v1 lacks, within a few nodes of `nodes` (GroupNorm exports as
        Reshape → InstanceNormalization → Reshape → Mul → Add before opset 18)."""
        near = self._downstream(nodes, 8)
        for node in near:
            name = OTHER_NORMS.get(node.op_type)
            if name is not None:
                around = [n for n in near if n.op_type in ("Reshape", "Shape", "Mul", "Add")]
                return Finding.of(
                    self._part,
                    Text(
                        N_(
                            "{name} ({op}) has no place in spec v1, whose blocks use BatchNorm; "
                            "a design with BatchNorm there would compute something else"
                        ),
                        name=name,
                        op=node.op_type,
                    ),
                    "blocking",
                    self.names(_unique([node, *around])),
                )
        return None

    def _downstream(self, nodes: list, limit: int = 60) -> list:
        out, queue, seen = [], list(nodes), set()
        while queue and len(out) < limit:
            n = queue.pop(0)
            if id(n) in seen:
                continue
            seen.add(id(n))
            out.append(n)
            for t in n.output:
                queue.extend(self.g.uses(t))
        return out

    def _unknown_layer(self, node, part: str) -> None:
        self._part = part
        norm = self._norm_near([node])
        if norm is not None:
            raise NoFit(norm)
        if node.domain not in ("", "ai.onnx"):
            reason = Text(
                N_(
                    "op {op} of domain {domain} has no place in a spec v1 branch, projection or "
                    "stem"
                ),
                op=node.op_type,
                domain=repr(node.domain),
            )
        else:
            reason = Text(
                N_("op {op} has no place in a spec v1 branch, projection or stem"), op=node.op_type
            )
        raise NoFit(Finding.of(part, reason, "blocking", self.names([node])))

    # ----- the model ------------------------------------------------------------------------

    def run(self) -> Recognised:
        g = self.g
        result = Recognised(findings=self.findings)
        if len(g.inputs) != 1 or not g.outputs:
            reason = Text(
                N_("the graph has {n} inputs; a spec v1 design has one image input"),
                n=len(g.inputs),
            )
            raise NoFit(Finding.of("graph", reason, "blocking"))
        x = g.inputs[0].name
        result.input_shape = g.shape(x) or ()
        stem_nodes, t = self._linear(x)
        if len(self.free_uses(t)) < 2:
            reason = Text(
                N_(
                    "no residual structure: no tensor is both transformed and added back to "
                    "itself (a skip connection), so the model is not a residual network and "
                    "spec v1 cannot describe it"
                )
            )
            raise NoFit(Finding.of("graph", reason, "blocking"))
        if stem_nodes:
            result.stem = self._stem(stem_nodes)
        while len(self.free_uses(t)) >= 2:  # at least once: checked above
            part = f"block {len(result.blocks) + 1}"
            block, t = self.block(t, part)
            result.blocks.append(block)
        if result.stem is not None:
            result.head, t = self._head(t)
        elif t not in g.outputs or len(result.blocks) > 1:
            if len(result.blocks) > 1:
                template = N_(
                    "blocks without a stem: spec v1 holds one block, or a network with a stem "
                    "and a classifier head"
                )
            else:
                template = N_(
                    "nodes after the block: spec v1 holds one block, or a network with a stem "
                    "and a classifier head"
                )
            raise NoFit(
                Finding.of("graph", Text(template), "blocking", self.names(self.free_uses(t)[:6]))
            )
        if t != g.outputs[0]:
            raise NoFit(
                Finding.of(
                    "head",
                    Text(
                        N_(
                            "the model goes on after the classifier head; spec v1's head is "
                            "global average pooling + one linear layer"
                        )
                    ),
                    "blocking",
                    self.names(self.free_uses(t)[:6]),
                )
            )
        for extra in g.outputs[1:]:
            self.findings.append(
                Finding.of(
                    "graph",
                    Text(N_("extra graph output {name} is not part of a design"), name=repr(extra)),
                    "note",
                )
            )
        left = [
            n
            for n in g.nodes
            if id(n) not in self.claimed
            and id(n) not in g.const_nodes
            and n.op_type != "Constant"
            and not _shape_only(g, n)
        ]
        if left:
            self.findings.append(
                Finding.of(
                    "graph",
                    Text(
                        N_("{n} node(s) outside the recognised structure were left out"),
                        n=len(left),
                    ),
                    "dropped",
                    self.names(left),
                )
            )
        return result

    def _linear(self, x: str) -> tuple[list, str]:
        """The run of layer nodes from the input up to the first tensor read twice."""
        nodes, t = [], x
        while True:
            uses = self.free_uses(t)
            if len(uses) != 1 or uses[0].op_type not in LAYER_OPS:
                return nodes, t
            nodes.append(uses[0])
            self.claim(uses[:1])
            t = uses[0].output[0]

    def _stem(self, nodes: list) -> tuple:
        for kind, table in STEM_TABLES.items():
            hit = match_table(self.g, table, nodes)
            if hit is not None:
                return kind, hit[0], hit[1]
        ops = " → ".join(_describe(self.g, n) for n in nodes)
        raise NoFit(
            Finding.of(
                "stem",
                Text(
                    N_("the stem ({ops}) is none of spec v1's stems ({stems})"),
                    ops=ops,
                    stems=", ".join(STEM_TABLES),
                ),
                "blocking",
                self.names(nodes),
            )
        )

    def block(self, x: str, part: str) -> tuple[BlockRecord, str]:
        g = self.g
        gates = self.gates_at(x)
        paths = []
        for gate in gates:
            steps, add = self.walk(gate.output, part)
            paths.append(([gate, *steps], add))
        for node in self.free_uses(x):
            if node.op_type == "Add":
                paths.append(([], node))
            else:
                self.claim([node])
                paths.append(self._walk_from(node, part))
        adds = {id(a) for _, a in paths if a is not None}
        if len(paths) != 2 or len(adds) != 1 or any(a is None for _, a in paths):
            raise NoFit(
                Finding.of(
                    part,
                    Text(
                        N_(
                            "the tensor read by {n} paths does not split into a branch and a "
                            "skip that meet in one add"
                        ),
                        n=len(paths),
                    ),
                    "blocking",
                    self.names([n for p, _ in paths for n in p if not isinstance(n, _GATES)][:8]),
                )
            )
        add = paths[0][1]
        self.claim([add])
        convs = [
            sum(1 for s in p if not isinstance(s, _GATES) and s.op_type == "Conv") for p, _ in paths
        ]
        branch, skip = (
            (paths[0][0], paths[1][0]) if convs[0] >= convs[1] else (paths[1][0], paths[0][0])
        )
        slots: dict = {}
        weights: dict = {}
        # branch: [A_p] F [A_r]; gates elsewhere have no slot
        core = list(branch)
        if core and isinstance(core[0], _GATES) and _reads(core[0], x, g):
            slots["pre_residual"] = core.pop(0)
        if core and isinstance(core[-1], _GATES):
            slots["branch"] = core.pop()
        for step in [s for s in core if isinstance(s, _GATES)]:
            self._drop_gate(
                step, part, Text(N_("inside the branch, between its convs: no slot there"))
            )
        core = [s for s in core if not isinstance(s, _GATES)]
        in_channels = None
        for key, table in BRANCH_TABLES.items():
            hit = match_table(g, table, core)
            if hit is not None:
                branch_key, values, branch_weights = key, hit[0], hit[1]
                in_channels = values["in_channels"]
                break
        else:
            ops = " → ".join(_describe(g, n) for n in core)
            raise NoFit(
                Finding.of(
                    f"{part} branch",
                    Text(
                        N_(
                            "the branch ({ops}) is neither a basic nor a bottleneck branch of "
                            "spec v1"
                        ),
                        ops=ops,
                    ),
                    "blocking",
                    self.names(core),
                )
            )
        weights.update(branch_weights)
        preact = branch_key[1]
        # skip: [P] [A_s]
        sk = list(skip)
        if sk and isinstance(sk[-1], _GATES):
            slots["skip"] = sk.pop()
        for step in [s for s in sk if isinstance(s, _GATES)]:
            self._drop_gate(
                step, part, Text(N_("before the skip's projection: spec v1's A_s sits after P"))
            )
        sk = [s for s in sk if not isinstance(s, _GATES)]
        shortcut = None
        if sk:
            for (pool, norm), table in PROJECTION_TABLES.items():
                if norm == preact:
                    continue
                hit = match_table(g, table, sk)
                if hit is not None:
                    shortcut = (pool, hit[0])
                    weights.update(hit[1])
                    break
            else:
                ops = " → ".join(_describe(g, n) for n in sk)
                raise NoFit(
                    Finding.of(
                        f"{part} skip",
                        Text(
                            N_(
                                "the skip path ({ops}) is none of spec v1's shortcuts (identity, "
                                "1×1 conv + BN, avg-pool + 1×1 conv + BN; pre-activation "
                                "projections have no BN)"
                            )
                            if preact
                            else N_(
                                "the skip path ({ops}) is none of spec v1's shortcuts (identity, "
                                "1×1 conv + BN, avg-pool + 1×1 conv + BN)"
                            ),
                            ops=ops,
                        ),
                        "blocking",
                        self.names(sk),
                    )
                )
            p_values = shortcut[1]
            if p_values["out_channels"] != values["out_channels"] or (
                p_values["stride"] != values["stride"]
            ):
                raise NoFit(
                    Finding.of(
                        f"{part} skip",
                        Text(N_("the projection's stride or channels differ from the branch's")),
                        "blocking",
                        self.names(sk),
                    )
                )
        # after the add: [A_o] [ReLU]
        t = add.output[0]
        post = self.gates_at(t) if self._only_gate_reads(t) else []
        if post:
            slots["post_add"] = post[0]
            t = post[0].output
        uses = self.free_uses(t)
        post_act = len(uses) == 1 and uses[0].op_type == "Relu"
        if post_act:
            self.claim(uses)
            t = uses[0].output[0]
        record = BlockRecord(
            in_channels,
            branch_key,
            values,
            shortcut,
            {},
            post_act,
            weights,
            g.label(add),
        )
        for slot, gate in slots.items():
            self._place(record, slot, gate, part)
        record.weights = _in_block_order(record.weights)
        return record, t

    def _walk_from(self, node, part: str):
        if node.op_type not in LAYER_OPS:
            self._unknown_layer(node, part)
        steps, add = self.walk(node.output[0], part)
        return [node, *steps], add

    def _only_gate_reads(self, t: str) -> bool:
        """Is every reader of `t` part of one gate on it (so that gate is A_o, not the next
        block's A_p, whose skip would read `t` too)?"""
        uses = self.free_uses(t)
        if not uses:
            return False
        gate_nodes: set[int] = set()
        gates = 0
        for mul in uses:
            if mul.op_type != "Mul":
                continue
            other = self.g.other(mul, t)
            if other is None:
                continue
            nodes = self.self_function(other, t)
            if nodes is not None:
                gates += 1
                gate_nodes.update(id(n) for n in nodes)
                gate_nodes.add(id(mul))
        # two gates on one tensor are the next block's A_p and A_s (identity skip)
        return gates == 1 and all(id(n) in gate_nodes for n in uses)

    def _place(self, record: BlockRecord, slot: str, gate: Gate, part: str) -> None:
        where = f"{part} slots.{slot}"
        if isinstance(gate, UnknownGate):
            self.findings.append(
                Finding.of(
                    where,
                    Text(
                        N_(
                            "a gate (the feature times a squashed function of itself) of a form "
                            "no registered kind computes ({kinds})"
                        ),
                        kinds=", ".join(RECOGNISERS),
                    ),
                    "dropped",
                    self.names(gate.nodes),
                )
            )
            return
        row = SLOT[slot]
        want = 2.0 if row.identity_start else 1.0  # the identity-start gate is doubled
        if abs(gate.scale - want) > 1e-6:
            why = (
                Text(
                    N_("spec v1's {slot} gate is doubled so that it starts as an identity"),
                    slot=slot,
                )
                if row.identity_start
                else Text(
                    N_("its gate is scaled by {scale}, which only an identity-start gate is"),
                    scale=f"{gate.scale:g}",
                )
            )
            reason = Text(N_("{kind} attention: {why}"), kind=gate.kind, why=why)
            self.findings.append(Finding.of(where, reason, "dropped", self.names(gate.nodes)))
            return
        channels = row.channels(record.in_channels, record.out_channels)
        options = RECOGNISERS[gate.kind].options(channels, gate.measured)
        if options is None:
            sizes = ", ".join(f"{k} {v}" for k, v in gate.measured.items())
            self.findings.append(
                Finding.of(
                    where,
                    Text(
                        N_(
                            "{kind} attention with {sizes} at {channels} channels: no option "
                            "values of spec v1 give these sizes"
                        ),
                        kind=gate.kind,
                        sizes=sizes,
                        channels=channels,
                    ),
                    "dropped",
                    self.names(gate.nodes),
                )
            )
            return
        record.slots[slot] = {"type": gate.kind, **options, "gate": gate.gate}
        record.weights.update(prefixed(row.attr, gate.weights))

    def _head(self, t: str) -> tuple[dict, str]:
        g = self.g
        weights: dict = {}
        nodes: list = []
        final_norm = False
        uses = self.free_uses(t)
        if len(uses) == 1 and uses[0].op_type == "BatchNormalization":
            bn = uses[0]
            relu = self.free_uses(bn.output[0])
            if len(relu) == 1 and relu[0].op_type == "Relu":
                weights.update(prefixed("final_norm", bn_weights(g, bn)))
                nodes += [bn, relu[0]]
                final_norm = True
                t = relu[0].output[0]
                uses = self.free_uses(t)
        pool = uses[0] if len(uses) == 1 else None
        ok = pool is not None and (
            pool.op_type == "GlobalAveragePool"
            or (pool.op_type == "ReduceMean" and g.axes(pool) in ((2, 3), (-2, -1)))
        )
        if not ok:
            raise NoFit(self._head_finding(t))
        nodes.append(pool)
        t = pool.output[0]
        for _ in range(3):  # Flatten / Reshape / Squeeze between the pool and the linear layer
            uses = self.free_uses(t)
            if len(uses) == 1 and uses[0].op_type in ("Flatten", "Reshape", "Squeeze"):
                nodes.append(uses[0])
                t = uses[0].output[0]
        uses = self.free_uses(t)
        lin = uses[0] if len(uses) == 1 else None
        if lin is not None and lin.op_type == "Gemm":
            w = g.c(lin.input[1])
            b = g.c(lin.input[2]) if len(lin.input) > 2 else None
            if w is None or g.attr(lin, "transA", 0):
                raise NoFit(self._head_finding(t))
            if not g.attr(lin, "transB", 0):
                w = w.T
            nodes.append(lin)
            t = lin.output[0]
        elif lin is not None and lin.op_type == "MatMul":
            w = g.c(lin.input[1])
            if w is None:
                raise NoFit(self._head_finding(t))
            w = w.T
            nodes.append(lin)
            t = lin.output[0]
            b = None
            nxt = self.free_uses(t)
            if len(nxt) == 1 and nxt[0].op_type == "Add":
                b = g.c(g.other(nxt[0], t) or "")
                nodes.append(nxt[0])
                t = nxt[0].output[0]
        else:
            raise NoFit(self._head_finding(t))
        self.claim(nodes)
        n = w.shape[0]
        weights["fc.weight"] = np.ascontiguousarray(w)
        weights["fc.bias"] = np.zeros(n, np.float32) if b is None else np.broadcast_to(b, (n,))
        return {"num_classes": n, "final_norm": final_norm, "weights": weights}, t

    def _head_finding(self, t: str) -> Finding:
        nodes = self._downstream(self.free_uses(t), 8)
        ops = " → ".join(n.op_type for n in nodes)
        if ops:
            template = N_(
                "the head ({ops}) is not global average pooling + one linear layer (with BN + "
                "ReLU first for a pre-activation network)"
            )
        else:
            template = N_(
                "the head (nothing) is not global average pooling + one linear layer (with BN + "
                "ReLU first for a pre-activation network)"
            )
        return Finding.of("head", Text(template, ops=ops), "blocking", self.names(nodes))


_GATES = (AttentionMatch, UnknownGate)
_SQUASHING = frozenset({"Sigmoid", "HardSigmoid", "Softmax", "Tanh"})
#: ops that reduce H × W away (a context block's attention pooling is a MatMul with a softmax)
_POOLING = frozenset(
    {"GlobalAveragePool", "GlobalMaxPool", "ReduceMean", "ReduceMax", "ReduceSum", "MatMul"}
)


def _in_block_order(weights: dict) -> dict:
    """A block's weights in its modules' registration order (= ``state_dict`` order)."""
    rank = {attr: i for i, (attr, _) in enumerate(BLOCK_MODULES)}
    return dict(sorted(weights.items(), key=lambda kv: rank[kv[0].split(".", 1)[0]]))


def _same_int(values) -> int:
    values = list(values or [1])
    return values[0] if all(v == values[0] for v in values) else 0


def _unique(nodes: list) -> list:
    seen, out = set(), []
    for n in nodes:
        if id(n) not in seen:
            seen.add(id(n))
            out.append(n)
    return out


def _reads(gate: Gate, x: str, g: Graph) -> bool:
    return any(x in n.input for n in gate.nodes)


def _shape_only(g: Graph, node) -> bool:
    return node.op_type in ("Shape", "Gather", "Unsqueeze", "Concat") and not g.uses(node.output[0])


def _describe(g: Graph, node) -> str:
    if node.op_type == "Conv":
        k = g.attr(node, "kernel_shape", [])
        s = g.attr(node, "strides", [1])
        return f"conv {'×'.join(map(str, k))}" + (f"/{s[0]}" if s and s[0] != 1 else "")
    return {"BatchNormalization": "BN", "Relu": "ReLU"}.get(node.op_type, node.op_type)
