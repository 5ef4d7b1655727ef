import type { Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import { groupLag } from '../kafka/offsets';
import { errorMessage } from '../core/errors';
import type { Logger } from '../core/logger';
import { gaugeIn } from './define';
import { METRIC } from './names';

export interface WatchedGroup {
  stage: string;
  groupId: string;
  input: string;
}

export interface GroupProgress {
  lag: number;
  /** When the group's committed offsets last moved (or lag was 0), ms; 0 before the first poll. */
  movedAt: number;
}

/**
 * Polls each stage's consumer-group lag from the admin API into humpback_consumer_lag, and remembers
 * when each group last committed further (a replica with no partitions is healthy while its group
 * moves). A failed poll keeps the last values and logs once per failure streak.
 */
export class LagPoller {
  private readonly progress = new Map<string, GroupProgress & { positions: number }>();
  private timer?: NodeJS.Timeout;
  private failing = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly groups: readonly WatchedGroup[],
    private readonly registry: Registry,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  start(intervalMs = 15_000): this {
    void this.poll();
    this.timer = setInterval(() => void this.poll(), intervalMs);
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  of(stage: string): GroupProgress | undefined {
    return this.progress.get(stage);
  }

  async poll(): Promise<void> {
    const gauge = gaugeIn(this.registry, METRIC.consumerLag);
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      for (const g of this.groups) {
        const parts = await groupLag(admin, g.groupId, g.input);
        for (const p of parts) gauge.set({ stage: g.stage, group: g.groupId, topic: p.topic, partition: String(p.partition) }, p.lag);
        const lag = parts.reduce((n, p) => n + p.lag, 0);
        const positions = parts.reduce((n, p) => n + p.position, 0);
        const before = this.progress.get(g.stage);
        const moved = !before || positions > before.positions || lag === 0;
        this.progress.set(g.stage, { lag, positions, movedAt: moved ? this.now() : before.movedAt });
      }
      this.failing = false;
    } catch (err) {
      if (!this.failing) this.logger.warn('consumer lag poll failed; keeping the last values', { error: errorMessage(err) });
      this.failing = true;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}
