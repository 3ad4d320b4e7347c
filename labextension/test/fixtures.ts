/** Review data as the kernel writes it, for the unit tests. */
import { nullTranslator } from '@jupyterlab/translation';

import { IReview, ITarget } from '../src/data';
import { EXTENSION, REVIEW_VERSION } from '../src/protocol';

/** The words without a language pack, as JupyterLab shows them. */
export const trans = nullTranslator.load(EXTENSION);

/** A cell of three functions; `f` and `h` got a docstring, `g` did not. */
export const LINES = [
  'def f(x):\n',
  '    return x\n',
  '\n',
  'def g():\n',
  '    pass\n',
  '\n',
  'def h(y):\r\n',
  '    return y'
];

export function target(name: string, edit?: ITarget['edit']): ITarget {
  return { name, state: edit ? 'documented' : 'failed', edit };
}

export const F = target('f', [1, 1, ['    """Return x."""\n']]);
export const G = target('g');
export const H = target('h', [7, 7, ['    """Return y."""\r\n']]);

export function review(over: Partial<IReview> = {}): IReview {
  return {
    version: REVIEW_VERSION,
    status: 'done',
    cell_id: 'c1',
    source: LINES.join(''),
    line: '',
    mode: 'add',
    done: 3,
    total: 3,
    elapsed_s: 1.5,
    message: '',
    ran: false,
    targets: [F, G, H],
    lines: LINES,
    ...over
  };
}
