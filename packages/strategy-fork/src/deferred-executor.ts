/**
 * An executor that is still being made (a fork server starting: Node's start-up, the module's import, the
 * preload hooks), handed to the run at once so that the run starts meanwhile, as spawn's spares do. Every
 * call waits for the real executor; one that could not be made fails each input with why.
 */
import type { Attempt, Emission, StageExecutor, StreamInput, WorkerInfo } from '@minigun/core';

export class DeferredExecutor implements StageExecutor {
  private made: StageExecutor | undefined;

  constructor(private readonly making: Promise<StageExecutor>) {
    making.then(
      (executor) => (this.made = executor),
      () => undefined, // each input fails with it
    );
  }

  async execute(attempt: Attempt): Promise<Iterable<Emission> | AsyncIterable<Emission>> {
    return (await this.making).execute(attempt);
  }

  async produce(emit: (e: Emission) => Promise<void>, signal: AbortSignal): Promise<void> {
    const executor = await this.making;
    if (executor.produce === undefined) throw new Error('cow-fork: the executor cannot run producers');
    await executor.produce(emit, signal);
  }

  async stream(input: StreamInput, emit: (e: Emission) => Promise<void>, signal: AbortSignal): Promise<void> {
    const executor = await this.making;
    if (executor.stream === undefined) throw new Error('cow-fork: the executor cannot run custom stages');
    await executor.stream(input, emit, signal);
  }

  async close(mode: 'graceful' | 'force'): Promise<void> {
    const executor = await this.making.catch(() => undefined);
    await executor?.close(mode);
  }

  workers(): readonly WorkerInfo[] {
    return this.made?.workers?.() ?? [];
  }

  details(): Readonly<Record<string, unknown>> {
    return this.made?.details?.() ?? { start: 'pending' };
  }
}
