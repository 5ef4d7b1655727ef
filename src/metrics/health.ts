import type { GroupProgress } from './lagPoller';

export interface StageHealthInput {
  stage: string;
  joined: boolean;
  stopped: boolean;
  lastProgressAt: number;
  sessionTimeoutMs: number;
}

export interface StageHealth {
  stage: string;
  healthy: boolean;
  why: string;
}

/**
 * Healthy = in its consumer group and either idle with no lag, or making progress (it, or its
 * group, finished records within max(2 x session timeout, 60 s): an LLM call may take minutes).
 */
export function stageHealth(s: StageHealthInput, group: GroupProgress | undefined, now: number): StageHealth {
  const stallMs = Math.max(2 * s.sessionTimeoutMs, 60_000);
  if (s.stopped) return { stage: s.stage, healthy: false, why: 'stopped' };
  if (!s.joined) return { stage: s.stage, healthy: false, why: 'not in its consumer group (connecting, or the consumer crashed)' };
  if (!group) return { stage: s.stage, healthy: true, why: 'joined; lag not measured yet' };
  if (group.lag === 0) return { stage: s.stage, healthy: true, why: 'idle, no lag' };
  const last = Math.max(s.lastProgressAt, group.movedAt);
  if (now - last <= stallMs) return { stage: s.stage, healthy: true, why: `lag ${group.lag}, progressing` };
  return { stage: s.stage, healthy: false, why: `lag ${group.lag} and no progress for ${Math.round((now - last) / 1000)} s` };
}
