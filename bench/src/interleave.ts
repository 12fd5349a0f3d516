/** Runs `count` timed operations and returns each one's duration in milliseconds. */
export type Batch = (count: number) => Promise<number[]>;

export interface InterleaveOptions {
  /** Samples wanted from each side. */
  samples: number;
  /** Operations per batch: small enough that both sides see the same noise, large enough to stay warm. */
  batch?: number;
  /** Untimed operations per side before measuring (JIT warm-up, caches, prepared statements). */
  warmup?: number;
}

/**
 * Alternates batches of the subject and of its floor, swapping which goes first every round,
 * so that a noisy neighbour, a GC or a CPU frequency change hits both series alike.
 *
 * @example
 * const { subject, floor } = await interleave(engineSteps, floorSteps, { samples: 2000 });
 */
export async function interleave(
  subject: Batch,
  floor: Batch,
  options: InterleaveOptions,
): Promise<{ subject: number[]; floor: number[] }> {
  const [subjectSamples, floorSamples] = await interleaveMany([subject, floor], options);
  return { subject: subjectSamples!, floor: floorSamples! };
}

/**
 * `interleave` for any number of sides: every round runs one batch of each, starting one side
 * further each round, so every side goes first as often as the others.
 *
 * @example
 * const [engine, builderbot, builderbotNoDelay] = await interleaveMany([a, b, c], { samples: 1000 });
 */
export async function interleaveMany(
  sides: readonly Batch[],
  options: InterleaveOptions,
): Promise<number[][]> {
  const batch = options.batch ?? 100;
  const warmup = options.warmup ?? Math.min(500, options.samples);
  for (const side of sides) await side(warmup);
  const samples = sides.map((): number[] => []);
  const fewest = () => Math.min(...samples.map((series) => series.length));
  for (let round = 0; fewest() < options.samples; round++) {
    const size = Math.min(batch, options.samples - fewest());
    for (let offset = 0; offset < sides.length; offset++) {
      const index = (round + offset) % sides.length;
      if (samples[index]!.length < options.samples) samples[index]!.push(...(await sides[index]!(size)));
    }
  }
  return samples;
}

/** A batch from a synchronous operation (the memory floor): times each call. */
export function syncBatch(operation: () => void): Batch {
  return async (count) => {
    const samples = new Array<number>(count);
    for (let index = 0; index < count; index++) {
      const began = performance.now();
      operation();
      samples[index] = performance.now() - began;
    }
    return samples;
  };
}

/** A batch from an asynchronous operation run by `workers` concurrent loops (1 = one at a time). */
export function asyncBatch(operation: (worker: number) => Promise<void>, workers = 1): Batch {
  return async (count) => {
    const samples: number[] = [];
    let started = 0;
    const loop = async (worker: number) => {
      while (started < count) {
        started++;
        const began = performance.now();
        await operation(worker);
        samples.push(performance.now() - began);
      }
    };
    await Promise.all(
      Array.from({ length: Math.max(1, Math.min(workers, count)) }, (_, worker) => loop(worker)),
    );
    return samples;
  };
}
