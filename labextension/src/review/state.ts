/**
 * What the review shows, derived from its data alone: pure functions, no DOM
 * (unit-tested in test/state.test.ts).
 *
 * The frontend's own words go through the translation bundle; what the kernel
 * wrote (state words, the "not run" sentence, notes, details, the usage line)
 * is shown as written, as the kernel's plain and HTML fallbacks show it.
 */
import type { TranslationBundle } from '@jupyterlab/translation';

import {
  IReview,
  ITarget,
  accepted,
  documented,
  isRunning,
  seconds
} from '../data';
import { STATE_WORDS } from '../protocol';

/** Which parts the review draws below its notes. */
export interface ILayout {
  /** The bar and count: every review but a finished one with nothing to document. */
  progress: boolean;
  /** The targets and their states, while the run is not done. */
  targets: boolean;
  /** The tabs and buttons of a finished run, only Regenerate, or nothing (still running). */
  body: 'review' | 'run-again' | null;
}

/** Which parts the review draws. */
export function layoutOf(review: IReview): ILayout {
  const empty = review.status === 'done' && review.targets.length === 0;
  let body: ILayout['body'] = null;
  if (review.status === 'done' && review.lines && !empty) {
    body = 'review';
  } else if (review.status !== 'running') {
    body = 'run-again';
  }
  return {
    progress: !empty,
    targets: !empty && review.status !== 'done',
    body
  };
}

/** How the progress bar is coloured. */
export type BarState = 'running' | 'done' | 'failed';

/** The progress of a run, counted from one source: the targets' states. */
export interface IProgress {
  finished: number;
  total: number;
  inFlight: number;
  bar: BarState;
}

/** Count, in-flight count and bar colour of a run. */
export function progressOf(review: IReview): IProgress {
  const total = review.total || review.targets.length;
  const finished =
    review.status === 'done'
      ? total
      : review.targets.filter(t => !isRunning(t.state)).length;
  const inFlight = review.targets.filter(
    t => t.state === 'started' || t.state === 'retrying'
  ).length;
  const failed = review.targets.some(t => t.state === 'failed');
  let bar: BarState = 'done';
  if (review.status === 'running') {
    bar = 'running';
  } else if (failed || review.status !== 'done') {
    bar = 'failed';
  }
  return { finished, total, inFlight, bar };
}

/**
 * The words beside the bar; `elapsed` is the run's time so far (the clock
 * moves between updates while it runs).
 */
export function progressText(
  review: IReview,
  progress: IProgress,
  elapsed: number,
  trans: TranslationBundle
): string {
  const { finished, total } = progress;
  switch (review.status) {
    case 'running':
      return trans.__(
        '%1/%2 · %3 in flight · %4',
        finished,
        total,
        progress.inFlight,
        seconds(elapsed, trans)
      );
    case 'done':
      return trans.__(
        '%1/%2 · done in %3',
        finished,
        total,
        seconds(review.elapsed_s, trans)
      );
    case 'interrupted':
      return trans.__(
        '%1/%2 · interrupted after %3',
        finished,
        total,
        seconds(review.elapsed_s, trans)
      );
    default:
      return trans.__(
        '%1/%2 · failed after %3: %4',
        finished,
        total,
        seconds(review.elapsed_s, trans),
        review.message
      );
  }
}

/** The kernel's word for a target's state. */
export function stateWord(state: string): string {
  return STATE_WORDS[state] ?? state;
}

/** The text of one report row, column by column (the accept box and ↻ aside). */
export interface IReportCells {
  name: string;
  kind: string;
  status: string;
  attempts: string;
  tokens: string;
  time: string;
  details: string;
}

/** A target's tokens; a floor, or "not counted", when some of its answers gave no counts. */
function tokensText(target: ITarget, trans: TranslationBundle): string {
  const counted = (target.tokens ?? 0).toLocaleString('en');
  if (!target.tokens_uncounted) {
    return counted;
  }
  return target.tokens ? `≥ ${counted}` : trans.__('not counted');
}

/** One target's row of the report. */
export function reportCells(
  target: ITarget,
  trans: TranslationBundle
): IReportCells {
  const word = stateWord(target.state);
  const fixed = target.problems_fixed ?? [];
  const details = [
    target.detail ?? '',
    fixed.length ? trans.__('fixed: %1', fixed.join(', ')) : ''
  ]
    .filter(Boolean)
    .join(' · ');
  return {
    name: target.name,
    kind: target.kind ?? '',
    status: target.cached ? trans.__('%1 (cached)', word) : word,
    attempts: String(target.attempts ?? 0),
    tokens: tokensText(target, trans),
    time: seconds(target.elapsed_s ?? 0, trans),
    details
  };
}

/** Whether a target's row offers ↻ (a skipped target only once the run is done). */
export function canAskAgain(review: IReview, target: ITarget): boolean {
  return target.state !== 'skipped' || review.status === 'done';
}

/** One line of the Changes pane. */
export interface IDiffLine {
  kind: 'hunk' | 'context' | 'del' | 'add';
  /** The line as shown: its prefix, its text without the line ending, a newline. */
  text: string;
}

/**
 * What Replace cell would change: per accepted target, its edit with one line
 * of context on each side, as a diff (empty when nothing is accepted).
 */
export function changes(
  review: IReview,
  trans: TranslationBundle
): IDiffLine[] {
  const lines = review.lines ?? [];
  const out: IDiffLine[] = [];
  const add = (kind: IDiffLine['kind'], prefix: string, text: string) =>
    out.push({ kind, text: prefix + text.replace(/\r?\n$|\r$/, '') + '\n' });
  const chosen = accepted(review).sort((a, b) => a.edit![0] - b.edit![0]);
  for (const target of chosen) {
    const [start, stop, added] = target.edit!;
    add('hunk', '', trans.__('@@ %1, line %2 @@', target.name, start + 1));
    if (start > 0) {
      add('context', ' ', lines[start - 1]);
    }
    lines.slice(start, stop).forEach(line => add('del', '-', line));
    added.forEach(line => add('add', '+', line));
    if (stop < lines.length) {
      add('context', ' ', lines[stop]);
    }
  }
  return out;
}

/** The Replace cell button's label: how many of the docstrings it applies. */
export function replaceLabel(
  review: IReview,
  trans: TranslationBundle
): string {
  const total = documented(review).length;
  return total > 1
    ? trans.__('Replace cell (%1 of %2)', accepted(review).length, total)
    : trans.__('Replace cell');
}
