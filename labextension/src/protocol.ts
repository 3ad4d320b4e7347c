/**
 * What the kernel and this extension say to each other. Generated from
 * docgen_magic/kernel/protocol.py by `python -m docgen_magic.kernel.protocol
 * --write`; do not edit (a test compares it with the Python).
 */

/** The module `%load_ext` loads in the kernel. */
export const EXTENSION = 'docgen_magic';

/** The review's mime type. */
export const REVIEW_MIME = 'application/vnd.docgen.result+json';

/** The version of the review's data. */
export const REVIEW_VERSION = 1;

/** The comm target the kernel serves requests on. */
export const RUN_TARGET = 'docgen_magic.run';

/** The requests on RUN_TARGET. */
export const ACTIONS = ['document', 'check'] as const;

/** A request on RUN_TARGET. */
export type Action = (typeof ACTIONS)[number];

/** The status of a run as a whole. */
export const REVIEW_STATUSES = [
  'running',
  'done',
  'failed',
  'interrupted'
] as const;

/** The status of a run as a whole. */
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];

/** Each state a target can be in, and the words the review shows for it. */
export const STATE_WORDS: Readonly<Record<string, string>> = {
  queued: 'queued',
  started: 'in flight',
  retrying: 'retrying',
  documented: 'done',
  cached: 'done (cached)',
  skipped: 'skipped',
  failed: 'failed'
};

/** Target states of a run still in flight. */
export const RUNNING_STATES = ['queued', 'started', 'retrying'] as const;

/** The line saying the documented code was not run. */
export const NOT_RUN =
  '%%docgen only reads the cell: its functions are not defined until the cell runs (Replace cell, then run it, or use %%docgen --run).';

/** What a run does with docstrings that already exist. */
export const MODES = ['add', 'update'] as const;

/** What a run does with docstrings that already exist (`update`: --update). */
export type Mode = (typeof MODES)[number];

/** The cell magic's line, as the user types it. */
export const MAGIC = '%%docgen';
