/**
 * docgen-magic: the frontend half of the one-click "Replace cell" bridge.
 *
 * The kernel (docgen_magic/bridge.py) opens a comm to the target `docgen_magic`
 * with `{cell_id, source, original}`. This plugin registers that target on the
 * kernel connection of every notebook and console (again whenever their kernel
 * changes; the registration survives restarts), finds
 * the cell BY ID in the notebook attached to that kernel, asks the user when
 * the cell changed since `%%docgen` ran, sets the new source as one undoable
 * edit, and replies `{status, message}`.
 *
 * Protocol (kernel <-> frontend, all on one comm):
 *   kernel   -> comm_open {cell_id, source, original}
 *   frontend -> comm_msg  {ack: true}              right away: "a bridge exists,
 *                                                   the user may be deciding"
 *   frontend -> comm_msg  {status, message}        the outcome
 *   kernel   -> comm_close
 */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, ISessionContext } from '@jupyterlab/apputils';
import { IEditorLanguageRegistry } from '@jupyterlab/codemirror';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { editIcon } from '@jupyterlab/ui-components';
import { IConsoleTracker } from '@jupyterlab/console';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { Kernel, KernelMessage } from '@jupyterlab/services';

import {
  ISharedCellLike,
  confirmOverwrite,
  replaceSource
} from './replace';
import { CHECK_NOTEBOOK, DOCUMENT_CELL, checkNotebook, documentActiveCell } from './commands';
import { reviewFactory } from './review';

/** Name of the comm target; must match COMM_TARGET in docgen_magic/bridge.py. */
export const COMM_TARGET = 'docgen_magic';

/** Statuses the frontend can reply with. */
export type ReplaceStatus = 'replaced' | 'cancelled' | 'not-found' | 'error';

/** The data the kernel sends when it opens the comm. */
export interface IReplaceRequest {
  cell_id: string;
  source: string;
  original: string;
}

/** The reply sent back to the kernel. */
export interface IReplaceReply {
  status: ReplaceStatus;
  message: string;
}

/** Validate the comm_open data; return null when it is malformed. */
function parseRequest(data: unknown): IReplaceRequest | null {
  if (typeof data !== 'object' || data === null) {
    return null;
  }
  const d = data as Record<string, unknown>;
  if (
    typeof d.cell_id !== 'string' ||
    typeof d.source !== 'string' ||
    typeof d.original !== 'string'
  ) {
    return null;
  }
  return { cell_id: d.cell_id, source: d.source, original: d.original };
}

/** Notebook panels whose session currently talks to the kernel with this id. */
function panelsForKernel(
  tracker: INotebookTracker,
  kernelId: string
): NotebookPanel[] {
  const panels: NotebookPanel[] = [];
  tracker.forEach(panel => {
    if (panel.sessionContext.session?.kernel?.id === kernelId) {
      panels.push(panel);
    }
  });
  return panels;
}

/** The shared cell with this id in the panel's notebook, if any. */
function findCell(
  panel: NotebookPanel,
  cellId: string
): ISharedCellLike | null {
  const cells = panel.content.model?.sharedModel.cells ?? [];
  const cell = cells.find(c => c.id === cellId);
  return cell ? (cell as unknown as ISharedCellLike) : null;
}

/** Carry out one request in the given panel; never throws. */
async function applyRequest(
  panel: NotebookPanel | null,
  request: IReplaceRequest
): Promise<IReplaceReply> {
  try {
    const cell = panel ? findCell(panel, request.cell_id) : null;
    if (!panel || !cell) {
      return {
        status: 'not-found',
        message: `No cell with id ${request.cell_id} in the notebook of this kernel.`
      };
    }
    const current = cell.getSource();
    if (current === request.source) {
      return { status: 'replaced', message: 'The cell already holds this text.' };
    }
    if (current !== request.original && !(await confirmOverwrite())) {
      return { status: 'cancelled', message: 'Kept the cell as edited.' };
    }
    replaceSource(cell, request.source);
    return { status: 'replaced', message: 'Replaced the cell (Ctrl-Z in the cell undoes it).' };
  } catch (err) {
    console.error('docgen-magic: replace failed', err);
    return { status: 'error', message: `Replace failed: ${String(err)}` };
  }
}

/**
 * The notebook panel on this kernel that holds the cell, else the first
 * notebook on the kernel (it answers "not-found").
 *
 * Only one kernel connection per page handles comms (JupyterLab sets
 * `handleComms` on the first connection to a kernel, which may be a console's),
 * so whichever connection receives the request answers for the page.
 */
function chooseResponder(
  tracker: INotebookTracker,
  kernelId: string,
  cellId: string
): NotebookPanel | null {
  const panels = panelsForKernel(tracker, kernelId);
  return panels.find(p => findCell(p, cellId) !== null) ?? panels[0] ?? null;
}

/**
 * Send a comm_msg on the comm, addressed to the kernel's main shell; ignore a
 * comm the kernel already closed.
 *
 * Not `comm.send()`: since JupyterLab 4.4 that stamps comm messages with a
 * kernel subshell per comm target, whose id is cached per kernel id for every
 * connection of the page. When a restart is started from another connection
 * than the one handling comms (a notebook restarting the kernel a console
 * connected to first), the cached id outlives the old kernel process, and a
 * kernel that routes comm messages by that header rejects them ("Unknown
 * subshell_id"): the kernel side would report "no-bridge". (ipykernel 7.4
 * routes replies by the comm's own record instead; bridge.py sets it.) Our
 * two tiny messages gain nothing from a subshell.
 */
function trySend(
  kernel: Kernel.IKernelConnection,
  comm: Kernel.IComm,
  data: KernelMessage.ICommMsgMsg['content']['data']
): void {
  try {
    if (comm.isDisposed || kernel.isDisposed) {
      return;
    }
    const msg = KernelMessage.createMessage({
      msgType: 'comm_msg',
      channel: 'shell',
      username: kernel.username,
      session: kernel.clientId,
      content: { comm_id: comm.commId, data }
    });
    kernel.sendShellMessage(msg, false, true);
  } catch (err) {
    console.warn('docgen-magic: could not reply to the kernel', err);
  }
}

/** Build the comm target callback for one kernel connection. */
function makeTarget(
  tracker: INotebookTracker,
  kernel: Kernel.IKernelConnection
): (comm: Kernel.IComm, msg: KernelMessage.ICommOpenMsg) => void {
  return (comm, msg) => {
    const request = parseRequest(msg.content.data);
    trySend(kernel, comm, { ack: true });
    if (!request) {
      trySend(kernel, comm, {
        status: 'error',
        message: 'Malformed replace request.'
      });
      return;
    }
    const responder = chooseResponder(tracker, kernel.id, request.cell_id);
    // Do not return this promise: the kernel connection awaits comm targets,
    // and a dialog waiting for the user would stall every kernel message.
    void applyRequest(responder, request).then(reply =>
      trySend(kernel, comm, { status: reply.status, message: reply.message })
    );
  };
}

/** Register the comm target on a kernel connection (idempotent per connection). */
function registerOn(
  tracker: INotebookTracker,
  kernel: Kernel.IKernelConnection | null | undefined,
  registered: WeakSet<Kernel.IKernelConnection>
): void {
  if (!kernel || registered.has(kernel) || kernel.isDisposed) {
    return;
  }
  registered.add(kernel);
  kernel.registerCommTarget(COMM_TARGET, makeTarget(tracker, kernel));
}

/**
 * Hook a session (a notebook's, or a console's): its current kernel and every
 * future one. Consoles matter because when a console connected to a kernel
 * before the notebook did, the console's connection is the one handling comms
 * for that kernel; without the target it would close the comm, which the
 * kernel reads as "no bridge".
 */
function watchSession(
  tracker: INotebookTracker,
  ctx: ISessionContext,
  registered: WeakSet<Kernel.IKernelConnection>
): void {
  registerOn(tracker, ctx.session?.kernel, registered);
  ctx.kernelChanged.connect((_, change) =>
    registerOn(tracker, change.newValue, registered)
  );
  void ctx.ready.then(() => registerOn(tracker, ctx.session?.kernel, registered));
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'docgen-magic:replace-cell',
  description: 'Lets %%docgen replace notebook cells with one click.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [IConsoleTracker],
  activate: (
    _app: JupyterFrontEnd,
    notebooks: INotebookTracker,
    consoles: IConsoleTracker | null
  ): void => {
    const registered = new WeakSet<Kernel.IKernelConnection>();
    const watch = (ctx: ISessionContext) =>
      watchSession(notebooks, ctx, registered);
    notebooks.forEach(panel => watch(panel.sessionContext));
    notebooks.widgetAdded.connect((_, panel) => watch(panel.sessionContext));
    if (consoles) {
      consoles.forEach(panel => watch(panel.sessionContext));
      consoles.widgetAdded.connect((_, panel) => watch(panel.sessionContext));
    }
  }
};

/** The review renderer for application/vnd.docgen.result+json. */
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

export default [plugin, review, commands];
