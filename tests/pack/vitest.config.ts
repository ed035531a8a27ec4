import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

// Packing and installing takes longer than a unit test: one npm install of three tarballs, then real child processes.
export default mergeConfig(shared, defineConfig({ test: { testTimeout: 120_000, hookTimeout: 120_000 } }));
