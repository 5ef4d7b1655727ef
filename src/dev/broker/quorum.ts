import fs from 'node:fs';
import path from 'node:path';
import type { BrokerLayout } from './layout';
import { livePid } from './process';

interface ElectionState {
  leaderId: number;
  leaderEpoch: number;
}

/**
 * A node's last election state: Kafka rewrites `quorum-state` (atomically, by rename) at every
 * transition of its KRaft role, so a follower's names the leader it follows, a candidate's none (-1).
 */
function readElectionState(layout: BrokerLayout): ElectionState | undefined {
  try {
    const s = JSON.parse(fs.readFileSync(path.join(layout.dataDir, '__cluster_metadata-0', 'quorum-state'), 'utf8')) as Partial<ElectionState>;
    if (typeof s.leaderEpoch !== 'number') return undefined;
    return { leaderId: typeof s.leaderId === 'number' ? s.leaderId : -1, leaderEpoch: s.leaderEpoch };
  } catch {
    return undefined; // not formatted yet, or never started
  }
}

/**
 * The node id of the quorum's leader (the active controller) as the live nodes last recorded it: the
 * leader of the highest epoch any of them knows. Undefined while an election is under way, or when
 * that leader is not alive (killed, and the others have not elected a new one yet).
 */
export function quorumLeader(nodes: { nodeId: number; layout: BrokerLayout }[]): number | undefined {
  const live = nodes.filter((n) => livePid(n.layout) !== undefined);
  let best: ElectionState | undefined;
  for (const n of live) {
    const s = readElectionState(n.layout);
    // Raft has one leader per epoch: at the same epoch, a node that knows it beats one still voting.
    if (s && (!best || s.leaderEpoch > best.leaderEpoch || (s.leaderEpoch === best.leaderEpoch && best.leaderId < 0))) best = s;
  }
  const leader = best?.leaderId;
  return leader !== undefined && live.some((n) => n.nodeId === leader) ? leader : undefined;
}
