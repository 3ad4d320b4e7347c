/**
 * Asking the notebook's kernel for work: load docgen_magic there if needed,
 * then open a comm to its RUN_TARGET (./protocol).
 * The kernel answers with progress messages and a last one marked `final`.
 */
import { ISessionContext } from '@jupyterlab/apputils';
import { Kernel, KernelMessage } from '@jupyterlab/services';
import type { TranslationBundle } from '@jupyterlab/translation';
import { JSONObject } from '@lumino/coreutils';

import { Action, EXTENSION, Mode, RUN_TARGET } from './protocol';

/** Loads the extension in the kernel; quiet when it is already loaded. */
const LOAD_CODE = `get_ipython().extension_manager.load_extension('${EXTENSION}')`;

/** A failure to show the user, one line. */
export class KernelRequestError extends Error {}

/** The kernel of a session, or an error saying how to get one. */
export function kernelOf(
  session: ISessionContext,
  trans: TranslationBundle
): Kernel.IKernelConnection {
  const kernel = session.session?.kernel;
  if (!kernel || kernel.isDisposed) {
    throw new KernelRequestError(
      trans.__(
        'This needs a running kernel: start one (Kernel menu) and try again.'
      )
    );
  }
  return kernel;
}

/** Load docgen_magic in the kernel (a no-op when already loaded). */
export async function ensureLoaded(
  kernel: Kernel.IKernelConnection,
  trans: TranslationBundle
): Promise<void> {
  const future = kernel.requestExecute({
    code: LOAD_CODE,
    silent: true,
    store_history: false,
    allow_stdin: false,
    stop_on_error: false
  });
  const reply = (await future.done) as KernelMessage.IExecuteReplyMsg;
  const content = reply.content;
  if (content.status === 'error') {
    throw new KernelRequestError(
      trans.__(
        'The kernel could not load %1 (%2: %3); install it in the kernel\u2019s environment: pip install %1',
        EXTENSION,
        content.ename,
        content.evalue
      )
    );
  }
}

/**
 * Send one request; `onUpdate` receives every message (progress included).
 * Resolves with the final message.
 */
export async function runRequest(
  kernel: Kernel.IKernelConnection,
  action: Action,
  data: JSONObject,
  onUpdate: (msg: JSONObject) => void,
  trans: TranslationBundle
): Promise<JSONObject> {
  await ensureLoaded(kernel, trans);
  return new Promise<JSONObject>((resolve, reject) => {
    let finished = false;
    const comm = kernel.createComm(RUN_TARGET);
    comm.onMsg = msg => {
      const payload = msg.content.data as JSONObject;
      try {
        onUpdate(payload);
      } catch (err) {
        console.error('docgen-magic: could not show an update', err);
      }
      if (payload.final === true && !finished) {
        finished = true;
        resolve(payload);
      }
    };
    comm.onClose = msg => {
      if (finished) {
        return;
      }
      finished = true;
      const payload = (msg.content.data ?? {}) as JSONObject;
      if (payload.final === true) {
        resolve(payload);
      } else {
        reject(
          new KernelRequestError(
            trans.__(
              'The kernel closed the request without an answer (was it restarted?).'
            )
          )
        );
      }
    };
    try {
      comm.open({ ...data, action });
    } catch (err) {
      finished = true;
      reject(
        new KernelRequestError(
          trans.__('Could not reach the kernel: %1', String(err))
        )
      );
    }
  });
}

/**
 * Ask the kernel to document `source`, handing every bundle (progress, then
 * the result) to `write`. Throws KernelRequestError with a sentence for people.
 */
export async function documentIntoOutput(
  session: ISessionContext,
  source: string,
  cellId: string,
  refresh: boolean | string[],
  mode: Mode | null,
  write: (bundle: JSONObject) => void,
  trans: TranslationBundle
): Promise<void> {
  const kernel = kernelOf(session, trans);
  const last = await runRequest(
    kernel,
    'document',
    { source, cell_id: cellId, refresh, mode },
    msg => {
      if (msg.bundle) {
        write({ ...(msg.bundle as JSONObject) });
      }
    },
    trans
  );
  if (typeof last.error === 'string') {
    throw new KernelRequestError(`docgen: ${last.error}`);
  }
}
