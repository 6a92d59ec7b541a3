import '../env.schema.js';
// Feature modules declare their variables where they are defined: load every module of the app.
import '../../../app.module.js';
import { envVarMeta, envVarNames } from '../env.metadata.js';

// Prints .env.example from the schema: `npm run --silent config:example > .env.example`.
// A unit test fails when the committed file and the schema disagree.
const lines = [
  '# Every variable the service reads, grouped. Empty = the embedded default.',
  '# Any value may be ENC(...): see docs/configuration.md, "Encrypted secrets".',
];
let group = '';
for (const name of envVarNames()) {
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
process.stdout.write(`${lines.join('\n')}\n`);
