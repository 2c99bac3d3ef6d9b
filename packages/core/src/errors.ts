/**
 * Base class of every error `@tinyzh/core` throws on bad input. `source` names the file (or other origin) that held
 * the bad data when the caller passed one, so a message always says where to look.
 */
export class TinyzhError extends Error {
  /** The file or origin of the bad input, as given by the caller (for example `"out/config.json"`). */
  readonly source?: string;
  constructor(message: string, source?: string) {
    super(message);
    this.name = new.target.name;
    this.source = source;
  }
}

/** A model config (`config.json`, preset or override) failed validation. Thrown by `parseLlamaConfig` and friends. */
export class ConfigError extends TinyzhError {
  /** The offending `LlamaConfig` field, e.g. `"num_key_value_heads"`. */
  readonly field?: string;
  constructor(message: string, source?: string, field?: string) {
    super(message, source);
    this.field = field;
  }
}

/** A safetensors file is malformed, or tensors given to the writer are inconsistent. */
export class SafetensorsError extends TinyzhError {
  /** The tensor name the problem concerns, when there is one. */
  readonly tensor?: string;
  constructor(message: string, source?: string, tensor?: string) {
    super(message, source);
    this.tensor = tensor;
  }
}

/** Why a file failed manifest verification. */
export type ManifestErrorKind = 'invalid' | 'missing' | 'truncated' | 'size' | 'corrupted';

/**
 * A model manifest is malformed, or a file does not match it: `kind` is `"truncated"` when the file is shorter than
 * the manifest says, `"size"` when it is longer, `"corrupted"` when the size matches but the SHA-256 does not,
 * `"missing"` when the manifest has no entry for the path, `"invalid"` for a malformed manifest.
 */
export class ManifestError extends TinyzhError {
  readonly kind: ManifestErrorKind;
  /** The model-folder-relative path of the file concerned, when there is one. */
  readonly path?: string;
  constructor(message: string, kind: ManifestErrorKind, path?: string, source?: string) {
    super(message, source);
    this.kind = kind;
    this.path = path;
  }
}
