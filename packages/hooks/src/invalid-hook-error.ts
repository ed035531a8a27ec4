/** Thrown synchronously when a hook definition is malformed (a programming error, hence a TypeError). */
export class InvalidHookError extends TypeError {
  readonly code = 'ERR_MINIGUN_HOOK_INVALID' as const;
  override readonly name = 'InvalidHookError';
}
