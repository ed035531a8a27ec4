/**
 * The Ruby gem's fork scenarios — the ones its users solved with hand-written, locked tempfiles — run again
 * with every stage on `transport: 'tempfile'`: the same suite as @minigun/strategy-fork's, over files.
 */
import { afterEach } from 'vitest';
import { Registry } from '@minigun/core';
import { tempfilePlugin } from '@minigun/ipc-tempfile';
import { forkStrategies } from '@minigun/strategy-fork';
import { tempfile } from '../../strategy-fork/test/fixtures/scenarios.ts';
import { describeScenarios } from '../../strategy-fork/test/scenario-suite.ts';
import { expectNothingLeft, root } from './util';

afterEach(expectNothingLeft);

describeScenarios('fork reference scenarios over tempfiles', tempfile, () => new Registry().use(forkStrategies()).use(tempfilePlugin({ dir: root() })));
