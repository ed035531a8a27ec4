/**
 * @minigun/cli's programmatic entry: the `minigun` command as a function, and the pieces it prints with,
 * for tools that embed it. The bin is `bin/minigun.js`, which loads the built `dist/cli.js`.
 */
export { runCli, EXIT, type CliEnvironment } from './run-command.js';
export { parseCommand, type Command, type RunCommand, type Display } from './args.js';
export { formatReport } from './report.js';
export { renderFrame, type FrameOptions } from './hud-frame.js';
export { progressBlock, progressLine } from './progress-lines.js';
export { toJson, type Json } from './json.js';
export { UsageError, USAGE } from './usage-error.js';
