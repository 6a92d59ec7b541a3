import { envVarMeta } from './env.metadata.js';
import { configVariables } from './env.loader.js';
import type { AnyModuleConfig } from './feature-config.js';

/** `.env.example` for the given module configs: every variable, grouped as declared, commented. */
export function renderEnvExample(configs: readonly AnyModuleConfig[]): string {
  const lines = [
    '# Every variable the service reads, grouped. Empty = the embedded default.',
    '# Any value may be ENC(...): see docs/configuration.md, "Encrypted secrets".',
  ];
  let group = '';
  for (const name of configVariables(configs)) {
    const meta = envVarMeta(name);
    if (!meta) continue;
    if (meta.group !== group) {
      group = meta.group;
      lines.push('', `# ---- ${group}`);
    }
    const secret = meta.secret === 'none' ? '' : ' (secret)';
    lines.push(`# ${meta.description}${secret}`);
    if (meta.hint) lines.push(`#   e.g. ${name}=${meta.hint}`);
    lines.push(`${name}=${meta.example ?? ''}`);
  }
  return `${lines.join('\n')}\n`;
}
