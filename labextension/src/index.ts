/**
 * docgen-magic: the JupyterLab 4 / Notebook 7 half of docgen_magic.
 *
 * Two plugins: the review renderer for the project's mime type (drawn from
 * the saved data alone, with its own Replace cell / Copy / Regenerate), and
 * the "Document this cell" / "Check this notebook" commands, which ask the
 * kernel for work over the comm target in ./protocol (kernel.ts).
 */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { IEditorLanguageRegistry } from '@jupyterlab/codemirror';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { editIcon } from '@jupyterlab/ui-components';
import { INotebookTracker } from '@jupyterlab/notebook';

import { CHECK_NOTEBOOK, DOCUMENT_CELL, checkNotebook, documentActiveCell } from './commands';
import { reviewFactory } from './review';

/** The review renderer for REVIEW_MIME (./protocol). */
const review: JupyterFrontEndPlugin<void> = {
  id: 'docgen-magic:review',
  description: 'Shows the %%docgen review, also in saved and reopened notebooks.',
  autoStart: true,
  requires: [INotebookTracker, IRenderMimeRegistry],
  optional: [IEditorLanguageRegistry],
  activate: (
    _app: JupyterFrontEnd,
    notebooks: INotebookTracker,
    rendermime: IRenderMimeRegistry,
    languages: IEditorLanguageRegistry | null
  ): void => {
    const factory = reviewFactory({ notebooks, languages });
    rendermime.addFactory(factory, factory.defaultRank);
  }
};

/** "Document this cell" and "Check this notebook": palette, context menu, cell toolbar, keyboard. */
const commands: JupyterFrontEndPlugin<void> = {
  id: 'docgen-magic:commands',
  description: 'Document the active cell or check the notebook without typing %%docgen.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    notebooks: INotebookTracker,
    palette: ICommandPalette | null
  ): void => {
    const enabled = () => notebooks.currentWidget !== null;
    app.commands.addCommand(DOCUMENT_CELL, {
      label: 'Document this cell',
      caption: 'Write docstrings for the functions and classes of the active cell (docgen)',
      icon: args => (args.toolbar ? editIcon : undefined),
      isEnabled: enabled,
      execute: () => documentActiveCell(notebooks)
    });
    app.commands.addCommand(CHECK_NOTEBOOK, {
      label: 'Check this notebook (docstrings)',
      caption: 'List, per cell, the functions and classes whose docstrings are missing or incomplete',
      isEnabled: enabled,
      execute: () => checkNotebook(notebooks)
    });
    if (palette) {
      palette.addItem({ command: DOCUMENT_CELL, category: 'docgen' });
      palette.addItem({ command: CHECK_NOTEBOOK, category: 'docgen' });
    }
  }
};

export default [review, commands];
