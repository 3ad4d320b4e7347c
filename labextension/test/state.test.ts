import { describe, expect, it } from 'vitest';

import { IReview, ITarget, nothingToReplace, seconds } from '../src/data';
import {
  canAskAgain,
  changes,
  layoutOf,
  progressOf,
  progressText,
  replaceLabel,
  reportCells,
  stateWord
} from '../src/review/state';
import { F, G, H, review, target, trans } from './fixtures';

/** A run of five targets, two finished, two in flight, one waiting. */
function running(over: Partial<IReview> = {}): IReview {
  const states = ['documented', 'started', 'retrying', 'queued', 'failed'];
  return review({
    status: 'running',
    lines: undefined,
    total: 5,
    elapsed_s: 3,
    targets: states.map((state, i) => ({ name: `t${i}`, state })),
    ...over
  });
}

describe('layoutOf', () => {
  it.each<[string, IReview, ReturnType<typeof layoutOf>]>([
    ['running', running(), { progress: true, targets: true, body: null }],
    ['done', review(), { progress: true, targets: false, body: 'review' }],
    [
      'done with nothing to document',
      review({ targets: [] }),
      { progress: false, targets: false, body: 'run-again' }
    ],
    [
      'done without the lines',
      review({ lines: undefined }),
      { progress: true, targets: false, body: 'run-again' }
    ],
    [
      'failed',
      running({ status: 'failed' }),
      { progress: true, targets: true, body: 'run-again' }
    ],
    [
      'interrupted',
      running({ status: 'interrupted' }),
      { progress: true, targets: true, body: 'run-again' }
    ]
  ])('%s', (_, data, layout) => {
    expect(layoutOf(data)).toEqual(layout);
  });
});

describe('progressOf', () => {
  it('counts finished and in-flight targets from their states', () => {
    expect(progressOf(running())).toEqual({
      finished: 2,
      total: 5,
      inFlight: 2,
      bar: 'running'
    });
  });

  it('takes the number of targets when the total is not known yet', () => {
    expect(progressOf(running({ total: 0 })).total).toBe(5);
  });

  it('a done run is complete; its bar is red when a target failed', () => {
    expect(progressOf(review({ targets: [F, H] }))).toMatchObject({
      finished: 3,
      bar: 'done'
    });
    expect(progressOf(review()).bar).toBe('failed'); // g failed
  });

  it.each(['failed', 'interrupted'] as const)(
    'a %s run has a red bar',
    status => {
      expect(progressOf(review({ status, targets: [F] })).bar).toBe('failed');
    }
  );
});

describe('progressText', () => {
  it.each<[string, IReview, number, string]>([
    ['running', running(), 4.5, '2/5 · 2 in flight · 4.5 s'],
    ['done', review(), 99, '3/3 · done in 1.5 s'],
    [
      'interrupted',
      running({ status: 'interrupted', elapsed_s: 75 }),
      99,
      '2/5 · interrupted after 1 min 15 s'
    ],
    [
      'failed',
      running({ status: 'failed', message: 'no model configured' }),
      99,
      '2/5 · failed after 3.0 s: no model configured'
    ]
  ])('%s', (_, data, elapsed, text) => {
    expect(progressText(data, progressOf(data), elapsed, trans)).toBe(text);
  });

  it('keeps a %% in the kernel message as it is', () => {
    const data = running({ status: 'failed', message: '%%docgen: 100%' });
    expect(progressText(data, progressOf(data), 0, trans)).toBe(
      '2/5 · failed after 3.0 s: %%docgen: 100%'
    );
  });
});

describe('stateWord', () => {
  it("shows the kernel's word, or the state itself when it has none", () => {
    expect(stateWord('started')).toBe('in flight');
    expect(stateWord('documented')).toBe('done');
    expect(stateWord('pondering')).toBe('pondering');
  });
});

describe('reportCells', () => {
  it('reads every column of a row', () => {
    const t: ITarget = {
      name: 'Model.fit',
      state: 'documented',
      kind: 'method',
      attempts: 2,
      cached: true,
      tokens: 12345,
      elapsed_s: 75.2,
      detail: 'retried once',
      problems_fixed: ['missing-raises', 'type-mismatch'],
      edit: [0, 0, []]
    };
    expect(reportCells(t, trans)).toEqual({
      name: 'Model.fit',
      kind: 'method',
      status: 'done (cached)',
      attempts: '2',
      tokens: '12,345',
      time: '1 min 15 s',
      details: 'retried once · fixed: missing-raises, type-mismatch'
    });
  });

  it('fills what the kernel left out', () => {
    expect(reportCells(target('g'), trans)).toEqual({
      name: 'g',
      kind: '',
      status: 'failed',
      attempts: '0',
      tokens: '0',
      time: '0.0 s',
      details: ''
    });
  });

  it.each<[number, string]>([
    [0, 'not counted'],
    [1234, '≥ 1,234']
  ])('says when answers gave no token counts (%s counted)', (tokens, shown) => {
    const t: ITarget = { ...target('g'), tokens, tokens_uncounted: true };
    expect(reportCells(t, trans).tokens).toBe(shown);
  });
});

describe('canAskAgain', () => {
  const skipped: ITarget = { name: 's', state: 'skipped' };
  it('offers ↻ on a skipped target only once the run is done', () => {
    expect(canAskAgain(running(), skipped)).toBe(false);
    expect(canAskAgain(review(), skipped)).toBe(true);
    expect(canAskAgain(running(), G)).toBe(true);
  });
});

describe('changes', () => {
  it('shows each accepted edit with a line of context, in cell order', () => {
    expect(changes(review({ targets: [H, G, F] }), trans)).toEqual([
      { kind: 'hunk', text: '@@ f, line 2 @@\n' },
      { kind: 'context', text: ' def f(x):\n' },
      { kind: 'add', text: '+    """Return x."""\n' },
      { kind: 'context', text: '     return x\n' },
      { kind: 'hunk', text: '@@ h, line 8 @@\n' },
      { kind: 'context', text: ' def h(y):\n' },
      { kind: 'add', text: '+    """Return y."""\n' },
      { kind: 'context', text: '     return y\n' }
    ]);
  });

  it('leaves out rejected targets', () => {
    const lines = changes(review({ rejected: ['h'] }), trans);
    expect(lines.filter(l => l.kind === 'hunk').map(l => l.text)).toEqual([
      '@@ f, line 2 @@\n'
    ]);
  });

  it('shows replaced lines as removed, with no context past the edges', () => {
    const lines = ['"""Old."""\n', 'x = 1\n'];
    const edit = target('m', [0, 1, ['"""New."""\n']]);
    expect(changes(review({ lines, targets: [edit] }), trans)).toEqual([
      { kind: 'hunk', text: '@@ m, line 1 @@\n' },
      { kind: 'del', text: '-"""Old."""\n' },
      { kind: 'add', text: '+"""New."""\n' },
      { kind: 'context', text: ' x = 1\n' }
    ]);
  });

  it('is empty when nothing is accepted', () => {
    expect(changes(review({ rejected: ['f', 'h'] }), trans)).toEqual([]);
  });

  it('does not reorder the review’s targets', () => {
    const data = review({ targets: [H, F] });
    changes(data, trans);
    expect(data.targets.map(t => t.name)).toEqual(['h', 'f']);
  });
});

describe('replaceLabel', () => {
  it('says how many docstrings Replace cell applies when there are several', () => {
    expect(replaceLabel(review(), trans)).toBe('Replace cell (2 of 2)');
    expect(replaceLabel(review({ rejected: ['f'] }), trans)).toBe(
      'Replace cell (1 of 2)'
    );
    expect(replaceLabel(review({ targets: [F] }), trans)).toBe('Replace cell');
  });
});

describe('translation', () => {
  /** A language pack that marks every word it was asked for. */
  const marked = {
    ...trans,
    __: (msgid: string, ...args: unknown[]) =>
      `«${trans.__(msgid, ...(args as string[]))}»`,
    _n: (one: string, many: string, n: number, ...args: unknown[]) =>
      `«${trans._n(one, many, n, ...(args as string[]))}»`
  } as typeof trans;
  const isMarked = (text: string) => /^«.*»$/s.test(text);

  it('sends every word the review derives through the translator', () => {
    const data = running();
    const texts = [
      progressText(data, progressOf(data), 1, marked),
      progressText(review(), progressOf(review()), 1, marked),
      replaceLabel(review(), marked),
      replaceLabel(review({ targets: [F] }), marked),
      reportCells({ ...F, cached: true }, marked).status,
      reportCells({ ...F, problems_fixed: ['x'] }, marked).details,
      reportCells(F, marked).time,
      changes(review(), marked)[0].text.trimEnd(),
      nothingToReplace(review({ status: 'running' }), marked) ?? '',
      nothingToReplace(review({ rejected: ['f', 'h'] }), marked) ?? '',
      seconds(75, marked)
    ];
    expect(texts.filter(t => !isMarked(t))).toEqual([]);
  });
});
