/**
 * The subset of the ONNX protobuf schema that tinyzh writes, loaded into protobufjs.
 *
 * Field numbers follow `onnx/onnx.proto3` of the ONNX specification
 * (https://github.com/onnx/onnx/blob/main/onnx/onnx.proto3); only the messages and fields a decoder graph needs are
 * declared, so the descriptor stays small and no `.proto` file has to be read at run time.
 */
import protobuf from 'protobufjs/light.js';

/** ONNX `TensorProto.DataType` values used by tinyzh. */
export const DataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
  FLOAT16: 10,
} as const;
export type DataTypeValue = (typeof DataType)[keyof typeof DataType];

/** ONNX `AttributeProto.AttributeType` values. */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

const descriptor = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            ir_version: { type: 'int64', id: 1 },
            opset_import: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
            producer_name: { type: 'string', id: 2 },
            producer_version: { type: 'string', id: 3 },
            domain: { type: 'string', id: 4 },
            model_version: { type: 'int64', id: 5 },
            doc_string: { type: 'string', id: 6 },
            graph: { type: 'GraphProto', id: 7 },
            metadata_props: { rule: 'repeated', type: 'StringStringEntryProto', id: 14 },
          },
        },
        StringStringEntryProto: {
          fields: { key: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } },
        },
        OperatorSetIdProto: {
          fields: { domain: { type: 'string', id: 1 }, version: { type: 'int64', id: 2 } },
        },
        GraphProto: {
          fields: {
            node: { rule: 'repeated', type: 'NodeProto', id: 1 },
            name: { type: 'string', id: 2 },
            initializer: { rule: 'repeated', type: 'TensorProto', id: 5 },
            doc_string: { type: 'string', id: 10 },
            input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 },
            output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
            value_info: { rule: 'repeated', type: 'ValueInfoProto', id: 13 },
          },
        },
        NodeProto: {
          fields: {
            input: { rule: 'repeated', type: 'string', id: 1 },
            output: { rule: 'repeated', type: 'string', id: 2 },
            name: { type: 'string', id: 3 },
            op_type: { type: 'string', id: 4 },
            domain: { type: 'string', id: 7 },
            attribute: { rule: 'repeated', type: 'AttributeProto', id: 5 },
            doc_string: { type: 'string', id: 6 },
          },
        },
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 },
            doc_string: { type: 'string', id: 13 },
            type: { type: 'int32', id: 20 },
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
            s: { type: 'bytes', id: 4 },
            t: { type: 'TensorProto', id: 5 },
            floats: { rule: 'repeated', type: 'float', id: 7 },
            ints: { rule: 'repeated', type: 'int64', id: 8 },
          },
        },
        ValueInfoProto: {
          fields: {
            name: { type: 'string', id: 1 },
            type: { type: 'TypeProto', id: 2 },
            doc_string: { type: 'string', id: 3 },
          },
        },
        TypeProto: {
          fields: { tensor_type: { type: 'TensorTypeProto', id: 1 } },
        },
        // `TypeProto.Tensor` in onnx.proto3; a nested message there, a top-level name here (same wire format).
        TensorTypeProto: {
          fields: { elem_type: { type: 'int32', id: 1 }, shape: { type: 'TensorShapeProto', id: 2 } },
        },
        TensorShapeProto: {
          fields: { dim: { rule: 'repeated', type: 'Dimension', id: 1 } },
        },
        // `TensorShapeProto.Dimension` in onnx.proto3.
        Dimension: {
          fields: { dim_value: { type: 'int64', id: 1 }, dim_param: { type: 'string', id: 2 } },
        },
        TensorProto: {
          fields: {
            dims: { rule: 'repeated', type: 'int64', id: 1 },
            data_type: { type: 'int32', id: 2 },
            name: { type: 'string', id: 8 },
            doc_string: { type: 'string', id: 12 },
            raw_data: { type: 'bytes', id: 9 },
          },
        },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(descriptor);

/** protobufjs type of `onnx.ModelProto`. */
export const ModelProto = root.lookupType('onnx.ModelProto');

/** A tensor as written into an ONNX file: raw little-endian bytes of `dataType`, row-major `dims`. */
export interface TensorProtoValue {
  name: string;
  dims: number[];
  data_type: DataTypeValue;
  raw_data: Uint8Array;
}

/** Serialises a plain-object `ModelProto` (field names as in onnx.proto3) to ONNX bytes. */
export function encodeModel(model: Record<string, unknown>): Uint8Array {
  const message = ModelProto.fromObject(model);
  return ModelProto.encode(message).finish();
}

/** Parses ONNX bytes into a plain object (for tests and tools; int64 values become numbers). */
export function decodeModel(bytes: Uint8Array): Record<string, unknown> {
  const message = ModelProto.decode(bytes);
  return ModelProto.toObject(message, { longs: Number, bytes: Uint8Array as unknown as typeof String, defaults: false });
}
