/**
 * What the review's controls do: accept / reject a docstring (saved in the
 * output's data), Replace cell, Copy and Regenerate.
 *
 * Replace and Copy need nothing but the data, so they work in a reopened or
 * shared notebook and after a kernel restart; Regenerate asks the kernel
 * (loading docgen_magic there if needed) to document the cell's current text.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import type { TranslationBundle } from '@jupyterlab/translation';
import { JSONObject } from '@lumino/coreutils';

import {
  IReview,
  accepted,
  applyEdits,
  documented,
  nothingToReplace,
  readReview
} from '../data';
import { KernelRequestError, documentIntoOutput } from '../kernel';
import { MAGIC, Mode, REVIEW_MIME } from '../protocol';
import { replaceSource } from '../replace';
import { copyText, el } from './dom';

/** The review as its actions see it: where it is and how it answers. */
export interface IActionHost {
  /** The review's node (its cell is the one holding it). */
  readonly node: HTMLElement;
  /** Show one line in the review's status line. */
  say(text: string): void;
  /** The Regenerate mode chosen in the review (null: as the %%docgen line says). */
  mode(): Mode | null;
}

/** A notebook panel and, when found, the cell of the review. */
interface IOwner {
  panel: NotebookPanel;
  cell: NotebookPanel['content']['widgets'][number] | undefined;
}

/** The actions of one drawn review (bound to the data it was drawn from). */
export class ReviewActions {
  constructor(
    private readonly _review: IReview,
    private readonly _model: IRenderMime.IMimeModel,
    private readonly _host: IActionHost,
    private readonly _notebooks: INotebookTracker,
    private readonly _trans: TranslationBundle
  ) {}

  /** Accept or reject one target's docstring (kept in the output's data, so saved with the notebook). */
  setAccepted(name: string, yes: boolean): void {
    const rejected = new Set(this._review.rejected ?? []);
    if (yes) {
      rejected.delete(name);
    } else {
      rejected.add(name);
    }
    const next: IReview = { ...this._review, rejected: Array.from(rejected) };
    const data = {
      ...this._model.data,
      [REVIEW_MIME]: next as unknown as JSONObject
    };
    this._model.setData({ data });
  }

  /** Replace the cell with the accepted docstrings, as one undoable edit. */
  async replace(): Promise<void> {
    const trans = this._trans;
    const review = this._review;
    const why = nothingToReplace(review, trans);
    if (why) {
      this._host.say(why);
      return;
    }
    const cell = this._owner()?.cell;
    if (!cell) {
      this._host.say(
        trans.__('Cannot find the cell of this output: use Copy and paste.')
      );
      return;
    }
    const shared = cell.model.sharedModel;
    const chosen = accepted(review);
    const code = applyEdits(review.lines ?? [], chosen);
    const current = shared.getSource();
    if (current === code) {
      this._host.say(trans.__('The cell already holds this text.'));
      return;
    }
    if (current !== review.source && !(await confirmOverwrite(trans))) {
      this._host.say(trans.__('Kept the cell as edited.'));
      return;
    }
    replaceSource(shared, code);
    this._host.say(
      trans._n(
        'Replaced the cell with %2 of %1 docstring (Ctrl-Z in the cell undoes it).',
        'Replaced the cell with %2 of %1 docstrings (Ctrl-Z in the cell undoes it).',
        documented(review).length,
        chosen.length
      )
    );
  }

  /** Copy the documented code; when the browser refuses, select it in a text area. */
  async copy(): Promise<void> {
    const trans = this._trans;
    const review = this._review;
    if (!review.lines) {
      return;
    }
    const code = applyEdits(review.lines, accepted(review));
    const lines = code.split('\n').length;
    if (await copyText(code)) {
      this._host.say(
        trans._n(
          'Copied %1 line to the clipboard.',
          'Copied %1 lines to the clipboard.',
          lines
        )
      );
      return;
    }
    const area = el('textarea', 'docgen-copy-area');
    area.value = code;
    area.readOnly = true;
    area.rows = Math.min(Math.max(lines, 3), 20);
    this._host.node.appendChild(area);
    area.select();
    this._host.say(
      trans.__(
        'The browser refused the clipboard: the code is selected below, press Ctrl-C (Cmd-C).'
      )
    );
  }

  /**
   * Document the cell's current text again, bypassing the cache: all of it
   * (`true`) or these targets; rejections of targets still there are kept.
   */
  async regenerate(refresh: true | string[]): Promise<void> {
    const trans = this._trans;
    const model = this._model;
    const owner = this._owner();
    if (!owner?.cell) {
      this._host.say(trans.__('Cannot find the cell of this output.'));
      return;
    }
    const source = owner.cell.model.sharedModel.getSource();
    const rejected = this._review.rejected ?? [];
    this._host.say(
      refresh === true
        ? trans.__('Regenerating…')
        : trans.__('Regenerating %1…', refresh.join(', '))
    );
    try {
      await documentIntoOutput(
        owner.panel.sessionContext,
        source,
        owner.cell.model.id,
        refresh,
        this._host.mode(),
        bundle => {
          const next = readReview(bundle[REVIEW_MIME]);
          if (next) {
            next.rejected = rejected.filter(n =>
              next.targets.some(t => t.name === n)
            );
            bundle[REVIEW_MIME] = next as unknown as JSONObject;
          }
          model.setData({ data: bundle });
        },
        trans
      );
    } catch (err) {
      this._host.say(
        err instanceof KernelRequestError
          ? err.message
          : trans.__('Regenerate failed: %1', String(err))
      );
    }
  }

  /** The notebook panel and cell this output belongs to (by node, else by the cell id the run saved). */
  private _owner(): IOwner | null {
    const node = this._host.node;
    const cellId = this._review.cell_id;
    let found: IOwner | null = null;
    this._notebooks.forEach(panel => {
      if (found || !panel.node.contains(node)) {
        return;
      }
      const cells = panel.content.widgets;
      const byNode = cells.find(c => c.node.contains(node));
      const byId = cellId ? cells.find(c => c.model.id === cellId) : undefined;
      found = { panel, cell: byNode ?? byId };
    });
    return found;
  }
}

/** Ask the user whether to overwrite a cell edited since %%docgen ran. */
async function confirmOverwrite(trans: TranslationBundle): Promise<boolean> {
  const result = await showDialog({
    title: trans.__('Replace cell?'),
    body: trans.__('The cell changed since %1 ran. Replace anyway?', MAGIC),
    buttons: [
      Dialog.cancelButton({ label: trans.__('Keep my edits') }),
      Dialog.warnButton({ label: trans.__('Replace') })
    ],
    // Enter keeps the user's edits; overwriting them takes a deliberate click.
    defaultButton: 0
  });
  return result.button.accept;
}
