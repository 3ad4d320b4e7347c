import { describe, expect, it } from 'vitest';

import {
  IReview,
  accepted,
  applyEdits,
  documented,
  modeOf,
  nothingToReplace,
  readReview,
  runMode,
  seconds
} from '../src/data';
import { F, G, H, LINES, review, target, trans } from './fixtures';

describe('readReview', () => {
  it('reads version 1 with targets and a status', () => {
    const data = review();
    expect(readReview(data)).toBe(data);
  });

  it.each([
    ['a newer version', { ...review(), version: 2 }],
    ['no targets', { ...review(), targets: undefined }],
    ['no status', { ...review(), status: undefined }],
    ['null', null],
    ['a string', 'done']
  ])('refuses %s', (_, data) => {
    expect(readReview(data)).toBeNull();
  });
});

describe('documented and accepted', () => {
  it('documented: the targets with an edit, in order', () => {
    expect(documented(review()).map(t => t.name)).toEqual(['f', 'h']);
  });

  it('accepted: the documented targets not rejected', () => {
    expect(accepted(review({ rejected: ['f'] })).map(t => t.name)).toEqual([
      'h'
    ]);
  });

  it('rejecting a target without an edit changes nothing', () => {
    expect(accepted(review({ rejected: ['g'] })).map(t => t.name)).toEqual([
      'f',
      'h'
    ]);
  });

  it('an explicit null edit is not documented', () => {
    expect(documented(review({ targets: [target('k', null)] }))).toEqual([]);
  });
});

describe('applyEdits', () => {
  it('with no edits gives the original bytes back', () => {
    expect(applyEdits(LINES, [])).toBe(LINES.join(''));
  });

  it('inserts every edit at its own line, whatever order they come in', () => {
    const expected =
      'def f(x):\n' +
      '    """Return x."""\n' +
      '    return x\n' +
      '\n' +
      'def g():\n' +
      '    pass\n' +
      '\n' +
      'def h(y):\r\n' +
      '    """Return y."""\r\n' +
      '    return y';
    expect(applyEdits(LINES, [F, H])).toBe(expected);
    expect(applyEdits(LINES, [H, F])).toBe(expected);
  });

  it('applies only the targets given', () => {
    expect(applyEdits(LINES, [H])).toBe(
      LINES.slice(0, 7).join('') + '    """Return y."""\r\n' + LINES[7]
    );
  });

  it('replaces a range (an existing docstring completed)', () => {
    const lines = ['def f():\n', '    """Old."""\n', '    pass\n'];
    const edit = target('f', [
      1,
      2,
      ['    """New.\n', '\n', '    More.\n', '    """\n']
    ]);
    expect(applyEdits(lines, [edit])).toBe(
      'def f():\n    """New.\n\n    More.\n    """\n    pass\n'
    );
  });

  it('applies nested edits (a class and its first method)', () => {
    const lines = ['class A:\n', '    def m(self):\n', '        pass\n'];
    const cls = target('A', [1, 1, ['    """A thing."""\n']]);
    const method = target('A.m', [2, 2, ['        """Do m."""\n']]);
    expect(applyEdits(lines, [method, cls])).toBe(
      'class A:\n    """A thing."""\n    def m(self):\n        """Do m."""\n        pass\n'
    );
  });

  it('ignores targets without an edit and leaves its input alone', () => {
    const copy = LINES.slice();
    applyEdits(LINES, [G, F]);
    expect(LINES).toEqual(copy);
    expect(applyEdits(LINES, [G])).toBe(LINES.join(''));
  });
});

describe('nothingToReplace', () => {
  it('is null when an accepted docstring exists', () => {
    expect(nothingToReplace(review(), trans)).toBeNull();
  });

  it.each<[string, Partial<IReview>, string]>([
    ['running', { status: 'running' }, 'Still documenting…'],
    [
      'failed',
      { status: 'failed' },
      'Nothing to replace: the run did not finish.'
    ],
    [
      'done without lines',
      { lines: undefined },
      'Nothing to replace: the run did not finish.'
    ],
    [
      'no docstring',
      { targets: [G] },
      'Nothing to replace: no docstring was written.'
    ],
    [
      'everything rejected',
      { rejected: ['f', 'h'] },
      'Nothing to replace: every docstring is rejected.'
    ]
  ])('says why when %s', (_, over, why) => {
    expect(nothingToReplace(review(over), trans)).toBe(why);
  });
});

describe('seconds', () => {
  it.each([
    [0, '0.0 s'],
    [1.25, '1.3 s'],
    [9.94, '9.9 s'],
    [9.96, '10 s'],
    [12.4, '12 s'],
    [59.4, '59 s'],
    [59.6, '1 min 0 s'],
    [60, '1 min 0 s'],
    [119.6, '2 min 0 s'],
    [125.6, '2 min 6 s']
  ])('%s s reads "%s"', (s, text) => {
    expect(seconds(s, trans)).toBe(text);
  });
});

describe('runMode', () => {
  it('is the mode the kernel recorded for the run', () => {
    expect(runMode(review())).toBe('add');
    expect(runMode(review({ mode: 'update' }))).toBe('update');
  });

  it('is null for a review saved without one, whatever its line says', () => {
    const old = { ...review({ line: '--update' }), mode: undefined };
    expect(readReview(old)).toBe(old);
    expect(runMode(old)).toBeNull();
  });

  it('is null for a mode this version does not know', () => {
    const data = { ...review(), mode: 'rewrite' } as unknown as IReview;
    expect(runMode(data)).toBeNull();
  });
});

describe('modeOf', () => {
  it.each([
    ['add', 'add'],
    ['update', 'update'],
    ['', null],
    ['--update', null]
  ])('%j → %j', (value, mode) => {
    expect(modeOf(value)).toBe(mode);
  });
});
