/**
 * The parts of the review, each built from the data and returned for the
 * renderer to place: notes, progress, the targets, the Code / Changes /
 * Report tabs, and the buttons.
 */
import { IEditorLanguageRegistry } from '@jupyterlab/codemirror';
import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import type { TranslationBundle } from '@jupyterlab/translation';

import {
  IReview,
  ITarget,
  accepted,
  applyEdits,
  documented,
  nothingToReplace,
  runMode
} from '../data';
import { MAGIC, NOT_RUN } from '../protocol';
import { ReviewActions } from './actions';
import { button, el, statusLine } from './dom';
import {
  IProgress,
  canAskAgain,
  changes,
  replaceLabel,
  reportCells,
  stateWord
} from './state';

/** The note shown instead of a review whose data is of a newer version. */
export function newerNote(trans: TranslationBundle): HTMLElement {
  return el(
    'div',
    'docgen-note',
    trans.__('docgen: this output was written by a newer docgen_magic.')
  );
}

/** The kernel's remarks about the run, or null when it made none. */
export function notesList(review: IReview): HTMLElement | null {
  const notes = review.notes ?? [];
  if (notes.length === 0) {
    return null;
  }
  const list = el('ul', 'docgen-notes');
  for (const note of notes) {
    const kind = note.kind === 'failure' ? 'docgen-failure' : 'docgen-note';
    list.appendChild(el('li', kind, note.text));
  }
  return list;
}

/** The progress bar and the words beside it (`count`, which the clock updates). */
export function progressBar(
  progress: IProgress,
  text: string
): { node: HTMLElement; count: HTMLElement } {
  const { finished, total } = progress;
  const bar = el('div', 'docgen-bar');
  bar.setAttribute('role', 'progressbar');
  bar.setAttribute('aria-valuemin', '0');
  bar.setAttribute('aria-valuemax', String(total));
  bar.setAttribute('aria-valuenow', String(finished));
  bar.dataset.state = progress.bar;
  const fill = el('div', 'docgen-bar-fill');
  fill.style.width = total ? `${(100 * finished) / total}%` : '100%';
  bar.appendChild(fill);
  const count = el('span', 'docgen-count', text);
  const node = el('div', 'docgen-progress');
  node.append(bar, count);
  return { node, count };
}

/** Every target with its state, while the run is not done. */
export function targetList(review: IReview): HTMLElement {
  const list = el('ul', 'docgen-targets');
  for (const target of review.targets) {
    const item = el('li', 'docgen-target');
    item.dataset.state = target.state;
    item.append(
      el('span', 'docgen-state', stateWord(target.state)),
      el('code', 'docgen-name', target.name)
    );
    if (target.detail) {
      item.appendChild(el('span', 'docgen-detail', target.detail));
    }
    list.appendChild(item);
  }
  return list;
}

/** The review's tabs. */
export type Tab = 'code' | 'changes' | 'report';

/** The tab each output was showing (a re-render after an update keeps it). */
const shownTabs = new WeakMap<IRenderMime.IMimeModel, Tab>();

/** The tab bar and the panes it switches between, showing the tab last shown for this output. */
export function tabs(
  model: IRenderMime.IMimeModel,
  panes: [Tab, string, HTMLElement][]
): [HTMLElement, HTMLElement] {
  const bar = el('div', 'docgen-tabs');
  bar.setAttribute('role', 'tablist');
  const box = el('div', 'docgen-panes');
  const buttons: HTMLButtonElement[] = [];
  const select = (id: Tab) => {
    shownTabs.set(model, id);
    buttons.forEach(tab =>
      tab.setAttribute('aria-selected', String(tab.dataset.tab === id))
    );
    panes.forEach(([tab, , pane]) => (pane.hidden = tab !== id));
  };
  for (const [id, label, pane] of panes) {
    const tab = el('button', 'docgen-tab', label);
    tab.type = 'button';
    tab.setAttribute('role', 'tab');
    tab.dataset.tab = id;
    tab.addEventListener('click', () => select(id));
    pane.classList.add('docgen-pane');
    pane.dataset.tab = id;
    buttons.push(tab);
    bar.appendChild(tab);
    box.appendChild(pane);
  }
  select(shownTabs.get(model) ?? 'code');
  return [bar, box];
}

/** The documented code with the accepted docstrings, highlighted by JupyterLab's own highlighter. */
export async function codePane(
  review: IReview,
  languages: IEditorLanguageRegistry | null
): Promise<HTMLElement> {
  const pre = el('pre', 'docgen-code cm-s-jupyter');
  const code = applyEdits(review.lines ?? [], accepted(review));
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

/** What Replace cell would change, as a diff. */
export function changesPane(
  review: IReview,
  trans: TranslationBundle
): HTMLElement {
  const pre = el('pre', 'docgen-diff');
  const lines = changes(review, trans);
  if (lines.length === 0) {
    pre.textContent = trans.__('No changes.');
    return pre;
  }
  const classes = {
    hunk: 'docgen-hunk',
    context: '',
    del: 'docgen-del',
    add: 'docgen-add'
  };
  for (const line of lines) {
    pre.appendChild(el('span', classes[line.kind], line.text));
  }
  return pre;
}

/** Per target: accept, what happened, and ↻ to ask again. */
export function reportPane(
  review: IReview,
  actions: ReviewActions,
  trans: TranslationBundle
): HTMLElement {
  const box = el('div', 'docgen-report');
  if (review.targets.length === 0) {
    box.appendChild(
      el('p', 'docgen-note', trans.__('No functions or classes in this cell.'))
    );
    return box;
  }
  const head = el('tr');
  for (const title of [
    trans.__('accept'),
    trans.__('name'),
    trans.__('kind'),
    trans.__('status'),
    trans.__('attempts'),
    trans.__('tokens'),
    trans.__('time'),
    trans.__('details'),
    ''
  ]) {
    head.appendChild(el('th', '', title));
  }
  const table = el('table');
  table.appendChild(el('thead')).appendChild(head);
  const body = el('tbody');
  for (const target of review.targets) {
    body.appendChild(reportRow(review, target, actions, trans));
  }
  table.appendChild(body);
  box.appendChild(table);
  return box;
}

/** One target's row of the report. */
function reportRow(
  review: IReview,
  target: ITarget,
  actions: ReviewActions,
  trans: TranslationBundle
): HTMLElement {
  const row = el('tr', 'docgen-row');
  row.dataset.name = target.name;
  row.dataset.state = target.state;
  const accept = el('input', 'docgen-accept');
  accept.type = 'checkbox';
  const has = Array.isArray(target.edit);
  accept.checked = has && !(review.rejected ?? []).includes(target.name);
  accept.disabled = !has;
  accept.title = has
    ? trans.__('Include this docstring when replacing the cell')
    : trans.__('Nothing to accept: no docstring was written for this target');
  accept.setAttribute('aria-label', trans.__('accept %1', target.name));
  accept.addEventListener('change', () =>
    actions.setAccepted(target.name, accept.checked)
  );
  const first = el('td');
  first.appendChild(accept);
  const cells = reportCells(target, trans);
  const name = el('td', 'docgen-name');
  name.appendChild(el('code', '', cells.name));
  row.append(
    first,
    name,
    el('td', '', cells.kind),
    el('td', '', cells.status),
    el('td', '', cells.attempts),
    el('td', '', cells.tokens),
    el('td', '', cells.time),
    el('td', 'docgen-detail', cells.details)
  );
  const again = el('td');
  if (canAskAgain(review, target)) {
    again.appendChild(
      button(
        '↻',
        'docgen-regenerate-one',
        trans.__('Ask again for %1 (bypassing the cache)', target.name),
        () => void actions.regenerate([target.name])
      )
    );
  }
  row.appendChild(again);
  return row;
}

/** The controls below the review: what they are, where they answer, the mode Regenerate uses. */
export interface IControls {
  nodes: HTMLElement[];
  status: HTMLElement;
  mode: HTMLSelectElement | null;
}

/** Under a finished review: the usage line, the "not run" line, Replace cell / Copy / Regenerate and the mode. */
export function footer(
  review: IReview,
  actions: ReviewActions,
  trans: TranslationBundle
): IControls {
  const nodes: HTMLElement[] = [];
  if (review.usage_line) {
    nodes.push(el('div', 'docgen-usage', review.usage_line));
  }
  if (!review.ran && review.targets.length) {
    nodes.push(el('div', 'docgen-not-run', NOT_RUN));
  }
  const why = nothingToReplace(review, trans);
  const replace = button(
    replaceLabel(review, trans),
    'docgen-replace',
    why ??
      trans.__(
        'Replace the cell with the accepted docstrings (one undoable edit)'
      ),
    () => void actions.replace()
  );
  replace.disabled = why !== null;
  const copy = button(
    trans.__('Copy'),
    'docgen-copy',
    trans.__('Copy the documented code to the clipboard'),
    () => void actions.copy()
  );
  const again = button(
    trans.__('Regenerate'),
    'docgen-regenerate',
    trans.__("Document the cell's current text again, bypassing the cache"),
    () => void actions.regenerate(true)
  );
  const mode = modeChoice(review, trans);
  const bar = el('div', 'docgen-buttons');
  bar.append(replace, copy, again, mode);
  const status = statusLine(why && documented(review).length === 0 ? why : '');
  nodes.push(bar, status);
  return { nodes, status, mode };
}

/**
 * What Regenerate and ↻ do with existing docstrings; starts as the run was
 * made. A review saved without its mode starts at "as the %%docgen line says"
 * (no mode is sent; the kernel reads the line).
 */
function modeChoice(
  review: IReview,
  trans: TranslationBundle
): HTMLSelectElement {
  const mode = el('select', 'docgen-mode');
  mode.title = trans.__(
    'What Regenerate and ↻ do with docstrings that already exist'
  );
  mode.setAttribute('aria-label', trans.__('regenerate mode'));
  const initial = runMode(review);
  const choices = [
    ['add', trans.__('add missing docstrings')],
    ['update', trans.__('also fill gaps of existing ones (--update)')]
  ];
  if (initial === null) {
    choices.unshift(['', trans.__('as the %1 line says', MAGIC)]);
  }
  for (const [value, label] of choices) {
    const option = el('option', '', label);
    option.value = value;
    mode.appendChild(option);
  }
  mode.value = initial ?? '';
  return mode;
}

/** Under a run that did not finish or found nothing: only Regenerate. */
export function runAgain(
  actions: ReviewActions,
  trans: TranslationBundle
): IControls {
  const bar = el('div', 'docgen-buttons');
  bar.appendChild(
    button(
      trans.__('Regenerate'),
      'docgen-regenerate',
      trans.__("Document the cell's current text again"),
      () => void actions.regenerate(true)
    )
  );
  const status = statusLine();
  return { nodes: [bar, status], status, mode: null };
}
