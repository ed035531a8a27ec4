/** The Ruby gem's fork scenarios over the IPC channel (the same suite runs over tempfiles in @minigun/ipc-tempfile). */
import { channel } from './fixtures/scenarios.ts';
import { describeScenarios } from './scenario-suite.ts';
import { registry } from './util.ts';

describeScenarios('reference scenarios with forks, no tempfiles', channel, () => registry());
