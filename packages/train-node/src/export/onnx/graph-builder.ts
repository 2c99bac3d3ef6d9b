/**
 * A small builder for ONNX graphs: named values, initializers, nodes with attributes, graph inputs and outputs.
 * It knows nothing about Llama; `llama-decoder.ts` uses it. Semantics of every op: the ONNX operator specification
 * (https://onnx.ai/onnx/operators/), at the opset given to {@link GraphBuilder.toModel}.
 */
import { AttributeType, DataType, encodeModel, type DataTypeValue, type TensorProtoValue } from './proto.js';

/** A dimension of a graph input/output: a fixed size or a symbolic name such as `"batch_size"`. */
export type Dim = number | string;

/** An attribute value: numbers that are integers become INT, other numbers FLOAT; arrays INTS / FLOATS. */
export type AttrValue = number | string | number[] | { floats: number[] } | { float: number };

function attribute(name: string, value: AttrValue): Record<string, unknown> {
  if (typeof value === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  if (typeof value === 'number') {
    return Number.isInteger(value) ? { name, type: AttributeType.INT, i: value } : { name, type: AttributeType.FLOAT, f: value };
  }
  if (Array.isArray(value)) return { name, type: AttributeType.INTS, ints: value };
  if ('float' in value) return { name, type: AttributeType.FLOAT, f: value.float };
  return { name, type: AttributeType.FLOATS, floats: value.floats };
}

function valueInfo(name: string, elemType: DataTypeValue, dims: Dim[]): Record<string, unknown> {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) },
      },
    },
  };
}

function bytesOf(data: Float32Array | Int32Array | BigInt64Array | Int8Array | Uint8Array | Uint16Array): Uint8Array {
  // All supported hosts are little-endian (as ONNX raw_data requires); copy so later edits cannot alias.
  return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
}

/** Builds one ONNX `GraphProto` and wraps it in a `ModelProto`. */
export class GraphBuilder {
  private readonly nodes: Record<string, unknown>[] = [];
  private readonly initializers: TensorProtoValue[] = [];
  private readonly inputs: Record<string, unknown>[] = [];
  private readonly outputs: Record<string, unknown>[] = [];
  private readonly names = new Set<string>();
  private readonly initializerNames = new Set<string>();
  private counter = 0;

  /** Returns a fresh value name starting with `hint`. */
  fresh(hint: string): string {
    let name = `${hint}_${this.counter++}`;
    while (this.names.has(name)) name = `${hint}_${this.counter++}`;
    this.names.add(name);
    return name;
  }

  /** Declares a graph input. */
  input(name: string, elemType: DataTypeValue, dims: Dim[]): string {
    this.names.add(name);
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  /** Declares a graph output; `value` is renamed to `name` through an Identity node when they differ. */
  output(name: string, value: string, elemType: DataTypeValue, dims: Dim[]): void {
    if (value !== name) this.nodes.push({ op_type: 'Identity', input: [value], output: [name], name: `${name}/Identity` });
    this.names.add(name);
    this.outputs.push(valueInfo(name, elemType, dims));
  }

  /** Adds an initializer (a constant tensor stored in the file) and returns its name. */
  initializer(
    name: string,
    dataType: DataTypeValue,
    dims: number[],
    data: Float32Array | Int32Array | BigInt64Array | Int8Array | Uint8Array | Uint16Array,
  ): string {
    if (this.initializerNames.has(name)) throw new Error(`ONNX graph: initializer name '${name}' is used twice`);
    this.initializerNames.add(name);
    this.names.add(name);
    this.initializers.push({ name, dims, data_type: dataType, raw_data: bytesOf(data) });
    return name;
  }

  /** An int64 1-D constant (shapes, axes, split sizes). */
  constInt64(hint: string, values: number[]): string {
    return this.initializer(this.fresh(hint), DataType.INT64, [values.length], BigInt64Array.from(values.map((v) => BigInt(v))));
  }

  /** A float32 scalar constant (0-d tensor). */
  constFloat(hint: string, value: number): string {
    return this.initializer(this.fresh(hint), DataType.FLOAT, [], Float32Array.of(value));
  }

  /** An int32 scalar constant (0-d tensor). */
  constInt32(hint: string, value: number): string {
    return this.initializer(this.fresh(hint), DataType.INT32, [], Int32Array.of(value));
  }

  /**
   * Adds a node and returns the names of its outputs (`outputs` fresh names are made from `opType` when a number).
   * An empty string in `inputs` is an omitted optional input, as ONNX specifies.
   */
  nodeMulti(opType: string, inputs: string[], outputs: number | string[], attrs: Record<string, AttrValue> = {}, domain = ''): string[] {
    const outNames = typeof outputs === 'number' ? Array.from({ length: outputs }, () => this.fresh(opType)) : outputs;
    for (const n of outNames) this.names.add(n);
    const node: Record<string, unknown> = {
      op_type: opType,
      input: inputs,
      output: outNames,
      name: `${opType}_node_${this.nodes.length}`,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    };
    if (domain) node.domain = domain;
    this.nodes.push(node);
    return outNames;
  }

  /** Adds a single-output node and returns its output name. */
  node(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, outputName?: string): string {
    return this.nodeMulti(opType, inputs, outputName ? [outputName] : 1, attrs)[0]!;
  }

  /** Number of nodes so far (for tests and reports). */
  get nodeCount(): number {
    return this.nodes.length;
  }

  /**
   * Serialises the graph as an ONNX model (IR version 8, default domain at `opset`).
   * @param metadata extra `metadata_props` (string key/value pairs).
   */
  toModel(opts: { graphName: string; opset: number; producerVersion: string; docString?: string; metadata?: Record<string, string>; extraOpsets?: { domain: string; version: number }[] }): Uint8Array {
    return encodeModel({
      ir_version: 8,
      producer_name: 'tinyzh',
      producer_version: opts.producerVersion,
      doc_string: opts.docString ?? '',
      opset_import: [{ domain: '', version: opts.opset }, ...(opts.extraOpsets ?? [])],
      metadata_props: Object.entries(opts.metadata ?? {}).map(([key, value]) => ({ key, value })),
      graph: {
        name: opts.graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
  }
}
