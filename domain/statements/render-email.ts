import type { Statement, StatementRecipient, RenderedEmail } from './statement.ts';
import { renderUsageCsv } from './render-csv.ts';
import { renderHtml } from './render-html.ts';
import { buildView, type RenderOptions } from './render-model.ts';
import { renderText } from './render-text.ts';

export type { RenderOptions } from './render-model.ts';

/**
 * The statement email in the recipient's locale: subject, HTML (mail-client safe: tables and inline styles, no
 * script/SVG/external resources, all customer text escaped), plain text with the same content, and the daily usage
 * as a CSV attachment. Pure: the same input gives the same output.
 */
export function renderStatementEmail(statement: Statement, recipient: StatementRecipient, opts: RenderOptions): RenderedEmail {
  const view = buildView(statement, recipient, opts);
  return {
    subject: view.subject,
    html: renderHtml(view),
    text: renderText(view),
    attachments: [{ filename: view.attachmentName, contentType: 'text/csv; charset=utf-8', content: renderUsageCsv(statement, recipient.locale) }],
  };
}
