import { YCodeCell, YNotebook } from '@jupyter/ydoc';
import { describe, expect, it } from 'vitest';

import { replaceSource } from '../src/replace';

const BEFORE = 'def f():\n    pass\n';
const AFTER = 'def f():\n    """Do f."""\n    pass\n';

/** A real shared cell in a shared notebook (each cell with its own undo history, JupyterLab's default). */
function cell(text: string): YCodeCell {
  const notebook = YNotebook.create({ disableDocumentWideUndoRedo: true });
  const c = notebook.insertCell(0, { cell_type: 'code', source: text });
  c.undoManager?.clear();
  return c as YCodeCell;
}

describe('replaceSource (on a real shared cell)', () => {
  it('sets the new text', () => {
    const c = cell(BEFORE);
    replaceSource(c, AFTER);
    expect(c.getSource()).toBe(AFTER);
  });

  it('is one undo step, not merged with the typing before it', () => {
    const c = cell(BEFORE);
    c.updateSource(BEFORE.length, BEFORE.length, 'x = 1\n'); // the user types
    const typed = c.getSource();
    replaceSource(c, AFTER);
    c.undo();
    expect(c.getSource()).toBe(typed);
    c.redo();
    expect(c.getSource()).toBe(AFTER);
  });

  it('rewrites only the middle that differs (the rest of the cell is untouched)', () => {
    const c = cell(BEFORE);
    const changes: number[][] = [];
    c.changed.connect((_, change) => {
      if (change.sourceChange) {
        changes.push(change.sourceChange.map(d => (d.retain ?? 0) as number));
      }
    });
    replaceSource(c, AFTER);
    // One change that keeps the common prefix 'def f():\n    ' (13 characters) in place.
    expect(changes).toEqual([[13, 0]]);
  });

  it('changes nothing when the text is the same', () => {
    const c = cell(BEFORE);
    replaceSource(c, BEFORE);
    expect(c.getSource()).toBe(BEFORE);
    expect(c.undoManager?.canUndo() ?? false).toBe(false);
  });
});
