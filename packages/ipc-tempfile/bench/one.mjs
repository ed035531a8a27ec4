// One timed run in a fresh process, so that its peak RSS is its own: `node one.mjs <workload> <transport> <json state>`.
// Prints { ms, sum, maxRssMB, status }.
import console from 'node:console';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { Registry } from '@minigun/core';
import { forkStrategies } from '@minigun/strategy-fork';
import { tempfilePlugin } from '@minigun/ipc-tempfile';
import { largePipelines, smallPipelines } from './pipelines.mjs';

const [workload, transport, stateJson] = process.argv.slice(2);
const variant = transport === 'tempfile-shared' ? 'tempfile' : transport;
const registry = new Registry().use(forkStrategies({ fork: { execArgv: [] } })).use(tempfilePlugin({ shared: transport === 'tempfile-shared' }));
const pipelines = workload === 'small' ? smallPipelines : largePipelines;
const state = { ...JSON.parse(stateJson), sum: 0 };
const started = performance.now();
const r = await pipelines[variant].run({ registry, state });
const ms = performance.now() - started;
console.log(JSON.stringify({ ms, sum: state.sum, status: r.status, errors: r.errors.map((e) => e.message), maxRssMB: process.resourceUsage().maxRSS / 1024 }));
