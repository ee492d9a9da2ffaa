/**
 * A tiny DOM builder: every text goes in through textContent and every attribute through setAttribute, so data from
 * the API (customer names, reasons) can never become markup. No innerHTML anywhere in the console.
 */
type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | ((e: Event) => void) | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, '').toLowerCase(), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
  return el;
}

/** Replaces an element's content. */
export function mount(root: Element, ...children: (Child | Child[])[]): void {
  root.replaceChildren();
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) root.append(typeof c === 'object' ? c : document.createTextNode(String(c)));
}
