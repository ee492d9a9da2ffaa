import type { RenderedEmail } from '../statements/statement.ts';

export interface OutgoingMail extends RenderedEmail {
  to: string[];
  cc?: string[];
  /** Tags for delivery events (bounces come back with them): e.g. kind=statement, customer=KA0001. */
  tags?: Record<string, string>;
}

/** Sends one email; resolves with the provider's message id. */
export interface Mailer {
  send(mail: OutgoingMail): Promise<string>;
}

/** Addresses that bounced or complained: no further mail goes to them. */
export interface SuppressionList {
  isSuppressed(address: string): Promise<boolean>;
  suppress(address: string, reason: 'bounce' | 'complaint', at: Date, detail: { customerIds: string[] }): Promise<boolean>;
}
