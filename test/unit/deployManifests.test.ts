import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { buildProgram } from '../../src/cli/main';
import { isRfc1123Subdomain, strimziTopicsYaml } from '../../src/deploy/strimziTopics';
import { findStage } from '../../src/stages/registry';
import { loadTopology, parseTopology, resolveTopology, type ResolvedStage } from '../../src/topology/loader';

/**
 * The deployment files in deploy/ cannot be run here (no Docker, no cluster), so they are checked
 * against the topology they deploy: every stage deployed, consumer groups and topics as the engine
 * names them, the generated topics file current.
 */

const ROOT = path.join(__dirname, '..', '..');
const DEPLOY = path.join(ROOT, 'deploy');
const K8S = path.join(DEPLOY, 'k8s');
const resolved = resolveTopology(loadTopology(path.join(ROOT, 'topologies', 'humpback.yaml')));

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function obj(v: unknown, what: string): Obj {
  if (!isObj(v)) throw new Error(`${what} is not a mapping: ${JSON.stringify(v)}`);
  return v;
}
function arr(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw new Error(`${what} is not a list: ${JSON.stringify(v)}`);
  return v;
}
function str(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new Error(`${what} is not a string: ${JSON.stringify(v)}`);
  return v;
}
/** Follows a path of keys and list indexes, failing with the path when something is missing. */
function at(v: unknown, ...keys: (string | number)[]): unknown {
  let cur = v;
  for (const k of keys) {
    cur = typeof k === 'number' ? arr(cur, keys.join('.'))[k] : obj(cur, keys.join('.'))[k];
    if (cur === undefined) throw new Error(`missing ${keys.join('.')}`);
  }
  return cur;
}

/** Every non-empty document of a YAML file as plain data; parse errors and warnings fail the test. */
function loadDocs(file: string): Obj[] {
  const docs = parseAllDocuments(fs.readFileSync(file, 'utf8'), { merge: true });
  if (!Array.isArray(docs)) throw new Error(`${file}: no documents`);
  const problems = docs.flatMap((d) => [...d.errors, ...d.warnings].map((e) => `${file}: ${e.message}`));
  expect(problems).toEqual([]);
  return docs.map((d) => d.toJS({ maxAliasCount: -1 }) as unknown).filter((d) => d !== null).map((d) => obj(d, file));
}

interface K8sDoc {
  file: string;
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  body: Obj;
}

const k8sFiles = fs.readdirSync(K8S).filter((f) => f.endsWith('.yaml')).sort();
const k8sDocs: K8sDoc[] = k8sFiles.flatMap((file) =>
  loadDocs(path.join(K8S, file)).map((body) => {
    const metadata = obj(body.metadata, `${file} metadata`);
    return {
      file,
      apiVersion: str(body.apiVersion, `${file} apiVersion`),
      kind: str(body.kind, `${file} kind`),
      name: str(metadata.name, `${file} metadata.name`),
      namespace: metadata.namespace === undefined ? undefined : str(metadata.namespace, `${file} namespace`),
      body,
    };
  }),
);
const ofKind = (kind: string): K8sDoc[] => k8sDocs.filter((d) => d.kind === kind);
const deployments = ofKind('Deployment');

function container(d: K8sDoc): Obj {
  const containers = arr(at(d.body, 'spec', 'template', 'spec', 'containers'), `${d.name} containers`);
  expect(containers).toHaveLength(1);
  return obj(containers[0], `${d.name} container`);
}
function args(d: K8sDoc): string[] {
  return arr(container(d).args, `${d.name} args`).map((a) => str(a, `${d.name} arg`));
}
function deploymentOf(stage: ResolvedStage): K8sDoc {
  const found = deployments.filter((d) => {
    const a = args(d);
    return a[0] === 'run' && a[a.indexOf('--stages') + 1] === stage.name;
  });
  expect(found.map((d) => d.name)).toHaveLength(1);
  return found[0];
}
/** The environment a container gets: its env entries plus the ConfigMaps it loads with envFrom. */
function environment(d: K8sDoc): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of arr(container(d).envFrom ?? [], 'envFrom')) {
    const cmName = str(at(from, 'configMapRef', 'name'), 'configMapRef.name');
    const cm = k8sDocs.find((x) => x.kind === 'ConfigMap' && x.name === cmName && x.namespace === d.namespace);
    if (!cm) throw new Error(`${d.name}: envFrom ConfigMap ${cmName} is not in the manifests`);
    for (const [k, v] of Object.entries(obj(cm.body.data, 'data'))) env[k] = str(v, k);
  }
  for (const e of arr(container(d).env ?? [], 'env')) {
    const entry = obj(e, 'env entry');
    if (typeof entry.value === 'string') env[str(entry.name, 'env name')] = entry.value;
  }
  return env;
}

describe('deploy/k8s', () => {
  test('every document has apiVersion, kind and an RFC 1123 metadata.name, unique per kind and namespace', () => {
    expect(k8sFiles).toEqual(expect.arrayContaining(['humpback.yaml', 'kafka.yaml', 'keda.yaml', 'topics.yaml']));
    const invalid = k8sDocs.filter((d) => !isRfc1123Subdomain(d.name)).map((d) => `${d.file}: ${d.kind} ${d.name}`);
    expect(invalid).toEqual([]);
    const keys = k8sDocs.map((d) => `${d.kind}/${d.namespace ?? ''}/${d.name}`);
    expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
  });

  test('Strimzi runs Kafka in KRaft mode from a node pool of controllers and brokers', () => {
    const [kafka] = ofKind('Kafka');
    expect(at(kafka.body, 'metadata', 'annotations')).toMatchObject({ 'strimzi.io/kraft': 'enabled', 'strimzi.io/node-pools': 'enabled' });
    const pools = ofKind('KafkaNodePool');
    expect(pools.length).toBeGreaterThan(0);
    for (const pool of pools) expect(at(pool.body, 'metadata', 'labels', 'strimzi.io/cluster')).toBe(kafka.name);
    const roles = new Set(pools.flatMap((p) => arr(at(p.body, 'spec', 'roles'), 'roles')));
    expect(roles).toEqual(new Set(['controller', 'broker']));
    // The address every process and KEDA use is this cluster's bootstrap Service and plain listener.
    const plain = arr(at(kafka.body, 'spec', 'kafka', 'listeners'), 'listeners').map((l) => obj(l, 'listener')).find((l) => l.tls === false);
    expect(`${kafka.name}-kafka-bootstrap.${kafka.namespace}:${String(plain?.port)}`).toBe('humpback-kafka-bootstrap.kafka:9092');
  });

  test('topics.yaml is exactly the output of `humpback topics manifest` with the defaults', async () => {
    const written: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      await buildProgram().parseAsync(['node', 'humpback', 'topics', 'manifest']);
    } finally {
      spy.mockRestore();
    }
    const file = fs.readFileSync(path.join(K8S, 'topics.yaml'), 'utf8');
    expect(written.join('')).toBe(strimziTopicsYaml(resolved));
    expect(file).toBe(written.join('')); // if this fails: node dist/cli/main.js topics manifest > deploy/k8s/topics.yaml
  });

  test("the KafkaTopics name exactly the topology's topics and belong to the cluster", () => {
    const topics = ofKind('KafkaTopic');
    expect(topics.map((t) => str(at(t.body, 'spec', 'topicName'), 'topicName')).sort()).toEqual(resolved.topics.map((t) => t.name).sort());
    const [kafka] = ofKind('Kafka');
    for (const t of topics) {
      expect(t.apiVersion).toBe('kafka.strimzi.io/v1beta2');
      expect(t.namespace).toBe(kafka.namespace); // where the Topic Operator watches by default
      expect(at(t.body, 'metadata', 'labels', 'strimzi.io/cluster')).toBe(kafka.name);
    }
  });

  test('the topology ConfigMap declares the same topics and stages as topologies/humpback.yaml', () => {
    const cm = k8sDocs.find((d) => d.kind === 'ConfigMap' && d.name === 'humpback-topology');
    if (!cm) throw new Error('ConfigMap humpback-topology is missing');
    const copy = resolveTopology(parseTopology(str(at(cm.body, 'data', 'topology.yaml'), 'topology.yaml'), 'configmap'));
    const shape = (t: typeof resolved) => ({
      topics: t.topics.map(({ name, partitions, retentionMs, compacted }) => ({ name, partitions, retentionMs, compacted })),
      stages: t.stages.map(({ name, type, input, output, groupId, sessionTimeoutMs }) => ({ name, type, input, output, groupId, sessionTimeoutMs })),
    });
    expect(shape(copy)).toEqual(shape(resolved));
  });

  test.each(resolved.stages.map((s) => [s.name, s] as const))('stage %s has a Deployment wired like the engine expects', (_name, stage) => {
    const d = deploymentOf(stage);
    const pod = obj(at(d.body, 'spec', 'template', 'spec'), 'pod spec');
    const c = container(d);

    // The topology file the args name is the mounted ConfigMap.
    const topologyPath = args(d)[args(d).indexOf('--topology') + 1];
    expect(args(d)).toEqual(['run', '--topology', topologyPath, '--stages', stage.name]);
    const mount = arr(c.volumeMounts, 'volumeMounts').map((m) => obj(m, 'mount')).find((m) => topologyPath.startsWith(`${String(m.mountPath)}/`));
    const volume = arr(pod.volumes, 'volumes').map((v) => obj(v, 'volume')).find((v) => v.name === mount?.name);
    expect(at(volume, 'configMap', 'name')).toBe('humpback-topology');

    expect(environment(d)).toMatchObject({ KAFKA_BROKERS: 'humpback-kafka-bootstrap.kafka:9092' });
    expect(arr(c.ports, 'ports')).toContainEqual({ name: 'metrics', containerPort: 9464 });
    for (const probe of ['livenessProbe', 'readinessProbe']) expect(at(c, probe, 'httpGet')).toEqual({ path: '/healthz', port: 'metrics' });
    expect(at(d.body, 'spec', 'template', 'metadata', 'annotations')).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9464' });
    expect(at(c, 'resources', 'requests')).toMatchObject({ cpu: expect.anything(), memory: expect.anything() });
    // Long enough to drain: an LLM stage's in-flight call may take its whole session timeout.
    expect(Number(pod.terminationGracePeriodSeconds)).toBeGreaterThan(stage.sessionTimeoutMs / 1000);

    const scaled = ofKind('ScaledObject').some((so) => at(so.body, 'spec', 'scaleTargetRef', 'name') === d.name);
    // KEDA owns the replica count of a scaled Deployment; the others deploy the topology's replicas.
    expect(obj(d.body.spec, 'spec').replicas).toBe(scaled ? undefined : stage.replicas);
  });

  test('the trainer runs from the same image with a persistent volume for its snapshots', () => {
    const trainer = deployments.find((d) => args(d)[0] === 'trainer');
    if (!trainer) throw new Error('no trainer Deployment');
    expect(environment(trainer)).toMatchObject({ KAFKA_BROKERS: 'humpback-kafka-bootstrap.kafka:9092' });
    const claims = arr(at(trainer.body, 'spec', 'template', 'spec', 'volumes'), 'volumes')
      .map((v) => obj(v, 'volume').persistentVolumeClaim)
      .filter(isObj)
      .map((p) => p.claimName);
    expect(claims).toHaveLength(1);
    expect(ofKind('PersistentVolumeClaim').map((p) => p.name)).toContain(claims[0]);
    expect(at(trainer.body, 'spec', 'strategy', 'type')).toBe('Recreate');
  });

  test('KEDA scales each LLM stage by the lag of its own consumer group on its input topic', () => {
    const scaledObjects = ofKind('ScaledObject');
    const llmStages = resolved.stages.filter((s) => findStage(s.type)?.meta.scaling.autoscale);
    expect(llmStages.map((s) => s.name).sort()).toEqual(['backtranslate', 'score']);
    for (const stage of llmStages) {
      const d = deploymentOf(stage);
      const so = scaledObjects.find((x) => at(x.body, 'spec', 'scaleTargetRef', 'name') === d.name);
      if (!so) throw new Error(`no ScaledObject for ${d.name}`);
      expect(so.namespace).toBe(d.namespace);
      const triggers = arr(at(so.body, 'spec', 'triggers'), 'triggers').map((t) => obj(t, 'trigger'));
      expect(triggers.map((t) => t.type)).toEqual(['kafka']);
      expect(triggers[0].metadata).toMatchObject({
        bootstrapServers: environment(d).KAFKA_BROKERS,
        consumerGroup: stage.groupId,
        topic: stage.input,
        lagThreshold: expect.stringMatching(/^[1-9][0-9]*$/),
      });
      const partitions = resolved.topics.find((t) => t.name === stage.input)?.partitions ?? 0;
      const max = Number(at(so.body, 'spec', 'maxReplicaCount'));
      expect(max).toBeGreaterThanOrEqual(1);
      expect(max).toBeLessThanOrEqual(partitions); // more consumers than partitions would sit idle
    }
  });
});

describe('deploy/docker-compose.yml', () => {
  const [compose] = loadDocs(path.join(DEPLOY, 'docker-compose.yml'));
  const services = obj(compose.services, 'services');
  const command = (name: string): string[] => arr(at(services, name, 'command'), `${name} command`).map((a) => str(a, 'command arg'));
  const dependsOn = (svc: Obj): string[] => (Array.isArray(svc.depends_on) ? svc.depends_on.map((d) => str(d, 'depends_on')) : Object.keys(obj(svc.depends_on ?? {}, 'depends_on')));

  test('has the infrastructure services and every depends_on names an existing service', () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining(['kafka', 'llm', 'topics', 'trainer', 'ingest', 'prometheus', 'grafana']));
    for (const [name, svc] of Object.entries(services)) {
      for (const dep of dependsOn(obj(svc, name))) expect({ service: name, dependsOn: dep, exists: dep in services }).toEqual({ service: name, dependsOn: dep, exists: true });
    }
  });

  test('kafka is a single KRaft node that is both broker and controller', () => {
    const kafka = obj(services.kafka, 'kafka');
    expect(kafka.image).toBe('apache/kafka:3.9.1');
    const env = obj(kafka.environment, 'kafka environment');
    expect(env).toMatchObject({ KAFKA_PROCESS_ROLES: 'broker,controller', KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: 1 });
    for (const key of ['KAFKA_NODE_ID', 'KAFKA_LISTENERS', 'KAFKA_ADVERTISED_LISTENERS', 'KAFKA_CONTROLLER_LISTENER_NAMES', 'KAFKA_CONTROLLER_QUORUM_VOTERS', 'KAFKA_LISTENER_SECURITY_PROTOCOL_MAP']) {
      expect(env).toHaveProperty([key]);
    }
    expect(String(env.KAFKA_CONTROLLER_QUORUM_VOTERS)).toBe(`${String(env.KAFKA_NODE_ID)}@kafka:9093`);
    expect(kafka.healthcheck).toBeDefined();
  });

  test.each(resolved.stages.map((s) => [s.name]))('stage %s has a service running it against the compose broker', (stage) => {
    const matching = Object.keys(services).filter((name) => {
      const cmd = isObj(services[name]) && Array.isArray(obj(services[name], name).command) ? command(name) : [];
      return cmd[0] === 'run' && cmd[cmd.indexOf('--stages') + 1] === stage;
    });
    expect(matching).toHaveLength(1);
    const svc = obj(services[matching[0]], stage);
    expect(at(svc, 'build', 'dockerfile')).toBe('deploy/Dockerfile');
    expect(at(svc, 'environment', 'KAFKA_BROKERS')).toBe('kafka:9092');
    expect(dependsOn(svc)).toEqual(expect.arrayContaining(['kafka', 'topics']));
  });

  test('the engine image builds from the repository root with deploy/Dockerfile', () => {
    for (const name of ['topics', 'trainer', 'ingest']) {
      const build = obj(at(services, name, 'build'), `${name} build`);
      expect(fs.existsSync(path.join(DEPLOY, str(build.context, 'context'), str(build.dockerfile, 'dockerfile')))).toBe(true);
    }
    expect(command('topics').slice(0, 2)).toEqual(['topics', 'apply']);
    expect(command('trainer')[0]).toBe('trainer');
    expect(command('ingest')).toEqual(expect.arrayContaining(['ingest', '--watch']));
  });

  test('mounts exactly the files the observability and crawl folders provide', () => {
    const hostPaths = Object.entries(services).flatMap(([name, svc]) =>
      arr(obj(svc, name).volumes ?? [], `${name} volumes`)
        .map((v) => str(v, `${name} volume`))
        .filter((v) => v.startsWith('./'))
        .map((v) => `${name} ${v.split(':').slice(0, 2).join(':')}`),
    );
    expect(hostPaths.sort()).toEqual(
      [
        'grafana ./grafana/humpback.json:/var/lib/grafana/dashboards/humpback.json',
        'grafana ./grafana/provisioning:/etc/grafana/provisioning',
        'ingest ./crawl:/crawl',
        'prometheus ./prometheus/alerts.yml:/etc/prometheus/alerts.yml',
        'prometheus ./prometheus/prometheus.yml:/etc/prometheus/prometheus.yml',
      ].sort(),
    );
    expect(command('ingest')[command('ingest').indexOf('--watch') + 1]).toBe('/crawl');
  });
});

describe('deploy/Dockerfile', () => {
  const text = fs.readFileSync(path.join(DEPLOY, 'Dockerfile'), 'utf8');
  const instructions = text.split('\n').filter((l) => /^[A-Z]+ /.test(l));

  test('builds in one stage and runs dist/ as a non-root user in another', () => {
    expect(instructions.filter((l) => l.startsWith('FROM ')).map((l) => l.split(' ')[1])).toEqual(['node:20-bookworm-slim', 'node:20-bookworm-slim']);
    expect(text).toMatch(/npm install[^\n]*\n[\s\S]*npm run build/);
    expect(text).toMatch(/npm install --omit=dev/);
    expect(instructions).toEqual(expect.arrayContaining(['ENTRYPOINT ["node", "dist/cli/main.js"]', 'EXPOSE 9464']));
    const user = instructions.filter((l) => l.startsWith('USER ')).pop();
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^USER (root|0)(:|$)/);
    for (const p of ['schemas', 'topologies', 'samples/seed.jsonl']) {
      expect(instructions.some((l) => l.startsWith(`COPY ${p} `))).toBe(true);
      expect(fs.existsSync(path.join(ROOT, p))).toBe(true);
    }
  });
});
