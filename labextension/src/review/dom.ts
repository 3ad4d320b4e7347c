/**
 * DOM helpers for the review: every element is built with textContent only
 * (nothing from the data becomes markup), so the review is safe for
 * untrusted notebooks.
 */

/** Create an element with a class and optional text. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className = '',
  text?: string
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

/** A button with a label, tooltip (none when empty) and handler. */
export function button(
  label: string,
  className: string,
  title: string,
  onClick: () => void
): HTMLButtonElement {
  const node = el('button', `docgen-button ${className}`, label);
  node.type = 'button';
  if (title) {
    node.title = title;
  }
  node.addEventListener('click', onClick);
  return node;
}

/** The line where the review answers a click (read out by screen readers). */
export function statusLine(text = ''): HTMLElement {
  const node = el('div', 'docgen-status', text);
  node.setAttribute('aria-live', 'polite');
  return node;
}

/** Put text on the clipboard; falls back to a hidden text area and execCommand. */
export async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch (err) {
    console.warn(
      'docgen-magic: clipboard API refused, trying execCommand',
      err
    );
  }
  const area = el('textarea');
  area.value = text;
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  area.remove();
  return ok;
}
