/**
 * The harness shared by this repository's benchmarks (not published). Each bench keeps its workloads,
 * baselines and targets in its package's bench/ directory and takes the rest from here.
 */
export * from './args.js';
export * from './flags.js';
export * from './machine.js';
export * from './main.js';
export * from './measure.js';
export * from './runs.js';
export * from './sums.js';
export * from './table.js';
export * from './targets.js';
