/**
 * MINIGUN_FS_TRACE=1: one line on stderr per step of a forked input (parent, fork server, child), stamped
 * with the monotonic clock in µs, which all three share: where an input's time goes. Off by default.
 */
export const trace: ((what: string) => void) | undefined =
  process.env.MINIGUN_FS_TRACE === '1' ? (what) => void process.stderr.write(`T ${process.hrtime.bigint() / 1000n} ${process.pid} ${what}\n`) : undefined;
