import type { StageMeta } from '../stages/stage';
import type { RegisteredStage } from '../stages/registry';
import { DEFAULT_STRIMZI_OPTIONS } from './strimziTopics';
import { stageTypeOf } from '../topology/builder';
import { writesTo, type ResolvedStage, type ResolvedTopology } from '../topology/loader';

/**
 * The deployment files derived from a topology and the stage registry (`humpback deploy manifest`):
 * deploy/k8s/humpback.yaml (a Deployment per stage plus the trainer), deploy/k8s/keda.yaml (a
 * ScaledObject per stage whose metadata says `autoscale`) and the stage services of
 * deploy/docker-compose.yml. A new stage type needs nothing here: its metadata (src/stages/stage.ts,
 * StageMeta) says what it needs. Tests check that the committed files are this output.
 */
export interface DeployOptions {
  namespace: string;
  image: string;
  /** The Kafka bootstrap servers KEDA and the engine reach (Strimzi's bootstrap Service). */
  bootstrap: string;
  /** The stage types to read metadata from (default: the engine's registry). */
  stages?: readonly RegisteredStage[];
}

// Strimzi names the bootstrap Service `<cluster>-kafka-bootstrap` in the cluster's namespace.
const { cluster, namespace: kafkaNamespace } = DEFAULT_STRIMZI_OPTIONS;
export const DEFAULT_DEPLOY: DeployOptions = { namespace: 'humpback', image: 'humpback-stream:0.1.0', bootstrap: `${cluster}-kafka-bootstrap.${kafkaNamespace}:9092` };

const METRICS_PORT = 9464;

function partitionsOf(topology: ResolvedTopology, topic: string): number {
  const found = topology.topics.find((t) => t.name === topic);
  if (!found) throw new Error(`topic ${topic} is not declared`);
  return found.partitions;
}

/** `text` as comment lines of at most ~100 columns. */
function comment(text: string, indent = ''): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line !== '' && indent.length + 2 + line.length + 1 + word.length > 100) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines.map((l) => `${indent}# ${l}\n`).join('');
}

function requestsOf(meta: StageMeta): { cpu: string; memoryMi: number } {
  return meta.scaling.requests ?? { cpu: meta.scaling.bound === 'cpu' ? '1' : '250m', memoryMi: 512 };
}

function memory(mi: number): string {
  return mi % 1024 === 0 ? `${mi / 1024}Gi` : `${mi}Mi`;
}

interface DeploymentSpec {
  component: string;
  about: string;
  /** The spec's lines before `selector:` (replicas, strategy), indented by two. */
  head: string;
  grace: number;
  graceWhy: string;
  fsGroupWhy?: string;
  args: string[];
  requests: { cpu: string; memoryMi: number };
  extraMounts?: string;
  extraVolumes?: string;
}

/** The two labels every engine object carries, at `indent` spaces. */
function labels(component: string, indent: number): string {
  const pad = ' '.repeat(indent);
  return `${pad}app.kubernetes.io/name: humpback\n${pad}app.kubernetes.io/component: ${component}\n`;
}

/** A CPU quantity as YAML: whole cores quoted (a bare 1 would be a number). */
function cpuQuantity(cpu: string): string {
  return /^\d+$/.test(cpu) ? JSON.stringify(cpu) : cpu;
}

function deployment(d: DeploymentSpec, o: DeployOptions): string {
  return `${comment(d.about)}apiVersion: apps/v1
kind: Deployment
metadata:
  name: humpback-${d.component}
  namespace: ${o.namespace}
  labels:
${labels(d.component, 4)}spec:
${d.head}  selector:
    matchLabels:
${labels(d.component, 6)}  template:
    metadata:
      labels:
${labels(d.component, 8)}      annotations:
        prometheus.io/scrape: "true"
        prometheus.io/port: "${METRICS_PORT}"
        prometheus.io/path: /metrics
    spec:
      terminationGracePeriodSeconds: ${d.grace} # ${d.graceWhy}
      securityContext:
        runAsNonRoot: true
        runAsUser: 1000 # the image's \`node\` user
        runAsGroup: 1000
        fsGroup: 1000${d.fsGroupWhy ? ` # ${d.fsGroupWhy}` : ''}
      containers:
        - name: ${d.component}
          image: ${o.image} # built from deploy/Dockerfile; use your registry's name for it
          imagePullPolicy: IfNotPresent
          args: [${d.args.map((a) => JSON.stringify(a)).join(', ')}]
          envFrom:
            - configMapRef:
                name: humpback-env
          env:
            - name: HUMPBACK_LLM_API_KEY
              valueFrom:
                secretKeyRef: { name: humpback-llm, key: HUMPBACK_LLM_API_KEY, optional: true }
          ports:
            - name: metrics
              containerPort: ${METRICS_PORT}
          startupProbe: # connecting to Kafka and loading seen keys can take a while after a restart
            httpGet: { path: /healthz, port: metrics }
            periodSeconds: 10
            failureThreshold: 30
          livenessProbe:
            httpGet: { path: /healthz, port: metrics }
            periodSeconds: 20
            timeoutSeconds: 5
            failureThreshold: 3
          readinessProbe:
            httpGet: { path: /healthz, port: metrics }
            periodSeconds: 10
            timeoutSeconds: 5
            failureThreshold: 2
          resources:
            requests: { cpu: ${cpuQuantity(d.requests.cpu)}, memory: ${memory(d.requests.memoryMi)} }
            limits: { memory: ${memory(2 * d.requests.memoryMi)} }
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: { drop: [ALL] }
          volumeMounts:
            - name: topology
              mountPath: /etc/humpback
              readOnly: true
            - name: home # HUMPBACK_HOME: caches the engine may write
              mountPath: /var/lib/humpback
            - name: tmp
              mountPath: /tmp
${d.extraMounts ?? ''}      volumes:
        - name: topology
          configMap:
            name: humpback-topology
        - name: home
          emptyDir: {}
        - name: tmp
          emptyDir: {}
${d.extraVolumes ?? ''}`;
}

/** What a stage's replicas spend their time on, and how they scale, in one sentence. */
function scalingNote(meta: StageMeta): string {
  if (meta.scaling.bound === 'cpu') return 'CPU-bound on one thread: scale with replicas (one core each), not concurrency.';
  const waitsOn = meta.callsLlm ? 'Waits on the model, so it needs little CPU' : 'Little CPU per record';
  return meta.scaling.autoscale ? `${waitsOn}; KEDA scales it by lag (keda.yaml).` : `${waitsOn}.`;
}

function stageDeployment(stage: ResolvedStage, topology: ResolvedTopology, o: DeployOptions): string {
  const { meta, description } = stageTypeOf(stage, o.stages);
  const outputs = writesTo(stage).join(', ');
  const partitions = partitionsOf(topology, stage.input);
  const head = meta.scaling.autoscale
    ? "  # No replicas: keda.yaml's ScaledObject owns the count (a fixed one here would fight it on every apply).\n"
    : `  replicas: ${stage.replicas} # the stage's \`replicas\` in the topology; at most its input's ${partitions} partitions do work\n`;
  return deployment(
    {
      component: stage.name,
      about: `Stage ${stage.name} (type ${stage.type}, consumer group ${stage.groupId}): ${stage.input} -> ${outputs}${meta.callsLlm ? ', via the LLM server' : ''}. ${description} ${scalingNote(meta)}`,
      head,
      grace: meta.callsLlm ? 180 : 60,
      graceWhy: meta.callsLlm ? 'an in-flight LLM call may take up to llm.timeoutMs (120 s) to finish and commit' : 'in-flight records are milliseconds of work; then commit and leave the group',
      args: ['run', '--topology', '/etc/humpback/topology.yaml', '--stages', stage.name],
      requests: requestsOf(meta),
    },
    o,
  );
}

function trainerDeployment(topology: ResolvedTopology, o: DeployOptions): string {
  return deployment(
    {
      component: 'trainer',
      about: `The trainer (consumer group ${topology.name}.trainer): curated topics -> snapshot folders on the humpback-snapshots volume, by the topology's trainer.every policy.`,
      head: '  replicas: 1 # one writer of the snapshot folder\n  strategy:\n    type: Recreate # the old trainer releases the volume (and its partitions) before the new one starts\n',
      grace: 120,
      graceWhy: 'a snapshot being written is finished (fsync, rename) before offsets are committed',
      fsGroupWhy: 'lets that user write the snapshot volume',
      args: ['trainer', '--topology', '/etc/humpback/topology.yaml'],
      requests: { cpu: '250m', memoryMi: 512 },
      extraMounts: '            - name: snapshots\n              mountPath: /app/snapshots\n',
      extraVolumes: '        - name: snapshots\n          persistentVolumeClaim:\n            claimName: humpback-snapshots\n',
    },
    o,
  );
}

/** deploy/k8s/humpback.yaml: the engine on Kubernetes, the topology file embedded in a ConfigMap. */
export function k8sManifest(topology: ResolvedTopology, topologyText: string, o: DeployOptions = DEFAULT_DEPLOY): string {
  const embedded = topologyText
    .replace(/\n+$/, '')
    .split('\n')
    .map((l) => (l === '' ? '' : `    ${l}`))
    .join('\n');
  const docs = [
    `# The humpback engine on Kubernetes: one Deployment per stage of the topology plus the trainer, in
# namespace \`${o.namespace}\`, against the Strimzi cluster of kafka.yaml (topics: topics.yaml).
# Generated by \`humpback deploy manifest\` from the topology and the stage registry: regenerate it
# after changing either (a test checks it is current).
#
#   docker build -f deploy/Dockerfile -t ${o.image} .   # then push it where the cluster pulls from
#   kubectl apply -f deploy/k8s/humpback.yaml
#   kubectl apply -f deploy/k8s/keda.yaml                          # optional: KEDA scales the LLM stages by lag
#
# Every pod serves Prometheus metrics at :${METRICS_PORT}/metrics (annotated for scraping) and health at
# :${METRICS_PORT}/healthz (200 healthy, 503 not), which the probes use. SIGTERM drains in-flight records and
# commits, so terminationGracePeriodSeconds is sized to each stage's slowest record.
# The LLM stages talk to an OpenAI-compatible server (vLLM, llama.cpp server, TGI) named in the
# humpback-env ConfigMap; it is not part of these manifests.
apiVersion: v1
kind: Namespace
metadata:
  name: ${o.namespace}
`,
    `# The topology every process loads (--topology /etc/humpback/topology.yaml): the topology file,
# embedded as it is. Topics are created by the Topic Operator from topics.yaml; the processes only
# create ones still missing.
apiVersion: v1
kind: ConfigMap
metadata:
  name: humpback-topology
  namespace: ${o.namespace}
data:
  topology.yaml: |
${embedded}
`,
    `# Settings every engine container shares (envFrom).
apiVersion: v1
kind: ConfigMap
metadata:
  name: humpback-env
  namespace: ${o.namespace}
data:
  KAFKA_BROKERS: ${o.bootstrap} # Strimzi's bootstrap Service; set, so no local broker starts
  HUMPBACK_LLM_BASE_URL: http://llm.${o.namespace}.svc:8000/v1 # your vLLM / llama.cpp server; comma-separate several
  HUMPBACK_LLM_MODEL: humpback-llm # the name the server serves the model under (GET <base url>/models)
  HUMPBACK_LOG_LEVEL: info
  HUMPBACK_METRICS_PORT: "${METRICS_PORT}" # explicit: a busy port is then an error, never a silent move away from the probes
`,
    `# The LLM server's API key, if it wants one (vLLM --api-key). Fill it in without committing it:
#   kubectl -n ${o.namespace} create secret generic humpback-llm --from-literal=HUMPBACK_LLM_API_KEY=... --dry-run=client -o yaml | kubectl apply -f -
# Empty = no key is sent. The engine never logs it.
apiVersion: v1
kind: Secret
metadata:
  name: humpback-llm
  namespace: ${o.namespace}
type: Opaque
stringData:
  HUMPBACK_LLM_API_KEY: ""
`,
    ...topology.stages.map((s) => stageDeployment(s, topology, o)),
    trainerDeployment(topology, o),
    `# The trainer's snapshot folders (/app/snapshots = the topology's trainer.outDir, relative to /app).
# ReadWriteOnce: one trainer writes them; a finetuning job mounts the claim after it, or reads a copy.
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: humpback-snapshots
  namespace: ${o.namespace}
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: 20Gi
`,
  ];
  return docs.join('---\n');
}

/** deploy/k8s/keda.yaml: a ScaledObject per stage whose metadata asks for autoscaling, by consumer lag. */
export function kedaManifest(topology: ResolvedTopology, o: DeployOptions = DEFAULT_DEPLOY): string {
  const scaled = topology.stages.filter((s) => stageTypeOf(s, o.stages).meta.scaling.autoscale);
  const header = `# KEDA (https://keda.sh) scales the stages whose metadata says \`autoscale\` (${scaled.map((s) => s.name).join(', ')}) by
# their consumer-group lag: a backlog adds replicas, which add concurrent requests to the LLM server.
# Needs KEDA 2.x in the cluster; apply after humpback.yaml. The other stages keep fixed replicas.
# Generated by \`humpback deploy manifest --kind keda\` (a test checks it is current).
#
# maxReplicaCount is the input topic's partition count: Kafka gives each partition to one consumer
# of a group, so one more replica would sit idle. Raise both together. Scaling only pays while the
# LLM server has spare capacity: size replicas x concurrency to the server's parallel slots.
`;
  const objects = scaled.map(
    (s) => `apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: humpback-${s.name}
  namespace: ${o.namespace}
spec:
  scaleTargetRef:
    name: humpback-${s.name} # the Deployment in humpback.yaml
  minReplicaCount: 1 # stay in the group: offsets keep being committed and lag stays measured
  maxReplicaCount: ${partitionsOf(topology, s.input)} # partitions of \`${s.input}\`
  pollingInterval: 30
  cooldownPeriod: 300
  advanced:
    horizontalPodAutoscalerConfig:
      behavior:
        scaleDown:
          # Every scale-down is a rebalance and a drain of in-flight LLM calls: go slowly.
          stabilizationWindowSeconds: 600
          policies:
            - type: Pods
              value: 1
              periodSeconds: 300
  triggers:
    - type: kafka
      metadata:
        bootstrapServers: ${o.bootstrap}
        consumerGroup: ${s.groupId} # <topology name>.<stage name>
        topic: ${s.input} # the stage's input
        # Target lag per replica: about one maxInFlight window of work queued behind each one.
        lagThreshold: "${s.maxInFlight}"
        offsetResetPolicy: earliest # the stages start a new group at the beginning of the topic
        allowIdleConsumers: "false" # never more replicas than partitions
`,
  );
  return header + objects.join('---\n');
}

export const COMPOSE_BEGIN = '  # BEGIN stage services: generated by `humpback deploy manifest --kind compose`; edit the topology, not this';
export const COMPOSE_END = '  # END stage services';

/** The stage services of deploy/docker-compose.yml, between COMPOSE_BEGIN and COMPOSE_END (anchors defined above them). */
export function composeStageServices(topology: ResolvedTopology, topologyFile: string, o: Pick<DeployOptions, 'stages'> = {}): string {
  const services = topology.stages.map((s) => {
    const { meta } = stageTypeOf(s, o.stages);
    return `  ${s.name}:
    <<: *engine
    command: ["run", "--topology", ${JSON.stringify(topologyFile)}, "--stages", ${JSON.stringify(s.name)}]
    depends_on: *${meta.callsLlm ? 'needs-topics-and-llm' : 'needs-topics'}
`;
  });
  return `${COMPOSE_BEGIN}\n  # One service per stage; each is consumer group ${topology.name}.<stage>.\n${services.join('\n')}${COMPOSE_END}\n`;
}
