import type { Mailer, OutgoingMail } from '../../../../domain/use-cases/mail-ports.ts';

/**
 * A mailer that keeps what it sent (message ids msg-1, msg-2, ...); `behaviours` answer the next sends instead, in
 * order (throw, hang until released, ...), so a test can stage SES failures.
 */
export function memoryMailer(): { mailer: Mailer; sent: OutgoingMail[]; behaviours: ((m: OutgoingMail) => Promise<string>)[] } {
  const sent: OutgoingMail[] = [];
  const behaviours: ((m: OutgoingMail) => Promise<string>)[] = [];
  return {
    sent,
    behaviours,
    mailer: {
      send: async (m) => {
        const behaviour = behaviours.shift();
        if (behaviour) return behaviour(m);
        sent.push(m);
        return `msg-${sent.length}`;
      },
    },
  };
}
