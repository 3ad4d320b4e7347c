/**
 * The review of one %%docgen run, drawn from the saved data alone
 * (REVIEW_MIME in ../protocol): progress while running, then the documented
 * code, the changes, a per-function report with accept / reject and
 * regenerate, and Replace cell / Copy / Regenerate (./actions).
 *
 * The renderer builds its DOM with textContent only (no markup from the data),
 * so it is safe for untrusted notebooks; every colour comes from the theme.
 */
import { IEditorLanguageRegistry } from '@jupyterlab/codemirror';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import type { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { IReview, modeOf, readReview } from '../data';
import { Mode, REVIEW_MIME } from '../protocol';
import { IActionHost, ReviewActions } from './actions';
import { el } from './dom';
import {
  IControls,
  changesPane,
  codePane,
  footer,
  newerNote,
  notesList,
  progressBar,
  reportPane,
  runAgain,
  tabs,
  targetList
} from './panes';
import { IProgress, layoutOf, progressOf, progressText } from './state';

/** What the renderer needs from the application. */
export interface IReviewContext {
  notebooks: INotebookTracker;
  languages: IEditorLanguageRegistry | null;
  trans: TranslationBundle;
}

/** One drawn review: its box, and the elements that change after drawing. */
interface IDrawn {
  box: HTMLElement;
  controls: IControls | null;
  /** The words beside a running review's bar, which the clock updates. */
  clock: { count: HTMLElement; progress: IProgress } | null;
}

/** The review shown now, since when (the clock of a running review counts from there). */
interface IShown {
  review: IReview | null;
  drawn: IDrawn;
  at: number;
}

/** The review renderer. */
export class ReviewRenderer
  extends Widget
  implements IRenderMime.IRenderer, IActionHost
{
  constructor(
    private readonly _options: IRenderMime.IRendererOptions,
    private readonly _context: IReviewContext
  ) {
    super();
    this.addClass('docgen-review');
  }

  /** Counts renders, so that only the newest of overlapping renders is shown. */
  private _generation = 0;
  private _timer = 0;
  private _shown: IShown | null = null;

  /** Render the model's data (again when an update arrives: the renderer is reused). */
  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const generation = ++this._generation;
    const review = readReview(model.data[this._options.mimeType]);
    const drawn = await this._draw(review, model);
    if (generation !== this._generation) {
      return; // a newer update was drawn meanwhile
    }
    window.clearInterval(this._timer);
    this._shown = { review, drawn, at: Date.now() };
    this.node.dataset.status = review?.status ?? 'unknown';
    this.node.replaceChildren(drawn.box);
    if (review?.status === 'running') {
      this._timer = window.setInterval(() => this._tick(), 500);
    }
  }

  dispose(): void {
    window.clearInterval(this._timer);
    super.dispose();
  }

  /** Show one line in the status line of the review shown. */
  say(text: string): void {
    const status = this._shown?.drawn.controls?.status;
    if (status) {
      status.textContent = text;
    }
  }

  /** The Regenerate mode chosen in the review shown (null: as the %%docgen line says). */
  mode(): Mode | null {
    return modeOf(this._shown?.drawn.controls?.mode?.value ?? '');
  }

  /** Build the whole review in a new box (placed in one swap, so overlapping renders never mix). */
  private async _draw(
    review: IReview | null,
    model: IRenderMime.IMimeModel
  ): Promise<IDrawn> {
    const { notebooks, languages, trans } = this._context;
    const box = el('div', 'docgen-body');
    if (!review) {
      box.appendChild(newerNote(trans));
      return { box, controls: null, clock: null };
    }
    const actions = new ReviewActions(review, model, this, notebooks, trans);
    const layout = layoutOf(review);
    const notes = notesList(review);
    if (notes) {
      box.appendChild(notes);
    }
    let clock: IDrawn['clock'] = null;
    if (layout.progress) {
      const progress = progressOf(review);
      const text = progressText(review, progress, review.elapsed_s, trans);
      const bar = progressBar(progress, text);
      box.appendChild(bar.node);
      clock = { count: bar.count, progress };
    }
    if (layout.targets) {
      box.appendChild(targetList(review));
    }
    let controls: IControls | null = null;
    if (layout.body === 'review') {
      box.append(
        ...tabs(model, [
          ['code', trans.__('Code'), await codePane(review, languages)],
          ['changes', trans.__('Changes'), changesPane(review, trans)],
          ['report', trans.__('Report'), reportPane(review, actions, trans)]
        ])
      );
      controls = footer(review, actions, trans);
    } else if (layout.body === 'run-again') {
      controls = runAgain(actions, trans);
    }
    box.append(...(controls?.nodes ?? []));
    return { box, controls, clock };
  }

  /** Move a running review's clock (the kernel sends updates only when a target moves). */
  private _tick(): void {
    const shown = this._shown;
    if (!shown?.review || !shown.drawn.clock) {
      return;
    }
    const { review, at } = shown;
    const { count, progress } = shown.drawn.clock;
    const elapsed = review.elapsed_s + (Date.now() - at) / 1000;
    count.textContent = progressText(
      review,
      progress,
      elapsed,
      this._context.trans
    );
  }
}

/** The renderer factory; safe, since nothing from the data becomes markup. */
export function reviewFactory(
  context: IReviewContext
): IRenderMime.IRendererFactory {
  return {
    safe: true,
    mimeTypes: [REVIEW_MIME],
    defaultRank: 10,
    createRenderer: options => new ReviewRenderer(options, context)
  };
}
