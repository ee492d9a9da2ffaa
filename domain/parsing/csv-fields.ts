/**
 * Splits one CSV line into fields (RFC 4180 quoting: "a,b" and "" inside quotes). Fast path without quotes.
 * Returns null for an unterminated quote.
 */
export function splitCsvLine(line: string): string[] | null {
  if (line.indexOf('"') === -1) return line.split(',');
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  while (i <= n) {
    if (line.charCodeAt(i) === 34) {
      let value = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q === -1) return null;
        value += line.slice(i, q);
        if (line.charCodeAt(q + 1) === 34) {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      out.push(value);
      if (i < n && line.charCodeAt(i) !== 44) return null;
      i++;
    } else {
      const c = line.indexOf(',', i);
      const end = c === -1 ? n : c;
      out.push(line.slice(i, end));
      i = end + 1;
    }
    if (i === n + 1 && line.charCodeAt(n - 1) !== 44) break;
  }
  return out;
}

/** Normalizes a header cell for alias matching: trimmed, lower case, BOM and surrounding quotes removed. */
export function normalizeHeader(cell: string): string {
  return cell.replace(/^\uFEFF/, '').trim().replace(/^"|"$/g, '').trim().toLowerCase();
}
