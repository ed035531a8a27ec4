// Flat config shared by every package: typescript-eslint's recommended rules everywhere, and on each
// package's src/ the type-aware rules that catch promises nobody handles and switches that miss a case (a
// class of fault that crashes a process or loses an error; tests and benches are exempt, they await by hand).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // tsup writes its config, bundled, next to it while a build runs (tsup.config.bundled_<id>.mjs) and deletes
  // it after: lint runs beside the build, and a file that vanishes mid-lint fails it.
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.nx/**', '**/coverage/**', '**/*.bundled_*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['**/src/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
    },
  },
  {
    files: ['**/test/**', '**/bench/**', '**/*.test.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
