import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Statement, StatementRecipient } from '../../../../domain/statements/statement.ts';
import type { Localized } from '../../../../domain/tariffs/tariff.ts';

/** A statement fixture: the statement, who receives it, and the utility's name. */
export interface StatementFixture {
  recipient: StatementRecipient;
  utilityName: Localized;
  statement: Statement;
}

export type FixtureName = 'en' | 'zh';

/** A fresh (deep) copy each call, so tests can change it freely. */
export function loadFixture(name: FixtureName): StatementFixture {
  const path = fileURLToPath(new URL(`../../../fixtures/statements/statement-${name}.json`, import.meta.url));
  return JSON.parse(readFileSync(path, 'utf8')) as StatementFixture;
}
