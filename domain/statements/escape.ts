/**
 * HTML escaping for statement emails. Every value interpolated into the HTML goes through `html`, which escapes it
 * unless it is already `SafeHtml` (built by `html` itself or `trusted` for fixed markup in the renderer).
 */

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes & < > " ' so the text is safe both as element content and inside a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** Markup that is already escaped. */
export interface SafeHtml {
  readonly safeHtml: string;
}

function isSafe(v: unknown): v is SafeHtml {
  return typeof v === 'object' && v !== null && typeof (v as SafeHtml).safeHtml === 'string';
}

export type HtmlValue = SafeHtml | string | number | null | undefined | false | readonly HtmlValue[];

function render(v: HtmlValue): string {
  if (v === null || v === undefined || v === false) return '';
  if (Array.isArray(v)) return v.map(render).join('');
  if (isSafe(v)) return v.safeHtml;
  return escapeHtml(String(v));
}

/** Tagged template: literal parts are kept, interpolated values are escaped (arrays are concatenated). */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i] as HtmlValue) + strings[i + 1]!;
  return { safeHtml: out };
}

/** Fixed markup written by the renderer (never customer text). */
export function trusted(markup: string): SafeHtml {
  return { safeHtml: markup };
}

/** Text for a `mailto:` href; the caller's `html` escapes the result for the attribute. */
export function mailtoHref(email: string): string {
  return `mailto:${encodeURIComponent(email).replace(/%40/g, '@')}`;
}
