/**
 * The generated protocol (src/protocol.ts; tests/test_protocol.py holds it to
 * the Python) as the frontend relies on it.
 */
import { describe, expect, it } from 'vitest';

import { isRunning, readReview } from '../src/data';
import {
  MAGIC,
  NOT_RUN,
  REVIEW_MIME,
  REVIEW_STATUSES,
  REVIEW_VERSION,
  RUNNING_STATES,
  STATE_WORDS
} from '../src/protocol';
import { review } from './fixtures';

describe('the protocol', () => {
  it('names every state the review treats apart', () => {
    // progressOf counts 'started' / 'retrying' in flight and colours 'failed'; canAskAgain reads 'skipped'.
    for (const state of ['started', 'retrying', 'failed', 'skipped']) {
      expect(Object.keys(STATE_WORDS)).toContain(state);
    }
  });

  it('has running states that are states, and isRunning agrees with them', () => {
    for (const state of RUNNING_STATES) {
      expect(Object.keys(STATE_WORDS)).toContain(state);
      expect(isRunning(state)).toBe(true);
    }
    expect(isRunning('documented')).toBe(false);
    expect(isRunning('failed')).toBe(false);
  });

  it('has the run statuses progressText tells apart', () => {
    expect([...REVIEW_STATUSES].sort()).toEqual(
      ['done', 'failed', 'interrupted', 'running'].sort()
    );
  });

  it('has a vendor mime type and a version the reader accepts', () => {
    expect(REVIEW_MIME).toMatch(/^application\/vnd\.[\w.-]+\+json$/);
    expect(readReview({ ...review(), version: REVIEW_VERSION })).not.toBeNull();
    expect(readReview({ ...review(), version: REVIEW_VERSION + 1 })).toBeNull();
  });

  it('has the "not run" line name the magic', () => {
    expect(NOT_RUN.startsWith(MAGIC)).toBe(true);
  });
});
