/**
 * "Document this cell" and "Check this notebook": the review without typing
 * %%docgen. Both go through the kernel's RUN_TARGET (docgen_magic/kernel,
 * loaded into the kernel when needed) with the same settings as the magic.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import type { TranslationBundle } from '@jupyterlab/translation';
import { JSONObject } from '@lumino/coreutils';
import { Widget } from '@lumino/widgets';

import {
  KernelRequestError,
  documentIntoOutput,
  kernelOf,
  runRequest
} from './kernel';
import { REVIEW_MIME } from './protocol';
import { button, el } from './review/dom';

export const DOCUMENT_CELL = 'docgen:document-cell';
export const CHECK_NOTEBOOK = 'docgen:check-notebook';

/** Show a one-line problem to the user. */
async function tell(title: string, message: string): Promise<void> {
  await showDialog({ title, body: message, buttons: [Dialog.okButton()] });
}

/** The minimal output-area API used here (IOutputAreaModel). */
interface IOutputsLike {
  readonly length: number;
  get(index: number): {
    data: Record<string, unknown>;
    setData(o: { data: JSONObject }): void;
  };
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
export async function documentActiveCell(
  notebooks: INotebookTracker,
  trans: TranslationBundle
): Promise<void> {
  const title = trans.__('Document this cell');
  const panel = notebooks.currentWidget;
  const cell = panel?.content.activeCell;
  if (!panel || !cell || cell.model.type !== 'code') {
    await tell(title, trans.__('Select a code cell first.'));
    return;
  }
  const source = cell.model.sharedModel.getSource();
  if (!source.trim()) {
    await tell(title, trans.__('The cell is empty: nothing to document.'));
    return;
  }
  const outputs = (cell.model as unknown as { outputs: IOutputsLike }).outputs;
  try {
    await documentIntoOutput(
      panel.sessionContext,
      source,
      cell.model.id,
      false,
      'add',
      bundle => writeReview(outputs, bundle),
      trans
    );
  } catch (err) {
    await tell(
      title,
      err instanceof KernelRequestError
        ? err.message
        : trans.__('Failed: %1', String(err))
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
export async function checkNotebook(
  notebooks: INotebookTracker,
  trans: TranslationBundle
): Promise<void> {
  const title = trans.__('Check this notebook');
  const panel = notebooks.currentWidget;
  if (!panel) {
    return;
  }
  const cells = panel.content.widgets
    .filter(
      c => c.model.type === 'code' && c.model.sharedModel.getSource().trim()
    )
    .map(c => ({
      cell_id: c.model.id,
      source: c.model.sharedModel.getSource()
    }));
  let reply: JSONObject;
  try {
    const kernel = kernelOf(panel.sessionContext, trans);
    reply = await runRequest(
      kernel,
      'check',
      { cells },
      () => undefined,
      trans
    );
  } catch (err) {
    await tell(
      title,
      err instanceof KernelRequestError ? err.message : String(err)
    );
    return;
  }
  if (typeof reply.error === 'string') {
    await tell(title, `docgen: ${reply.error}`);
    return;
  }
  const findings = (reply.cells ?? []) as unknown as ICellFindings[];
  await showDialog({
    title: trans.__('Docstring check of this notebook'),
    body: findingsWidget(panel, findings, trans),
    buttons: [Dialog.okButton({ label: trans.__('Close') })]
  });
}

/** The dialog body: a summary, then per cell with gaps its findings and a "Go to cell" button. */
function findingsWidget(
  panel: NotebookPanel,
  findings: ICellFindings[],
  trans: TranslationBundle
): Widget {
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
  node.appendChild(
    el(
      'p',
      'docgen-check-summary',
      total
        ? trans._n(
            '%2/%3 public functions and classes fully documented (%4%) in %1 code cell.',
            '%2/%3 public functions and classes fully documented (%4%) in %1 code cells.',
            findings.length,
            complete,
            total,
            percent
          )
        : trans.__('No functions or classes in this notebook.')
    )
  );
  const order = new Map(panel.content.widgets.map((c, i) => [c.model.id, i]));
  for (const f of findings) {
    const index = order.get(f.cell_id ?? '') ?? -1;
    const gaps = (f.total ?? 0) - (f.complete ?? 0);
    if (!f.error && gaps === 0) {
      continue;
    }
    const section = el('section', 'docgen-check-cell');
    section.dataset.cellId = f.cell_id ?? '';
    const head = el(
      'h3',
      '',
      f.error
        ? trans.__('Cell %1: cannot be read', index + 1)
        : trans.__('Cell %1: %2 to complete', index + 1, gaps)
    );
    const go = button(trans.__('Go to cell'), 'docgen-go', '', () => {
      if (index >= 0) {
        panel.content.activeCellIndex = index;
        panel.content.scrollToItem(index).catch(() => undefined);
      }
    });
    head.appendChild(go);
    section.append(head, el('pre', '', f.error ?? f.text ?? ''));
    node.appendChild(section);
  }
  return widget;
}
