/**
 * The review of one %%docgen run, drawn from the saved data alone
 * (REVIEW_MIME in ./protocol): progress while running, then the
 * documented code, the changes, a per-function report with accept / reject
 * and regenerate, and Replace cell / Copy / Regenerate.
 *
 * Replace and Copy need nothing but the data, so they work in a reopened or
 * shared notebook and after a kernel restart; Regenerate asks the kernel
 * (loading docgen_magic there if needed) to document the cell's current text.
 * The renderer builds its DOM with textContent only (no markup from the data),
 * so it is safe for untrusted notebooks; every colour comes from the theme.
 */
import { ISessionContext } from '@jupyterlab/apputils';
import { IEditorLanguageRegistry } from '@jupyterlab/codemirror';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { JSONObject } from '@lumino/coreutils';
import { Widget } from '@lumino/widgets';

import {
  IReview,
  ITarget,
  accepted,
  applyEdits,
  documented,
  isRunning,
  nothingToReplace,
  readReview,
  seconds
} from './data';
import { KernelRequestError, kernelOf, runRequest } from './kernel';
import { NOT_RUN, REVIEW_MIME, STATE_WORDS } from './protocol';
import { confirmOverwrite, replaceSource } from './replace';

/** What the renderer needs from the application. */
export interface IReviewContext {
  notebooks: INotebookTracker;
  languages: IEditorLanguageRegistry | null;
}

type Tab = 'code' | 'changes' | 'report';

/** The tab each output was showing (a re-render after an update keeps it). */
const shownTabs = new WeakMap<IRenderMime.IMimeModel, Tab>();

/** Create an element with a class and optional text. */
function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className = '',
  text?: string
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

/** A button with a label, tooltip and handler. */
function button(
  label: string,
  className: string,
  title: string,
  onClick: () => void
): HTMLButtonElement {
  const node = el('button', `docgen-button ${className}`, label);
  node.type = 'button';
  node.title = title;
  node.addEventListener('click', onClick);
  return node;
}

/** Put text on the clipboard; falls back to a hidden text area and execCommand. */
export async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch (err) {
    console.warn('docgen-magic: clipboard API refused, trying execCommand', err);
  }
  const area = el('textarea');
  area.value = text;
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  area.remove();
  return ok;
}

/** The review renderer. */
export class ReviewRenderer extends Widget implements IRenderMime.IRenderer {
  constructor(
    private readonly _options: IRenderMime.IRendererOptions,
    private readonly _context: IReviewContext
  ) {
    super();
    this.addClass('docgen-review');
  }

  private _model: IRenderMime.IMimeModel | null = null;
  private _review: IReview | null = null;
  private _timer = 0;
  private _status: HTMLElement | null = null;
  private _shownAt = 0;
  private _generation = 0;
  private _mode: HTMLSelectElement | null = null;
  private _modeChoice: HTMLSelectElement | null = null;
  /** The element being drawn into (swapped in whole, so overlapping renders never mix). */
  private _box: HTMLElement = document.createElement('div');

  /** Render the model's data (again when an update arrives: the renderer is reused). */
  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const generation = ++this._generation;
    const review = readReview(model.data[this._options.mimeType]);
    const box = el('div', 'docgen-body');
    this._box = box;
    let status: HTMLElement | null = null;
    if (!review) {
      box.appendChild(
        el('div', 'docgen-note', 'docgen: this output was written by a newer docgen_magic.')
      );
    } else {
      this._drawNotes(review);
      const empty = review.status === 'done' && review.targets.length === 0;
      if (!empty) {
        this._drawProgress(review);
      }
      if (empty) {
        status = this._drawRunAgain(box);
      } else if (review.status === 'done' && review.lines) {
        await this._drawTabs(review, model, box);
        status = this._drawFooter(review, box);
      } else if (review.status !== 'running') {
        status = this._drawRunAgain(box);
      }
    }
    if (generation !== this._generation) {
      return; // a newer update was drawn meanwhile
    }
    window.clearInterval(this._timer);
    this._model = model;
    this._review = review;
    this._status = status;
    this._mode = this._modeChoice;
    this._modeChoice = null;
    this._shownAt = Date.now();
    this.node.dataset.status = review?.status ?? 'unknown';
    this.node.replaceChildren(box);
    if (review?.status === 'running') {
      this._timer = window.setInterval(() => this._tick(), 500);
    }
  }

  dispose(): void {
    window.clearInterval(this._timer);
    super.dispose();
  }

  // ------------------------------------------------------------------ drawing

  private _drawNotes(review: IReview): void {
    const notes = review.notes ?? [];
    if (notes.length === 0) {
      return;
    }
    const list = el('ul', 'docgen-notes');
    for (const note of notes) {
      list.appendChild(
        el('li', note.kind === 'failure' ? 'docgen-failure' : 'docgen-note', note.text)
      );
    }
    this._box.appendChild(list);
  }

  /** Count, bar and elapsed time from one source: the targets' states. */
  private _drawProgress(review: IReview): void {
    const box = el('div', 'docgen-progress');
    const total = review.total || review.targets.length;
    const finished =
      review.status === 'done'
        ? total
        : review.targets.filter(
            t => !isRunning(t.state)
          ).length;
    const bar = el('div', 'docgen-bar');
    bar.setAttribute('role', 'progressbar');
    bar.setAttribute('aria-valuemin', '0');
    bar.setAttribute('aria-valuemax', String(total));
    bar.setAttribute('aria-valuenow', String(finished));
    const fill = el('div', 'docgen-bar-fill');
    fill.style.width = total ? `${(100 * finished) / total}%` : '100%';
    const failed = review.targets.some(t => t.state === 'failed');
    bar.dataset.state =
      review.status === 'running' ? 'running' : failed || review.status !== 'done' ? 'failed' : 'done';
    bar.appendChild(fill);
    const label = el('span', 'docgen-count');
    label.textContent = this._progressText(review, finished, total);
    box.append(bar, label);
    this._box.appendChild(box);
    if (review.status !== 'done') {
      this._box.appendChild(this._targetList(review));
    }
  }

  private _progressText(review: IReview, finished: number, total: number): string {
    const counts = `${finished}/${total}`;
    switch (review.status) {
      case 'running': {
        const now = review.elapsed_s + (Date.now() - this._shownAt) / 1000;
        const flying = review.targets.filter(t => t.state === 'started' || t.state === 'retrying').length;
        return `${counts} · ${flying} in flight · ${seconds(now)}`;
      }
      case 'done':
        return `${counts} · done in ${seconds(review.elapsed_s)}`;
      case 'interrupted':
        return `${counts} · interrupted after ${seconds(review.elapsed_s)}`;
      default:
        return `${counts} · failed after ${seconds(review.elapsed_s)}: ${review.message}`;
    }
  }

  private _tick(): void {
    const review = this._review;
    const label = this.node.querySelector('.docgen-count');
    if (!review || !label || review.status !== 'running') {
      return;
    }
    const total = review.total || review.targets.length;
    const finished = review.targets.filter(
      t => !isRunning(t.state)
    ).length;
    label.textContent = this._progressText(review, finished, total);
  }

  private _targetList(review: IReview): HTMLElement {
    const list = el('ul', 'docgen-targets');
    for (const target of review.targets) {
      const item = el('li', 'docgen-target');
      item.dataset.state = target.state;
      item.append(
        el('span', 'docgen-state', STATE_WORDS[target.state] ?? target.state),
        el('code', 'docgen-name', target.name)
      );
      if (target.detail) {
        item.appendChild(el('span', 'docgen-detail', target.detail));
      }
      list.appendChild(item);
    }
    return list;
  }

  private async _drawTabs(review: IReview, model: IRenderMime.IMimeModel, into: HTMLElement): Promise<void> {
    const tabs = el('div', 'docgen-tabs');
    tabs.setAttribute('role', 'tablist');
    const panes = el('div', 'docgen-panes');
    const shown = shownTabs.get(model) ?? 'code';
    const make = async (id: Tab, label: string, pane: HTMLElement) => {
      const tab = el('button', 'docgen-tab', label);
      tab.type = 'button';
      tab.setAttribute('role', 'tab');
      tab.dataset.tab = id;
      pane.classList.add('docgen-pane');
      pane.dataset.tab = id;
      const select = () => {
        shownTabs.set(model, id);
        for (const t of Array.from(tabs.children)) {
          t.setAttribute('aria-selected', String((t as HTMLElement).dataset.tab === id));
        }
        for (const p of Array.from(panes.children)) {
          (p as HTMLElement).hidden = (p as HTMLElement).dataset.tab !== id;
        }
      };
      tab.addEventListener('click', select);
      tabs.appendChild(tab);
      panes.appendChild(pane);
      if (id === shown) {
        select();
      } else {
        pane.hidden = true;
        tab.setAttribute('aria-selected', 'false');
      }
    };
    await make('code', 'Code', await this._codePane(review));
    await make('changes', 'Changes', this._changesPane(review));
    await make('report', 'Report', this._reportPane(review));
    into.append(tabs, panes);
  }

  private async _codePane(review: IReview): Promise<HTMLElement> {
    const pre = el('pre', 'docgen-code cm-s-jupyter');
    const code = applyEdits(review.lines ?? [], accepted(review));
    const languages = this._context.languages;
    const python = languages?.findBest('python') ?? null;
    if (languages && python) {
      try {
        await languages.highlight(code, python, pre);
        return pre;
      } catch (err) {
        console.warn('docgen-magic: highlighting failed', err);
      }
    }
    pre.textContent = code;
    return pre;
  }

  /**
   * What Replace cell would change: per accepted target, its edit with one
   * line of context on each side, as a diff.
   */
  private _changesPane(review: IReview): HTMLElement {
    const pre = el('pre', 'docgen-diff');
    const lines = review.lines ?? [];
    const chosen = accepted(review).sort((a, b) => a.edit![0] - b.edit![0]);
    if (chosen.length === 0) {
      pre.textContent = 'No changes.';
      return pre;
    }
    const add = (cls: string, prefix: string, text: string) =>
      pre.appendChild(el('span', cls, prefix + text.replace(/\r?\n$|\r$/, '') + '\n'));
    for (const target of chosen) {
      const [start, stop, added] = target.edit!;
      add('docgen-hunk', '', `@@ ${target.name}, line ${start + 1} @@`);
      if (start > 0) {
        add('', ' ', lines[start - 1]);
      }
      lines.slice(start, stop).forEach(line => add('docgen-del', '-', line));
      added.forEach(line => add('docgen-add', '+', line));
      if (stop < lines.length) {
        add('', ' ', lines[stop]);
      }
    }
    return pre;
  }

  private _reportPane(review: IReview): HTMLElement {
    const box = el('div', 'docgen-report');
    if (review.targets.length === 0) {
      box.appendChild(el('p', 'docgen-note', 'No functions or classes in this cell.'));
      return box;
    }
    const table = el('table');
    const head = el('tr');
    for (const title of ['accept', 'name', 'kind', 'status', 'attempts', 'tokens', 'time', 'details', '']) {
      head.appendChild(el('th', '', title));
    }
    table.appendChild(el('thead')).appendChild(head);
    const body = el('tbody');
    const rejected = new Set(review.rejected ?? []);
    for (const target of review.targets) {
      body.appendChild(this._reportRow(review, target, rejected));
    }
    table.appendChild(body);
    box.appendChild(table);
    return box;
  }

  private _reportRow(review: IReview, target: ITarget, rejected: Set<string>): HTMLElement {
    const row = el('tr', 'docgen-row');
    row.dataset.name = target.name;
    row.dataset.state = target.state;
    const accept = el('input', 'docgen-accept');
    accept.type = 'checkbox';
    const has = Array.isArray(target.edit);
    accept.checked = has && !rejected.has(target.name);
    accept.disabled = !has;
    accept.title = has
      ? 'Include this docstring when replacing the cell'
      : 'Nothing to accept: no docstring was written for this target';
    accept.setAttribute('aria-label', `accept ${target.name}`);
    accept.addEventListener('change', () => this._setAccepted(target.name, accept.checked));
    const detail = [target.detail ?? '', (target.problems_fixed ?? []).length ? `fixed: ${target.problems_fixed!.join(', ')}` : '']
      .filter(Boolean)
      .join(' · ');
    const cells = [
      target.name,
      target.kind ?? '',
      (STATE_WORDS[target.state] ?? target.state) + (target.cached ? ' (cached)' : ''),
      String(target.attempts ?? 0),
      (target.tokens ?? 0).toLocaleString('en'),
      seconds(target.elapsed_s ?? 0),
      detail
    ];
    const first = el('td');
    first.appendChild(accept);
    row.appendChild(first);
    cells.forEach((text, i) => {
      const td = el('td', i === 0 ? 'docgen-name' : i === 6 ? 'docgen-detail' : '');
      if (i === 0) {
        td.appendChild(el('code', '', text));
      } else {
        td.textContent = text;
      }
      row.appendChild(td);
    });
    const again = el('td');
    if (target.state !== 'skipped' || review.status === 'done') {
      again.appendChild(
        button('↻', 'docgen-regenerate-one', `Ask again for ${target.name} (bypassing the cache)`, () =>
          void this._regenerate([target.name])
        )
      );
    }
    row.appendChild(again);
    return row;
  }

  private _drawFooter(review: IReview, into: HTMLElement): HTMLElement {
    if (review.usage_line) {
      into.appendChild(el('div', 'docgen-usage', review.usage_line));
    }
    if (!review.ran && review.targets.length) {
      into.appendChild(el('div', 'docgen-not-run', NOT_RUN));
    }
    const why = nothingToReplace(review);
    const total = documented(review).length;
    const chosen = accepted(review).length;
    const replace = button(
      total > 1 ? `Replace cell (${chosen} of ${total})` : 'Replace cell',
      'docgen-replace',
      why ?? 'Replace the cell with the accepted docstrings (one undoable edit)',
      () => void this._replace()
    );
    replace.disabled = why !== null;
    const copy = button('Copy', 'docgen-copy', 'Copy the documented code to the clipboard', () =>
      void this._copy()
    );
    copy.disabled = review.status !== 'done';
    const again = button('Regenerate', 'docgen-regenerate', "Document the cell's current text again, bypassing the cache", () =>
      void this._regenerate(true)
    );
    const mode = el('select', 'docgen-mode');
    mode.title = 'What Regenerate and ↻ do with docstrings that already exist';
    mode.setAttribute('aria-label', 'regenerate mode');
    for (const [value, label] of [
      ['add', 'add missing docstrings'],
      ['update', 'also fill gaps of existing ones (--update)']
    ]) {
      const option = el('option', '', label);
      option.value = value;
      mode.appendChild(option);
    }
    mode.value = /(^|\s)--update(\s|$)/.test(review.line) ? 'update' : 'add';
    this._modeChoice = mode;
    const bar = el('div', 'docgen-buttons');
    bar.append(replace, copy, again, mode);
    into.appendChild(bar);
    const status = el('div', 'docgen-status');
    status.setAttribute('aria-live', 'polite');
    status.textContent = why && documented(review).length === 0 ? why : '';
    into.appendChild(status);
    return status;
  }

  private _drawRunAgain(into: HTMLElement): HTMLElement {
    const bar = el('div', 'docgen-buttons');
    bar.appendChild(
      button('Regenerate', 'docgen-regenerate', "Document the cell's current text again", () =>
        void this._regenerate(true)
      )
    );
    into.appendChild(bar);
    const status = el('div', 'docgen-status');
    status.setAttribute('aria-live', 'polite');
    into.appendChild(status);
    return status;
  }

  private _say(text: string): void {
    if (this._status) {
      this._status.textContent = text;
    }
  }

  // ------------------------------------------------------------------ actions

  /** The notebook panel and cell this output belongs to. */
  private _owner(): { panel: NotebookPanel; cell: ReturnType<NotebookPanel['content']['widgets']['find']> } | null {
    let found: { panel: NotebookPanel; cell: any } | null = null;
    this._context.notebooks.forEach(panel => {
      if (found || !panel.node.contains(this.node)) {
        return;
      }
      const byNode = panel.content.widgets.find(c => c.node.contains(this.node));
      const byId = this._review?.cell_id
        ? panel.content.widgets.find(c => c.model.id === this._review!.cell_id)
        : undefined;
      found = { panel, cell: byNode ?? byId };
    });
    return found;
  }

  private _setAccepted(name: string, yes: boolean): void {
    const review = this._review;
    if (!review || !this._model) {
      return;
    }
    const rejected = new Set(review.rejected ?? []);
    if (yes) {
      rejected.delete(name);
    } else {
      rejected.add(name);
    }
    const next: IReview = { ...review, rejected: Array.from(rejected) };
    this._store(next);
  }

  private _store(review: IReview): void {
    if (!this._model) {
      return;
    }
    const data = { ...this._model.data, [REVIEW_MIME]: review as unknown as JSONObject };
    this._model.setData({ data });
  }

  private async _replace(): Promise<void> {
    const review = this._review;
    if (!review) {
      return;
    }
    const why = nothingToReplace(review);
    if (why) {
      this._say(why);
      return;
    }
    const owner = this._owner();
    if (!owner || !owner.cell) {
      this._say('Cannot find the cell of this output: use Copy and paste.');
      return;
    }
    const shared = owner.cell.model.sharedModel as any;
    const chosen = accepted(review);
    const code = applyEdits(review.lines ?? [], chosen);
    const current: string = shared.getSource();
    if (current === code) {
      this._say('The cell already holds this text.');
      return;
    }
    if (current !== review.source && !(await confirmOverwrite())) {
      this._say('Kept the cell as edited.');
      return;
    }
    replaceSource(shared, code);
    const total = documented(review).length;
    this._say(
      `Replaced the cell with ${chosen.length} of ${total} docstring${total === 1 ? '' : 's'} (Ctrl-Z in the cell undoes it).`
    );
  }

  private async _copy(): Promise<void> {
    const review = this._review;
    if (!review || !review.lines) {
      return;
    }
    const code = applyEdits(review.lines, accepted(review));
    if (await copyText(code)) {
      const lines = code.split('\n').length;
      this._say(`Copied ${lines} line${lines === 1 ? '' : 's'} to the clipboard.`);
      return;
    }
    const area = el('textarea', 'docgen-copy-area');
    area.value = code;
    area.readOnly = true;
    area.rows = Math.min(Math.max(code.split('\n').length, 3), 20);
    this.node.appendChild(area);
    area.select();
    this._say('The browser refused the clipboard: the code is selected below, press Ctrl-C (Cmd-C).');
  }

  private async _regenerate(refresh: true | string[]): Promise<void> {
    const review = this._review;
    const model = this._model;
    const owner = this._owner();
    if (!review || !model || !owner || !owner.cell) {
      this._say('Cannot find the cell of this output.');
      return;
    }
    const source: string = owner.cell.model.sharedModel.getSource();
    const rejected = review.rejected ?? [];
    this._say(refresh === true ? 'Regenerating…' : `Regenerating ${refresh.join(', ')}…`);
    try {
      const mode = this._mode?.value ?? 'add';
      await documentIntoOutput(owner.panel.sessionContext, source, owner.cell.model.id, refresh, mode, bundle => {
        const next = readReview(bundle[REVIEW_MIME]);
        if (next) {
          next.rejected = rejected.filter(n => next.targets.some(t => t.name === n));
          bundle[REVIEW_MIME] = next as unknown as JSONObject;
        }
        model.setData({ data: bundle });
      });
    } catch (err) {
      this._say(err instanceof KernelRequestError ? err.message : `Regenerate failed: ${String(err)}`);
    }
  }
}

/**
 * Ask the kernel to document `source`, handing every bundle (progress, then
 * the result) to `write`. Throws KernelRequestError with a sentence for people.
 */
export async function documentIntoOutput(
  session: ISessionContext,
  source: string,
  cellId: string,
  refresh: boolean | string[],
  mode: string,
  write: (bundle: JSONObject) => void
): Promise<void> {
  const kernel = kernelOf(session);
  const last = await runRequest(
    kernel,
    'document',
    { source, cell_id: cellId, refresh, mode },
    msg => {
      if (msg.bundle) {
        write({ ...(msg.bundle as JSONObject) });
      }
    }
  );
  if (typeof last.error === 'string') {
    throw new KernelRequestError(`docgen: ${last.error}`);
  }
}

/** The renderer factory; safe, since nothing from the data becomes markup. */
export function reviewFactory(context: IReviewContext): IRenderMime.IRendererFactory {
  return {
    safe: true,
    mimeTypes: [REVIEW_MIME],
    defaultRank: 10,
    createRenderer: options => new ReviewRenderer(options, context)
  };
}
