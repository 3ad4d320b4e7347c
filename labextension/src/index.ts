/**
 * docgen-magic: the JupyterLab 4 / Notebook 7 half of docgen_magic.
 *
 * Two plugins: the review renderer for the project's mime type (drawn from
 * the saved data alone, with its own Replace cell / Copy / Regenerate), and
 * the "Document this cell" / "Check this notebook" commands, which ask the
 * kernel for work over the comm target in ./protocol (kernel.ts). Their words
 * go through the application's translator (domain docgen_magic).
 */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { IEditorLanguageRegistry } from '@jupyterlab/codemirror';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import {
  ITranslator,
  TranslationBundle,
  nullTranslator
} from '@jupyterlab/translation';
import { editIcon } from '@jupyterlab/ui-components';

import {
  CHECK_NOTEBOOK,
  DOCUMENT_CELL,
  checkNotebook,
  documentActiveCell
} from './commands';
import { EXTENSION } from './protocol';
import { reviewFactory } from './review/renderer';

/** The extension's words in the user's language (English without a language pack). */
function wordsOf(translator: ITranslator | null): TranslationBundle {
  return (translator ?? nullTranslator).load(EXTENSION);
}

/** The review renderer for REVIEW_MIME (./protocol). */
const review: JupyterFrontEndPlugin<void> = {
  id: 'docgen-magic:review',
  description:
    'Shows the %%docgen review, also in saved and reopened notebooks.',
  autoStart: true,
  requires: [INotebookTracker, IRenderMimeRegistry],
  optional: [IEditorLanguageRegistry, ITranslator],
  activate: (
    _app: JupyterFrontEnd,
    notebooks: INotebookTracker,
    rendermime: IRenderMimeRegistry,
    languages: IEditorLanguageRegistry | null,
    translator: ITranslator | null
  ): void => {
    const trans = wordsOf(translator);
    const factory = reviewFactory({ notebooks, languages, trans });
    rendermime.addFactory(factory, factory.defaultRank);
  }
};

/** "Document this cell" and "Check this notebook": palette, context menu, cell toolbar, keyboard. */
const commands: JupyterFrontEndPlugin<void> = {
  id: 'docgen-magic:commands',
  description:
    'Document the active cell or check the notebook without typing %%docgen.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ICommandPalette, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    notebooks: INotebookTracker,
    palette: ICommandPalette | null,
    translator: ITranslator | null
  ): void => {
    const trans = wordsOf(translator);
    const enabled = () => notebooks.currentWidget !== null;
    app.commands.addCommand(DOCUMENT_CELL, {
      label: trans.__('Document this cell'),
      caption: trans.__(
        'Write docstrings for the functions and classes of the active cell (docgen)'
      ),
      icon: args => (args.toolbar ? editIcon : undefined),
      isEnabled: enabled,
      execute: () => documentActiveCell(notebooks, trans)
    });
    app.commands.addCommand(CHECK_NOTEBOOK, {
      label: trans.__('Check this notebook (docstrings)'),
      caption: trans.__(
        'List, per cell, the functions and classes whose docstrings are missing or incomplete'
      ),
      isEnabled: enabled,
      execute: () => checkNotebook(notebooks, trans)
    });
    if (palette) {
      const category = 'docgen';
      palette.addItem({ command: DOCUMENT_CELL, category });
      palette.addItem({ command: CHECK_NOTEBOOK, category });
    }
  }
};

export default [review, commands];
