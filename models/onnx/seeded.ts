/**
 * Seeded pseudo-random numbers for the generated ONNX models. mulberry32 is
 * not statistically strong, but it is fast (the shape-faithful encoder needs
 * ~66 M random bytes) and gives the same stream in Node and workerd, so a
 * seed pins every byte of a generated model.
 */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [-limit, limit). */
  uniform(limit: number): number {
    return (this.nextUint32() / 2 ** 32) * 2 * limit - limit;
  }

  floats(count: number, limit: number, offset = 0): Float32Array {
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = offset + this.uniform(limit);
    return out;
  }

  /** Fills whole 32-bit words at a time: byte-level calls would dominate generation time. */
  bytes(count: number): Uint8Array {
    const words = new Uint32Array(Math.ceil(count / 4));
    for (let i = 0; i < words.length; i++) words[i] = this.nextUint32();
    return new Uint8Array(words.buffer, 0, count);
  }
}
