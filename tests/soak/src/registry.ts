/** The plugins a round runs with: both fork strategies, the thread strategies and the tempfile transport. */
import { withoutLoaderFlags } from '@minigun/bench-harness';
import { Registry } from '@minigun/core';
import { tempfilePlugin } from '@minigun/ipc-tempfile';
import { forkStrategies } from '@minigun/strategy-fork';
import { threadStrategies } from '@minigun/strategy-thread';
import type { TempfileLayout } from './round-config.js';

/**
 * The pipeline module is plain JavaScript, so children start without the runner's tsx loader. They also start
 * without NODE_EXTRA_CA_CERTS: Node parses that file at every start (tens of ms per child here) and the stages
 * open no TLS connection. Neither changes what is tested; both let a round run more inputs.
 */
function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

/** Shared-layout locks of a SIGKILLed writer are taken over after `staleMs`: the smallest allowed, so a kill costs the round little time. */
const STALE_MS = 2000;

export function soakRegistry(layout: TempfileLayout): Registry {
  return (
    new Registry()
      // maxRestarts: Infinity: the monkey kills ipc-fork children on purpose, several a minute; under the default
      // restart limit (5 deaths within 60 s) the stage would stop and fail its remaining inputs at once, which
      // tests the limit (test/restart.test.ts in strategy-fork does), not what a run survives.
      .use(forkStrategies({ maxRestarts: Infinity, fork: { execArgv: withoutLoaderFlags(['--import', '--loader', '--require', '-r']), env: childEnv() } }))
      .use(threadStrategies())
      .use(tempfilePlugin({ shared: layout === 'shared', staleMs: STALE_MS }))
  );
}
