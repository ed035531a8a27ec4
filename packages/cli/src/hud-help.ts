/**
 * The HUD's help panel (h or ?): the keys, and what each part of the screen shows, in a box drawn over the
 * frame. Any key closes it; q and Ctrl-C still do what they always do.
 */

const KEYS: ReadonlyArray<readonly [string, string]> = [
  ['h  ?', 'this help (any other key closes it)'],
  ['↑ ↓  k j', 'scroll the stage table by a row'],
  ['PgUp PgDn', 'scroll the stage table by a page'],
  ['Home End', 'first / last stages'],
  ['p', 'pause / resume rendering (the run goes on)'],
  ['q', 'stop gracefully: in-flight inputs get --grace ms'],
  ['Ctrl-C', 'SIGINT: the first stops gracefully, a second at once'],
];

const PARTS: ReadonlyArray<readonly [string, string]> = [
  ['Flow', 'stages in layers, sources on the left, ──▶ an edge'],
  ['stage table', 'progress, done, rate, p50/p99, queue, busy/slots'],
  ['Processes', 'this process, the workers, child processes'],
  ['Bottleneck', 'the stage that limits throughput (yellow)'],
];

/** The panel's lines, each as wide as the widest. */
export function helpBox(): string[] {
  const key = Math.max(...[...KEYS, ...PARTS].map(([k]) => k.length)) + 3;
  const body = [
    ' Keys',
    ...KEYS.map(([k, what]) => `  ${k.padEnd(key)}${what}`),
    '',
    ' What the HUD shows',
    ...PARTS.map(([k, what]) => `  ${k.padEnd(key)}${what}`),
  ];
  const inner = Math.max(...body.map((l) => l.length)) + 2;
  const title = ' Help ';
  return [`┌─${title}${'─'.repeat(inner - title.length - 1)}┐`, ...body.map((l) => `│${l.padEnd(inner)}│`), `└${'─'.repeat(inner)}┘`];
}
