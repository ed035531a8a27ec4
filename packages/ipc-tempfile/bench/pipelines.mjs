// The benchmark's pipelines (plain JavaScript: children and workers import it without a loader). The stage
// under test sends its records back over the channel or the tempfile transport, as the pipeline name says.
import { Buffer } from 'node:buffer';
import { pipeline } from '@minigun/core';

const module = import.meta.url;

/** state: { inputs, per, size }: each input emits `per` small records (~`size` bytes); the sink counts them. */
function small(transport) {
  return pipeline(`small-${transport}`, { module }, (p) => {
    p.producer('source', async (out, ctx) => {
      for (let i = 0; i < ctx.state.inputs; i++) await out.emit(i);
    });
    p.processor('work', { strategy: 'ipc-fork', concurrency: 2, transport }, async (n, out, ctx) => {
      const pad = 'x'.repeat(ctx.state.size);
      for (let k = 0; k < ctx.state.per; k++) await out.emit({ n, k, pad });
    });
    p.consumer('sink', (r, _out, ctx) => {
      ctx.state.sum += r.k + 1;
    });
  });
}

/** state: { inputs, per, bytes }: each cow-fork input emits `per` buffers of `bytes`; the sink checks and drops them. */
function large(transport) {
  return pipeline(`large-${transport}`, { module }, (p) => {
    p.producer('source', async (out, ctx) => {
      for (let i = 0; i < ctx.state.inputs; i++) await out.emit(i);
    });
    p.processor('work', { strategy: 'cow-fork', concurrency: 2, transport }, async (n, out, ctx) => {
      for (let k = 0; k < ctx.state.per; k++) await out.emit(Buffer.alloc(ctx.state.bytes, (n + k) % 256));
    });
    p.consumer('sink', (b, _out, ctx) => {
      ctx.state.sum += b.length === ctx.state.bytes ? 1 : 0;
    });
  });
}

export const smallPipelines = { channel: small('channel'), tempfile: small('tempfile') };
export const largePipelines = { channel: large('channel'), tempfile: large('tempfile') };
