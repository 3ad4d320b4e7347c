// Unit tests for the extension's pure parts (no JupyterLab, no browser: tests/e2e drives the real thing).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node'
  }
});
