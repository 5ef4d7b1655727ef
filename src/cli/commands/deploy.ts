import fs from 'node:fs';
import type { Command } from 'commander';
import { ConfigError } from '../../core/errors';
import { DEFAULT_DEPLOY, composeStageServices, k8sManifest, kedaManifest } from '../../deploy/stageManifests';
import { loadTopology, resolveTopology } from '../../topology/loader';
import { action } from '../fail';
import { DEFAULT_TOPOLOGY, findTopologyFile } from '../topologyFile';

const KINDS = ['k8s', 'keda', 'compose'] as const;
type Kind = (typeof KINDS)[number];

export interface DeployManifestOptions {
  topology: string;
  kind: string;
  namespace: string;
  image: string;
  bootstrap: string;
}

/** `humpback deploy manifest`: the deployment files derived from the topology and the stage registry. */
export function registerDeployCommands(program: Command): void {
  program
    .command('deploy')
    .description('Deployment files derived from the topology and the stage registry')
    .command('manifest')
    .description(
      'Print deploy/k8s/humpback.yaml (--kind k8s: a Deployment per stage plus the trainer), deploy/k8s/keda.yaml (--kind keda: ' +
        "a ScaledObject per stage whose type autoscales) or the stage services of deploy/docker-compose.yml (--kind compose)",
    )
    .option('--topology <file>', 'topology file', DEFAULT_TOPOLOGY)
    .option('--kind <kind>', `what to print: ${KINDS.join(', ')}`, 'k8s')
    .option('--namespace <ns>', 'namespace of the engine objects', DEFAULT_DEPLOY.namespace)
    .option('--image <image>', 'the engine image (built from deploy/Dockerfile)', DEFAULT_DEPLOY.image)
    .option('--bootstrap <servers>', 'Kafka bootstrap servers as the cluster reaches them', DEFAULT_DEPLOY.bootstrap)
    .action(action(async (opts: DeployManifestOptions) => void process.stdout.write(deployManifest(opts))));
}

function isKind(kind: string): kind is Kind {
  return (KINDS as readonly string[]).includes(kind);
}

/** The text `humpback deploy manifest` prints; the committed deploy files are this with the defaults. */
export function deployManifest(opts: DeployManifestOptions): string {
  if (!isKind(opts.kind)) throw new ConfigError(`--kind ${opts.kind} is not one of ${KINDS.join(', ')}. Fix: e.g. --kind k8s`);
  const file = findTopologyFile(opts.topology);
  const topology = resolveTopology(loadTopology(file));
  const o = { namespace: opts.namespace, image: opts.image, bootstrap: opts.bootstrap };
  if (opts.kind === 'keda') return kedaManifest(topology, o);
  // Compose runs from the repository's deploy/ folder with the repository in the image: the topology path as given.
  if (opts.kind === 'compose') return composeStageServices(topology, opts.topology);
  return k8sManifest(topology, fs.readFileSync(file, 'utf8'), o);
}
