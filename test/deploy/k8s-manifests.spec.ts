import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import { appModules } from '../../src/app.module.js';
import { appConfigs, ConfigValidationError, loadEnvironment } from '../../src/core/config/index.js';
import { databaseConfig } from '../../src/core/database/index.js';
// Internal on purpose: the test encrypts an operator's own values as `npm run config:encrypt` does.
import { decryptSecret, encryptSecret, parseMasterKey } from '../../src/core/config/secret-cipher.js';
// The app's modules declare the variables, ORDERS_CURSOR_KEY included, as at boot.
const configs = appConfigs(appModules());

// Validates deploy/k8s offline (there is no cluster here) against the Kubernetes API schemas that
// kubernetes-models ships: required fields, types and enums through its validators, and unknown
// fields (a misspelt probe is silently ignored by a cluster) through TypeScript's excess-property
// check against its type declarations. Then checks that the manifests agree with the service.
const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const K8S = join(ROOT, 'deploy/k8s');

interface Manifest {
  file: string;
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
}

const manifests = readdirSync(K8S)
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((file) =>
    parseAllDocuments(readFileSync(join(K8S, file), 'utf8')).map((doc) => {
      assert.deepEqual(doc.errors, [], `${file} parses as YAML`);
      return { file, ...(doc.toJS() as Omit<Manifest, 'file'>) } as Manifest;
    }),
  );

/** kubernetes-models' module for an apiVersion and kind: `apps/v1` + StatefulSet, `v1` + Service. */
function modelPath(m: Manifest): string {
  const [group, version] = m.apiVersion.includes('/') ? m.apiVersion.split('/') : [undefined, m.apiVersion];
  return `kubernetes-models/${group ? `${group}/` : ''}${version}/${m.kind}`;
}

const strip = ({ file: _file, ...rest }: Manifest) => rest;
const find = <T = Manifest>(kind: string, name?: string) =>
  manifests.find((m) => m.kind === kind && (!name || m.metadata.name === name)) as unknown as T;

describe('deploy/k8s against the Kubernetes API schemas', () => {
  it('holds the objects a fleet needs', () => {
    const kinds = manifests.map((m) => m.kind).sort();
    for (const kind of ['ConfigMap', 'Namespace', 'PodDisruptionBudget', 'Secret', 'Service', 'StatefulSet'])
      assert.ok(kinds.includes(kind), kind);
    assert.equal(manifests.filter((m) => m.kind === 'Service').length, 2, 'a Service and a headless Service');
  });

  it('passes the schema validators of every object', async () => {
    for (const m of manifests) {
      const module = (await import(modelPath(m))) as Record<string, new (data: unknown) => { validate(): void }>;
      const Model = module[m.kind];
      assert.ok(Model, `${m.file}: kubernetes-models has ${m.apiVersion} ${m.kind}`);
      assert.doesNotThrow(() => new Model(strip(m)).validate(), `${m.file}: ${m.kind} ${m.metadata.name}`);
    }
  });

  describe('unknown fields', () => {
    let dir: string;
    before(() => {
      mkdirSync(join(ROOT, '.test-dist'), { recursive: true });
      dir = mkdtempSync(join(ROOT, '.test-dist', 'k8s-'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    const check = (docs: Manifest[]): string[] => {
      const files = docs.map((m, i) => {
        const path = join(dir, `m${i}.ts`);
        writeFileSync(
          path,
          `import type { I${m.kind} } from '${modelPath(m)}';\nexport const m: I${m.kind} = ${JSON.stringify(strip(m), null, 2)};\n`,
        );
        return path;
      });
      const program = ts.createProgram(files, {
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        target: ts.ScriptTarget.ES2023,
        types: [],
      });
      return ts.getPreEmitDiagnostics(program).map((d) => {
        const where = d.file ? `${docs[files.indexOf(d.file.fileName)]?.file ?? d.file.fileName}` : '';
        return `${where}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n').split('\n')[0]}`;
      });
    };

    it('has none in any manifest', () => {
      assert.deepEqual(check(manifests), []);
    });

    it('would be caught: a misspelt field fails the check', () => {
      const statefulSet = structuredClone(find('StatefulSet')) as Manifest & {
        spec: { template: { spec: { containers: Array<Record<string, unknown>> } } };
      };
      statefulSet.spec.template.spec.containers[0].readinesProbe = { httpGet: { path: '/health/ready', port: 'http' } };
      const problems = check([statefulSet]);
      assert.equal(problems.length, 1, problems.join('\n'));
      assert.match(problems[0], /readinesProbe/);
    });
  });
});

describe('deploy/k8s agrees with the service', () => {
  type Probe = {
    httpGet: { path: string; port: string };
    timeoutSeconds: number;
    periodSeconds: number;
    failureThreshold: number;
  };
  type Container = {
    ports: Array<{ name: string; containerPort: number }>;
    readinessProbe: Probe;
    livenessProbe: Probe;
    startupProbe: Probe;
    lifecycle: { preStop: { sleep: { seconds: number } } };
    securityContext: { readOnlyRootFilesystem: boolean; allowPrivilegeEscalation: boolean };
    volumeMounts: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
  };
  type StatefulSet = Manifest & {
    spec: {
      serviceName: string;
      persistentVolumeClaimRetentionPolicy: { whenScaled: string };
      selector: { matchLabels: Record<string, string> };
      volumeClaimTemplates: Array<{ metadata: { name: string } }>;
      template: {
        metadata: { labels: Record<string, string>; annotations: Record<string, string> };
        spec: {
          terminationGracePeriodSeconds: number;
          securityContext: { runAsNonRoot: boolean };
          containers: Container[];
          volumes: Array<{ name: string; secret?: { secretName: string } }>;
        };
      };
    };
  };
  const sts = find<StatefulSet>('StatefulSet');
  const pod = sts.spec.template;
  const app = pod.spec.containers[0];
  const config = find<{ data: Record<string, string> }>('ConfigMap').data;
  const secret = find<{ stringData: Record<string, string> }>('Secret', 'trading-service-core').stringData;
  const masterKey = find<{ stringData: { key: string } }>('Secret', 'trading-master-key').stringData.key;
  const mountOf = (path: string) => app.volumeMounts.find((v) => path.startsWith(`${v.mountPath}/`));

  it('gives a valid production configuration once the example secrets are replaced, and refuses to boot before', () => {
    assert.equal(config.NODE_ENV, 'production');
    for (const [name, value] of Object.entries(secret))
      assert.match(value, /^ENC\(v1:[\w-]+\)$/, `${name} is encrypted`);
    const keyMount = mountOf(config.CONFIG_MASTER_KEY_FILE);
    assert.ok(keyMount?.readOnly, 'the master key file is on a read-only mount');
    assert.equal(pod.spec.volumes.find((v) => v.name === keyMount.name)?.secret?.secretName, 'trading-master-key');
    const readFile = (path: string) => (path === config.CONFIG_MASTER_KEY_FILE ? masterKey : '');
    // As committed: every secret decrypts, and each still holds the example's placeholder.
    const refused = (() => {
      try {
        loadEnvironment({ ...config, ...secret }, { readFile, configs });
      } catch (error) {
        return error as ConfigValidationError;
      }
      return undefined;
    })();
    assert.ok(refused instanceof ConfigValidationError, 'production refuses the placeholders');
    assert.deepEqual(new Set(refused.problems.map((p) => p.rule)), new Set(['production']), refused.message);
    assert.deepEqual(refused.variables.sort(), Object.keys(secret).sort());
    // Replaced by an operator's own values, encrypted with the same key: the whole file is valid.
    const key = parseMasterKey(masterKey);
    const own = Object.fromEntries(
      Object.entries(secret).map(([name, value]) => [
        name,
        encryptSecret(decryptSecret(value, key).replaceAll('change-me', 'Xq7vR2mK9pL4sT8w'), key),
      ]),
    );
    const loaded = loadEnvironment({ ...config, ...own }, { readFile, configs });
    assert.equal(loaded.profile.nodeEnv, 'production');
    assert.match(loaded.config(databaseConfig).primaryUrl ?? '', /^postgres:\/\/trading_app:Xq7v/);
  });

  it("probes the right endpoints with timeouts above the service's own bounds", () => {
    assert.equal(app.readinessProbe.httpGet.path, '/health/ready');
    assert.equal(app.livenessProbe.httpGet.path, '/health/live');
    assert.equal(app.startupProbe.httpGet.path, '/health/live');
    assert.ok(
      app.readinessProbe.timeoutSeconds * 1000 > Number(config.HEALTH_CHECK_TIMEOUT_MS),
      'readiness answers within HEALTH_CHECK_TIMEOUT_MS',
    );
    assert.equal(app.ports.find((p) => p.name === 'http')?.containerPort, Number(config.PORT));
    for (const probe of [app.readinessProbe, app.livenessProbe, app.startupProbe])
      assert.equal(probe.httpGet.port, 'management', 'probes stay out of the main port, whatever its load');
    assert.equal(app.ports.find((p) => p.name === 'management')?.containerPort, Number(config.MANAGEMENT_PORT));
    assert.equal(
      pod.metadata.annotations['prometheus.io/port'],
      config.MANAGEMENT_PORT,
      'Prometheus scrapes the management port: /metrics is not on the main one',
    );
  });

  it('stops within the grace period: preStop, then the drain, with room to close', () => {
    const needed =
      app.lifecycle.preStop.sleep.seconds +
      (Number(config.SHUTDOWN_DELAY_MS) + Number(config.SHUTDOWN_DRAIN_MS)) / 1000;
    assert.ok(
      pod.spec.terminationGracePeriodSeconds >= needed + 2,
      `grace ${pod.spec.terminationGracePeriodSeconds} s for ${needed} s of stopping`,
    );
    const takenOut = app.readinessProbe.periodSeconds * app.readinessProbe.failureThreshold;
    assert.ok(app.lifecycle.preStop.sleep.seconds >= 1 && takenOut > 0);
  });

  it('keeps the journal on its own claim, the only writable place, and keeps the claim on scale-in', () => {
    assert.equal(pod.spec.securityContext.runAsNonRoot, true);
    assert.equal(app.securityContext.readOnlyRootFilesystem, true);
    assert.equal(app.securityContext.allowPrivilegeEscalation, false);
    const journal = mountOf(config.DB_SQLITE_PATH);
    assert.ok(journal, 'DB_SQLITE_PATH is on a mounted volume');
    assert.deepEqual(
      sts.spec.volumeClaimTemplates.map((c) => c.metadata.name),
      [journal.name],
      'a PersistentVolumeClaim per pod, not an emptyDir',
    );
    assert.deepEqual(
      app.volumeMounts.filter((v) => !v.readOnly).map((v) => v.name),
      [journal.name],
      'the only writable mount',
    );
    assert.equal(sts.spec.persistentVolumeClaimRetentionPolicy.whenScaled, 'Retain');
  });

  it("drains a removed pod's claim with the service's own CLI, configuration and key", () => {
    type Job = Manifest & {
      spec: {
        template: {
          metadata: { labels: Record<string, string>; annotations: Record<string, string> };
          spec: {
            containers: Array<{ command: string[]; volumeMounts: Array<{ name: string; mountPath: string }> }>;
            volumes: Array<{ name: string; persistentVolumeClaim?: { claimName: string } }>;
          };
        };
      };
    };
    const job = find<Job>('Job');
    const drain = job.spec.template.spec.containers[0];
    const cli = drain.command[1].replace(/^dist\//, 'src/').replace(/\.js$/, '.ts');
    assert.ok(existsSync(join(ROOT, cli)), `${drain.command[1]} is built from ${cli}`);
    const claim = job.spec.template.spec.volumes.find((v) => v.persistentVolumeClaim)?.persistentVolumeClaim?.claimName;
    const template = sts.spec.volumeClaimTemplates[0].metadata.name;
    assert.match(claim ?? '', new RegExp(`^${template}-${sts.metadata.name}-\\d+$`), 'a claim the StatefulSet made');
    const lost = drain.volumeMounts.find((m) => m.name === 'lost');
    assert.equal(drain.command[2], 'journal:drain', 'the CLI entry runs the drain command');
    assert.equal(
      drain.command[3],
      `${lost?.mountPath}/${config.DB_SQLITE_PATH.split('/').pop()}`,
      'the journal file on it',
    );
    const keyDir = config.CONFIG_MASTER_KEY_FILE.slice(0, config.CONFIG_MASTER_KEY_FILE.lastIndexOf('/'));
    assert.ok(
      drain.volumeMounts.some((m) => m.mountPath === keyDir),
      'the master key where the configuration says',
    );
    assert.equal(
      job.spec.template.metadata.labels['app.kubernetes.io/name'],
      undefined,
      'the Services never route to it',
    );
  });

  it('selects the pods from the Services and the PodDisruptionBudget', () => {
    const labels = pod.metadata.labels;
    const matches = (selector: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
    assert.ok(matches(sts.spec.selector.matchLabels));
    for (const service of manifests.filter((m) => m.kind === 'Service') as Array<
      Manifest & { spec: { selector: Record<string, string> } }
    >) {
      assert.ok(matches(service.spec.selector), service.metadata.name);
    }
    assert.ok(find('Service', sts.spec.serviceName), 'serviceName names the headless Service');
    assert.ok(
      matches(
        find<{ spec: { selector: { matchLabels: Record<string, string> } } }>('PodDisruptionBudget').spec.selector
          .matchLabels,
      ),
    );
    for (const m of manifests.filter((x) => x.kind !== 'Namespace'))
      assert.equal(m.metadata.namespace, 'trading', `${m.kind} ${m.metadata.name}`);
  });
});
