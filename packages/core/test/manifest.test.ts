import { describe, expect, it } from 'vitest';
import { createManifest, ManifestError, parseManifest, sha256Hex, verifyManifestFile } from '../src/index.js';

const enc = (s: string) => new TextEncoder().encode(s);

describe('manifest', () => {
  it('sha256Hex matches FIPS 180-4 test vectors', async () => {
    expect(await sha256Hex(enc(''))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(await sha256Hex(enc('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(await sha256Hex(enc('abc').subarray(1))).toBe(await sha256Hex(enc('bc')));
  });

  it('creates a sorted manifest and verifies files, telling truncated from corrupted', async () => {
    const files = [
      { path: 'onnx/model.onnx', bytes: enc('onnx bytes') },
      { path: 'config.json', bytes: enc('{}') },
    ];
    const m = await createManifest(files);
    expect(m.format).toBe('tinyzh-model');
    expect(m.files.map((f) => f.path)).toEqual(['config.json', 'onnx/model.onnx']);
    expect(parseManifest(JSON.parse(JSON.stringify(m)))).toEqual(m);
    await verifyManifestFile(m, 'onnx/model.onnx', enc('onnx bytes'));
    const kind = async (path: string, bytes: Uint8Array) => {
      try {
        await verifyManifestFile(m, path, bytes);
      } catch (e) {
        expect(e).toBeInstanceOf(ManifestError);
        expect((e as Error).message).toContain(path);
        return (e as ManifestError).kind;
      }
      return 'ok';
    };
    expect(await kind('onnx/model.onnx', enc('onnx byte'))).toBe('truncated');
    expect(await kind('onnx/model.onnx', enc('onnx bytes!'))).toBe('size');
    expect(await kind('onnx/model.onnx', enc('onnx bytez'))).toBe('corrupted');
    expect(await kind('tokenizer.json', enc(''))).toBe('missing');
    // The message says only what is known: the size differs (shorter: cut off or edited; longer: edited or appended).
    await expect(verifyManifestFile(m, 'onnx/model.onnx', enc('onnx byte'))).rejects.toThrow(
      'onnx/model.onnx: size does not match manifest.json (got 9 bytes, expected 10): the file is truncated or was changed',
    );
    await expect(verifyManifestFile(m, 'onnx/model.onnx', enc('onnx bytes!'))).rejects.toThrow(
      'onnx/model.onnx: size does not match manifest.json (got 11 bytes, expected 10): the file was changed or has extra bytes',
    );
  });

  it('rejects bad paths and malformed manifests', async () => {
    await expect(createManifest([{ path: '../x', bytes: enc('') }])).rejects.toThrow(ManifestError);
    await expect(createManifest([{ path: 'a', bytes: enc('') }, { path: 'a', bytes: enc('') }])).rejects.toThrow(/duplicate/);
    expect(() => parseManifest({ format: 'tinyzh-model', version: 2, files: [] }, 'm/manifest.json')).toThrow(/m\/manifest.json.*version/);
    expect(() => parseManifest({ format: 'tinyzh-model', version: 1, files: [{ path: 'a', size: 1, sha256: 'xyz' }] })).toThrow(/"a".*sha256/);
  });
});
