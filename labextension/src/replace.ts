/**
 * Setting a cell's text as one undoable edit, for the review's Replace cell
 * (review/actions.ts, which asks first when the cell changed since the run).
 */

/** The subset of a shared cell this plugin needs (ISharedCell from @jupyter/ydoc). */
export interface ISharedCellLike {
  getSource(): string;
  transact(f: () => void, undoable?: boolean): void;
  /** Not in ydoc's ISharedCell interface, but its cells (YBaseCell) have one. */
  readonly undoManager?: { stopCapturing(): void } | null;
  updateSource(start: number, end: number, value?: string): void;
}

/**
 * Replace the cell's text with `source` as ONE undo step.
 *
 * Only the differing middle part is rewritten (common prefix and suffix are
 * kept), so cursors and collaborators elsewhere in the cell are undisturbed.
 * stopCapturing() before and after keeps the undo manager from merging this
 * edit with the user's recent typing or with the next keystrokes.
 */
export function replaceSource(cell: ISharedCellLike, source: string): void {
  const current = cell.getSource();
  let start = 0;
  const maxPrefix = Math.min(current.length, source.length);
  while (start < maxPrefix && current[start] === source[start]) {
    start++;
  }
  let endCurrent = current.length;
  let endSource = source.length;
  while (
    endCurrent > start &&
    endSource > start &&
    current[endCurrent - 1] === source[endSource - 1]
  ) {
    endCurrent--;
    endSource--;
  }
  cell.undoManager?.stopCapturing();
  cell.transact(() => {
    cell.updateSource(start, endCurrent, source.slice(start, endSource));
  }, true);
  cell.undoManager?.stopCapturing();
}
