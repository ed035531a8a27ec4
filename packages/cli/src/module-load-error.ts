/**
 * A module the command imports (the pipeline's, a `--use` plugin) threw while loading: not a usage mistake
 * (exit code 1), and the message carries the module's own error with its stack, which says where.
 */
export class ModuleLoadError extends Error {
  override readonly name = 'ModuleLoadError';

  /** `what` names the import ("Importing /app/etl.ts", "--use pkg: importing pkg/register"). */
  static of(what: string, error: unknown): ModuleLoadError {
    // importPipelineModule wraps the module's error as its cause: show that one.
    const cause = (error as { cause?: unknown }).cause;
    const shown = cause instanceof Error ? cause : error;
    const text = shown instanceof Error ? (shown.stack ?? shown.message) : String(shown);
    return new ModuleLoadError(`${what} failed:\n${text}`, { cause: error });
  }
}
