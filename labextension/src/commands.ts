/**
 * "Document this cell" and "Check this notebook": the review without typing
 * %%docgen. Both go through the kernel's RUN_TARGET (docgen_magic/kernel,
 * loaded into the kernel when needed) with the same settings as the magic.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { JSONObject } from '@lumino/coreutils';
import { Widget } from '@lumino/widgets';

import { REVIEW_MIME } from './protocol';
import { KernelRequestError, kernelOf, runRequest } from './kernel';
import { documentIntoOutput } from './review';

export const DOCUMENT_CELL = 'docgen:document-cell';
export const CHECK_NOTEBOOK = 'docgen:check-notebook';

/** Show a one-line problem to the user. */
async function tell(title: string, message: string): Promise<void> {
  await showDialog({ title, body: message, buttons: [Dialog.okButton()] });
}

/** The minimal output-area API used here (IOutputAreaModel). */
interface IOutputsLike {
  readonly length: number;
  get(index: number): { data: Record<string, unknown>; setData(o: { data: JSONObject }): void };
  add(output: JSONObject): number;
}

/**
 * Show a bundle in the cell's review output: update the existing one, or add
 * one (kept with the notebook when it is saved).
 */
function writeReview(outputs: IOutputsLike, bundle: JSONObject): void {
  for (let i = 0; i < outputs.length; i++) {
    const item = outputs.get(i);
    if (item.data && REVIEW_MIME in item.data) {
      item.setData({ data: bundle });
      return;
    }
  }
  outputs.add({ output_type: 'display_data', data: bundle, metadata: {} });
}

/** Document the active code cell of the current notebook. */
export async function documentActiveCell(notebooks: INotebookTracker): Promise<void> {
  const panel = notebooks.currentWidget;
  const cell = panel?.content.activeCell;
  if (!panel || !cell || cell.model.type !== 'code') {
    await tell('Document this cell', 'Select a code cell first.');
    return;
  }
  const source = cell.model.sharedModel.getSource();
  if (!source.trim()) {
    await tell('Document this cell', 'The cell is empty: nothing to document.');
    return;
  }
  const outputs = (cell.model as unknown as { outputs: IOutputsLike }).outputs;
  try {
    await documentIntoOutput(panel.sessionContext, source, cell.model.id, false, 'add', bundle =>
      writeReview(outputs, bundle)
    );
  } catch (err) {
    await tell(
      'Document this cell',
      err instanceof KernelRequestError ? err.message : `Failed: ${String(err)}`
    );
  }
}

/** One cell's findings, as the kernel sends them. */
interface ICellFindings {
  cell_id?: string;
  total?: number;
  complete?: number;
  text?: string;
  error?: string;
}

/** Check every code cell of the current notebook and show the findings per cell. */
export async function checkNotebook(notebooks: INotebookTracker): Promise<void> {
  const panel = notebooks.currentWidget;
  if (!panel) {
    return;
  }
  const cells = panel.content.widgets
    .filter(c => c.model.type === 'code' && c.model.sharedModel.getSource().trim())
    .map(c => ({ cell_id: c.model.id, source: c.model.sharedModel.getSource() }));
  let reply: JSONObject;
  try {
    reply = await runRequest(kernelOf(panel.sessionContext), 'check', { cells }, () => undefined);
  } catch (err) {
    await tell('Check this notebook', err instanceof KernelRequestError ? err.message : String(err));
    return;
  }
  if (typeof reply.error === 'string') {
    await tell('Check this notebook', `docgen: ${reply.error}`);
    return;
  }
  const findings = (reply.cells ?? []) as unknown as ICellFindings[];
  const body = findingsWidget(panel, findings);
  await showDialog({
    title: 'Docstring check of this notebook',
    body,
    buttons: [Dialog.okButton({ label: 'Close' })]
  });
}

/** The dialog body: a summary, then per cell with gaps its findings and a "Go to cell" button. */
function findingsWidget(panel: NotebookPanel, findings: ICellFindings[]): Widget {
  const widget = new Widget();
  widget.addClass('docgen-check');
  const node = widget.node;
  let total = 0;
  let complete = 0;
  for (const f of findings) {
    total += f.total ?? 0;
    complete += f.complete ?? 0;
  }
  const percent = total ? Math.round((100 * complete) / total) : 100;
  const summary = document.createElement('p');
  summary.className = 'docgen-check-summary';
  summary.textContent = total
    ? `${complete}/${total} public functions and classes fully documented (${percent}%) in ${findings.length} code cell${findings.length === 1 ? '' : 's'}.`
    : 'No functions or classes in this notebook.';
  node.appendChild(summary);
  const order = new Map(panel.content.widgets.map((c, i) => [c.model.id, i]));
  for (const f of findings) {
    const index = order.get(f.cell_id ?? '') ?? -1;
    const gaps = (f.total ?? 0) - (f.complete ?? 0);
    if (!f.error && gaps === 0) {
      continue;
    }
    const section = document.createElement('section');
    section.className = 'docgen-check-cell';
    section.dataset.cellId = f.cell_id ?? '';
    const head = document.createElement('h3');
    head.textContent = `Cell ${index + 1}` + (f.error ? ': cannot be read' : `: ${gaps} to complete`);
    const go = document.createElement('button');
    go.type = 'button';
    go.className = 'docgen-button docgen-go';
    go.textContent = 'Go to cell';
    go.addEventListener('click', () => {
      if (index >= 0) {
        panel.content.activeCellIndex = index;
        panel.content.scrollToItem(index).catch(() => undefined);
      }
    });
    head.appendChild(go);
    const pre = document.createElement('pre');
    pre.textContent = f.error ?? f.text ?? '';
    section.append(head, pre);
    node.appendChild(section);
  }
  return widget;
}
