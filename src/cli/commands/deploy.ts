import { Option, type Command } from 'commander';
import { DEFAULT_DEPLOY, composeStageServices, k8sManifest, kedaManifest } from '../../deploy/stageManifests';
import { parseTopology, readTopologyFile, resolveTopology } from '../../topology/loader';
import { action } from '../fail';
import { DEFAULT_TOPOLOGY, findTopologyFile } from '../topologyFile';

const KINDS = ['k8s', 'keda', 'compose'] as const;
type Kind = (typeof KINDS)[number];

interface DeployManifestOptions {
  topology: string;
  kind: Kind;
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
    .addOption(new Option('--kind <kind>', 'what to print').choices(KINDS).default('k8s'))
    .option('--namespace <ns>', 'namespace of the engine objects', DEFAULT_DEPLOY.namespace)
    .option('--image <image>', 'the engine image (built from deploy/Dockerfile)', DEFAULT_DEPLOY.image)
    .option('--bootstrap <servers>', 'Kafka bootstrap servers as the cluster reaches them', DEFAULT_DEPLOY.bootstrap)
    .action(action(async (opts: DeployManifestOptions) => void process.stdout.write(deployManifest(opts))));
}

/** The text `humpback deploy manifest` prints; the committed deploy files are this with the defaults. */
function deployManifest(opts: DeployManifestOptions): string {
  const file = findTopologyFile(opts.topology);
  // Read once: the k8s ConfigMap embeds the very text that was validated.
  const text = readTopologyFile(file);
  const topology = resolveTopology(parseTopology(text, file));
  const o = { namespace: opts.namespace, image: opts.image, bootstrap: opts.bootstrap };
  if (opts.kind === 'keda') return kedaManifest(topology, o);
  // Compose runs from the repository's deploy/ folder with the repository in the image: the topology path as given.
  if (opts.kind === 'compose') return composeStageServices(topology, opts.topology);
  return k8sManifest(topology, text, o);
}
