import fs from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { COMPOSE_BEGIN, COMPOSE_END, DEFAULT_DEPLOY, composeStageServices, k8sManifest, kedaManifest } from '../../src/deploy/stageManifests';
import { STAGE_TABLE_BEGIN, STAGE_TABLE_END, stageTable } from '../../src/deploy/stageTable';
import { callsLlm, demoPhaseOf } from '../../src/demo/phases';
import { STAGES, registerStage } from '../../src/stages/registry';
import { loadTopology, parseTopology, resolveTopology } from '../../src/topology/loader';
import { sampleSegment } from '../helpers/sampleRecords';
import { testStageContext } from '../helpers/stageContext';
import { toyStage } from '../helpers/toyStage';

const ROOT = path.join(__dirname, '..', '..');
const TOPOLOGY = path.join(ROOT, 'topologies', 'humpback.yaml');
const read = (file: string): string => fs.readFileSync(path.join(ROOT, file), 'utf8');

/** The objects of a multi-document YAML text as plain data (parse errors fail the test). */
function objects(text: string): Array<{ kind: string; metadata: { name: string }; spec?: Record<string, unknown> }> {
  const docs = parseAllDocuments(text, { merge: true });
  if (!Array.isArray(docs)) throw new Error('no documents');
  expect(docs.flatMap((d) => d.errors.map((e) => e.message))).toEqual([]);
  return docs.map((d) => d.toJS() as { kind: string; metadata: { name: string }; spec?: Record<string, unknown> });
}

describe('deployment files derived from the topology and the stage registry', () => {
  const topology = resolveTopology(loadTopology(TOPOLOGY));

  it('deploy/k8s/humpback.yaml is `humpback deploy manifest` (the topology embedded as it is)', () => {
    expect(read('deploy/k8s/humpback.yaml')).toBe(k8sManifest(topology, read('topologies/humpback.yaml')));
  });

  it('deploy/k8s/keda.yaml is `humpback deploy manifest --kind keda`', () => {
    expect(read('deploy/k8s/keda.yaml')).toBe(kedaManifest(topology));
  });

  it("deploy/docker-compose.yml's stage services are `humpback deploy manifest --kind compose`", () => {
    const compose = read('deploy/docker-compose.yml');
    const region = compose.slice(compose.indexOf(COMPOSE_BEGIN), compose.indexOf(COMPOSE_END) + COMPOSE_END.length + 1);
    expect(region).toBe(composeStageServices(topology, 'topologies/humpback.yaml'));
  });

  it("the README's pipeline table is `humpback topology stages` (run it and paste the output when this fails)", () => {
    const readme = read('README.md');
    const region = readme.slice(readme.indexOf(STAGE_TABLE_BEGIN), readme.indexOf(STAGE_TABLE_END) + STAGE_TABLE_END.length + 1);
    expect(region).toBe(stageTable(topology));
  });
});

describe('a new stage type: one file and one registry line', () => {
  const stages = [...STAGES, registerStage(toyStage)];
  // The default topology plus one stage of the new type (and its output topic).
  const base = parse(read('topologies/humpback.yaml')) as { topics: object[]; stages: object[] };
  const text = stringify({
    ...base,
    topics: [...base.topics, { name: 'segments.toy', schema: 'humpback.Segment' }],
    stages: [...base.stages, { name: 'toy', type: 'toy-filter', input: 'segments', output: 'segments.toy', word: 'song' }],
  });
  const topology = resolveTopology(parseTopology(text, 'toy.yaml', stages), stages);
  const o = { ...DEFAULT_DEPLOY, stages };

  it('is valid in a topology (the registry drives the schema) and runs as a projection', async () => {
    expect(topology.stages.map((s) => s.name)).toContain('toy');
    const { ctx, filtered } = testStageContext('toy');
    const project = await toyStage.create(toyStage.configSchema.parse({ word: 'song' }), ctx);
    expect(await project(sampleSegment({ text: 'a whale song' }))).toHaveLength(1);
    expect(await project(sampleSegment({ text: 'a whale' }))).toEqual([]);
    expect(filtered).toEqual({ 'no-word': 1 });
  });

  it('gets a Deployment sized by its metadata (an LLM stage: long drain; autoscaled: no fixed replicas)', () => {
    const deployment = objects(k8sManifest(topology, text, o)).find((d) => d.kind === 'Deployment' && d.metadata.name === 'humpback-toy');
    expect(deployment).toBeDefined();
    const spec = deployment!.spec as { replicas?: number; template: { spec: { terminationGracePeriodSeconds: number; containers: Array<{ args: string[] }> } } };
    expect(spec.replicas).toBeUndefined();
    expect(spec.template.spec.terminationGracePeriodSeconds).toBe(180);
    expect(spec.template.spec.containers[0].args).toEqual(['run', '--topology', '/etc/humpback/topology.yaml', '--stages', 'toy']);
  });

  it('gets a KEDA ScaledObject on its consumer group, at most its input partitions', () => {
    const scaled = objects(kedaManifest(topology, o)).find((d) => d.metadata.name === 'humpback-toy');
    expect(scaled?.kind).toBe('ScaledObject');
    expect(scaled?.spec).toMatchObject({ maxReplicaCount: 4, triggers: [{ metadata: { consumerGroup: 'humpback.toy', topic: 'segments' } }] });
  });

  it('gets a compose service that waits for the LLM server', () => {
    expect(composeStageServices(topology, 'topologies/humpback.yaml', o)).toContain(
      '  toy:\n    <<: *engine\n    command: ["run", "--topology", "topologies/humpback.yaml", "--stages", "toy"]\n    depends_on: *needs-topics-and-llm\n',
    );
  });

  it("gets a row in the pipeline table, with its topics, record types and description", () => {
    expect(stageTable(topology, stages)).toContain('| `toy` (toy-filter) | `segments` → `segments.toy` | Segment → Segment | Keeps segments that mention a word (a test double). |');
  });

  it('runs in the demo after the cap, with the demo model', () => {
    expect(demoPhaseOf('toy-filter', stages)).toBe('llm');
    expect(callsLlm('toy-filter', stages)).toBe(true);
    expect(demoPhaseOf('segment', stages)).toBe('segment');
  });
});
