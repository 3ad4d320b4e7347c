/**
 * The review's data (mime type REVIEW_MIME), as the kernel writes it, and the
 * pure functions over it.
 */
import type { TranslationBundle } from '@jupyterlab/translation';

import {
  MODES,
  Mode,
  REVIEW_VERSION,
  RUNNING_STATES,
  ReviewStatus
} from './protocol';

/** One target's own edit: original lines [start, stop) become `lines`. */
export type LineEdit = [number, number, string[]];

/** One function, class or method of the cell. */
export interface ITarget {
  name: string;
  /** One of the keys of STATE_WORDS (./protocol). */
  state: string;
  kind?: string;
  lineno?: number;
  attempts?: number;
  cached?: boolean;
  tokens?: number;
  /** Some of its answers gave no token counts (as llama.cpp's server streams them): tokens is a floor. */
  tokens_uncounted?: boolean;
  elapsed_s?: number;
  detail?: string;
  problems_fixed?: string[];
  edit?: LineEdit | null;
}

/** One remark shown above the review. */
export interface INote {
  text: string;
  kind: 'failure' | 'note';
}

/** The whole review. */
export interface IReview {
  version: number;
  status: ReviewStatus;
  cell_id: string | null;
  /** The cell as the notebook held it when the run started (%%docgen line included). */
  source: string;
  line: string;
  /**
   * What the run did with existing docstrings, as the kernel resolved it
   * (absent in reviews saved before the kernel wrote it: see runMode).
   */
  mode?: Mode;
  done: number;
  total: number;
  elapsed_s: number;
  message: string;
  ran: boolean;
  targets: ITarget[];
  lines?: string[];
  usage_line?: string;
  notes?: INote[];
  provider?: string;
  template?: boolean;
  /** Targets the user rejected (saved with the notebook). */
  rejected?: string[];
}

/** Read the review from a bundle's data; null when it is not one we understand. */
export function readReview(data: unknown): IReview | null {
  if (typeof data !== 'object' || data === null) {
    return null;
  }
  const d = data as Partial<IReview>;
  if (
    d.version !== REVIEW_VERSION ||
    !Array.isArray(d.targets) ||
    typeof d.status !== 'string'
  ) {
    return null;
  }
  return d as IReview;
}

/**
 * The mode the run was made with, or null for a review saved without one
 * (Regenerate then sends no mode, and the cell's %%docgen line decides).
 */
export function runMode(review: IReview): Mode | null {
  return modeOf(review.mode ?? '');
}

/** The mode a value names (a select's, a saved review's), or null. */
export function modeOf(value: string): Mode | null {
  return (MODES as readonly string[]).includes(value) ? (value as Mode) : null;
}

/** The targets that have an edit (a docstring that passed every check). */
export function documented(review: IReview): ITarget[] {
  return review.targets.filter(t => Array.isArray(t.edit));
}

/** The documented targets the user has not rejected. */
export function accepted(review: IReview): ITarget[] {
  const rejected = new Set(review.rejected ?? []);
  return documented(review).filter(t => !rejected.has(t.name));
}

/**
 * The documented code with exactly these targets' edits applied to the
 * original lines, bottom-up (as docgen_magic/core/splice.py applies them).
 */
export function applyEdits(lines: string[], targets: ITarget[]): string {
  const result = lines.slice();
  const edits = targets
    .map(t => t.edit as LineEdit)
    .filter(e => Array.isArray(e))
    .sort((a, b) => b[0] - a[0] || b[1] - a[1]);
  for (const [start, stop, added] of edits) {
    result.splice(start, stop - start, ...added);
  }
  return result.join('');
}

/** Why Replace cell would change nothing, or null when it would. */
export function nothingToReplace(
  review: IReview,
  trans: TranslationBundle
): string | null {
  if (review.status === 'running') {
    return trans.__('Still documenting…');
  }
  if (review.status !== 'done' || !review.lines) {
    return trans.__('Nothing to replace: the run did not finish.');
  }
  if (documented(review).length === 0) {
    return trans.__('Nothing to replace: no docstring was written.');
  }
  if (accepted(review).length === 0) {
    return trans.__('Nothing to replace: every docstring is rejected.');
  }
  return null;
}

/** Whether a target's state is one of a run still in flight. */
export function isRunning(state: string): boolean {
  return (RUNNING_STATES as readonly string[]).includes(state);
}

/** Seconds as people read them (tenths below 10 s; rounded before splitting, so never "1 min 60 s"). */
export function seconds(s: number, trans: TranslationBundle): string {
  if (s < 9.95) {
    return trans.__('%1 s', s.toFixed(1));
  }
  const whole = Math.round(s);
  return whole < 60
    ? trans.__('%1 s', whole)
    : trans.__('%1 min %2 s', Math.floor(whole / 60), whole % 60);
}
