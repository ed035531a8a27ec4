/**
 * @minigun/core/testing — the conformance suite every strategy plugin runs against itself, and the
 * fixture pipelines it uses (importable by isolated workers).
 */
export { assertAccounting, conformanceCases, runConformance, type ConformanceCase, type ConformanceOptions } from './testing/conformance.js';
export { CONFORMANCE_STRATEGY, CONFORMANCE_TRANSPORT, TARGET_CONTEXT, type ConformanceState } from './testing/fixtures.js';
export * as conformanceFixtures from './testing/fixtures.js';
