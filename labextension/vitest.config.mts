// Unit tests for the extension's pure parts (no JupyterLab, no browser: tests/e2e drives the real thing).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // @jupyter/ydoc's own YNotebook.insertCell reads its new cell before adding it to the document and yjs
    // warns about that (JupyterLab's console shows the same); anything else a test logs is shown.
    onConsoleLog: log =>
      !/^(Invalid access: Add Yjs type|\[yjs#509\] Not same Y\.Doc)/.test(log)
  }
});
