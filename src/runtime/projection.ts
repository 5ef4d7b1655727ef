/**
 * The contract between a stage and the runtime. It lives with the runtime, which runs it; stage
 * definitions (src/stages/stage.ts) build it.
 */

/** One record a stage emits: its value, its key and, when the stage routes, the topic it goes to. */
export interface StageOutput<Out> {
  key: string;
  value: Out;
  /** Explicit destination topic (e.g. a tier topic); default is the stage's `output` topic. */
  topic?: string;
}

/** The outputs of one input record: none (filtered), one, or several (fan-out). */
export type Outputs<Out> = readonly StageOutput<Out>[];

/**
 * The stage contract: one input record in, all of its outputs out, at once or as a Promise.
 * The runtime maps the input stream through it like RxJS `mergeMap(project, concurrency)`, except
 * that records with the same key go one at a time, in order, and every call runs under the retry
 * policy (src/core/retryPolicy.ts). An input is committed once the broker acknowledged all of its
 * outputs (none, for a filtered one). Work spanning records (batching model calls, shared state)
 * lives in the factory's closure: `batched()` (src/runtime/batched.ts) groups calls with bufferTime.
 */
export type Projection<In, Out> = (input: In) => Outputs<Out> | Promise<Outputs<Out>>;
