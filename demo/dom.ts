/** Element lookup, form values, and the page's two message lines: the status and the error alert. */

export const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`#${id} is missing from index.html`);
  return el as T;
};

export const value = (id: string): string => $<HTMLInputElement | HTMLSelectElement>(id).value;
export const number = (id: string): number => Number(value(id));

/** Plain progress ("Training…", "Done."): a polite live region, so it never interrupts. */
export function status(text: string): void {
  $('status').textContent = text;
}

/**
 * A failure, in its own role="alert" box, so that it is announced at once and does not read as
 * progress. It stays until the next action clears it.
 */
export function showError(text: string): void {
  const box = $('error');
  box.textContent = text;
  box.hidden = false;
}

export function clearError(): void {
  const box = $('error');
  box.textContent = '';
  box.hidden = true;
}

export const fmt = (n: number): string => n.toLocaleString('en');
