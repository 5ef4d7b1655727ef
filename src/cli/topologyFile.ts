import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../util/paths';

export const DEFAULT_TOPOLOGY = 'topologies/humpback.yaml';

/** The default path works from any working directory: fall back to the one in the project. */
export function findTopologyFile(file: string): string {
  if (file !== DEFAULT_TOPOLOGY || fs.existsSync(file)) return file;
  return path.join(projectRoot(), DEFAULT_TOPOLOGY);
}
