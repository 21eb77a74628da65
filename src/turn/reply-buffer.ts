import { Activity, ResourceResponse, TurnContext } from 'botbuilder';

type Release = () => Promise<ResourceResponse[]>;

/**
 * Holds back what the bot sends during a turn attempt, so that replies go out only for the
 * attempt whose state committed. A discarded attempt's replies are dropped. Once `passThrough`
 * is set (error replies), sends go straight out.
 */
export class ReplyBuffer {
  private pending: Release[] = [];
  private passThrough = false;
  private sequence = 0;

  constructor(context: TurnContext) {
    context.onSendActivities(async (_ctx, activities: Partial<Activity>[], next) => {
      if (this.passThrough) return next();
      this.pending.push(next);
      // The real ids are only known once sent; callers of sendActivity rarely use them.
      return activities.map(() => ({ id: `pending-${++this.sequence}` }));
    });
  }

  /** Sends everything held, in order. */
  async flush(): Promise<void> {
    const pending = this.pending;
    this.pending = [];
    for (const release of pending) await release();
  }

  /** Drops everything held (the attempt lost a race or failed). */
  discard(): void {
    this.pending = [];
  }

  /** From now on, sends are not held (used for apologies after a failed attempt). */
  disable(): void {
    this.discard();
    this.passThrough = true;
  }
}
