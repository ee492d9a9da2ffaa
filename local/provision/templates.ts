/** Names the templates by stack, from a synthesized cloud assembly (cdk.out) or as given. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CfnTemplate, NamedTemplate, TemplateInput } from './types.ts';

function isNamed(input: TemplateInput): input is NamedTemplate {
  const candidate = input as Partial<NamedTemplate> & { Resources?: unknown };
  return typeof candidate.stackName === 'string' && typeof candidate.template === 'object' && !candidate.Resources;
}

export function normalizeTemplates(inputs: readonly TemplateInput[]): NamedTemplate[] {
  const stacks = inputs.map((input, i) =>
    isNamed(input) ? input : { stackName: `Stack${i}`, template: input as CfnTemplate },
  );
  const names = new Set<string>();
  for (const { stackName } of stacks) {
    if (names.has(stackName)) throw new Error(`Two templates have the stack name ${stackName}`);
    names.add(stackName);
  }
  return stacks;
}

/** Reads the stacks of a synthesized cloud assembly (cdk.out) with their stack names, in manifest order. */
export function loadTemplatesFromCdkOut(cdkOutDir: string): NamedTemplate[] {
  const manifest = JSON.parse(readFileSync(join(cdkOutDir, 'manifest.json'), 'utf8')) as {
    artifacts?: Record<string, { type: string; properties?: { templateFile?: string; stackName?: string } }>;
  };
  return Object.entries(manifest.artifacts ?? {})
    .filter(([, a]) => a.type === 'aws:cloudformation:stack' && a.properties?.templateFile)
    .map(([id, a]) => ({
      stackName: a.properties?.stackName ?? id,
      template: JSON.parse(readFileSync(join(cdkOutDir, a.properties!.templateFile!), 'utf8')) as CfnTemplate,
    }));
}
