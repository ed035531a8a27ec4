/** Thrown synchronously when a bundle is given a bad option (a programming error, hence a TypeError). */
export class InvalidOptionError extends TypeError {
  readonly code = 'ERR_MINIGUN_INVALID_OPTION' as const;
  override readonly name = 'InvalidOptionError';
}
