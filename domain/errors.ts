/**
 * A failure no retry can fix (a tariff never uploaded, a malformed job): the work goes to its dead-letter queue at
 * once, with this message as the reason an operator reads. Messages name ids, never personal data.
 */
export class PermanentError extends Error {
  override name = 'PermanentError';
}
