import type { Output } from './io.js';

const BAR_WIDTH = 24;

/**
 * "label [#####.....] 3/10" on stderr: redrawn in place on a terminal; in a
 * log (not a terminal) one plain line at each tenth, so a cron log stays short.
 */
export class Progress {
  private done = 0;
  private lastTenth = 0;

  constructor(
    private readonly stream: Output,
    private readonly total: number,
    private readonly label: string,
  ) {
    if (stream.isTTY) this.draw();
  }

  /** One more item done. */
  tick(): void {
    this.done = Math.min(this.total, this.done + 1);
    if (this.stream.isTTY) return this.draw();
    const tenth = Math.floor((this.done * 10) / this.total);
    if (tenth > this.lastTenth || this.done === this.total) {
      this.lastTenth = tenth;
      this.stream.write(`${this.label} ${this.done}/${this.total}\n`);
    }
  }

  /** A line above the bar (e.g. one failure), without breaking it. */
  log(line: string): void {
    if (this.stream.isTTY) this.stream.write('\r\x1b[K');
    this.stream.write(`${line}\n`);
    if (this.stream.isTTY) this.draw();
  }

  /** Removes the bar from a terminal. */
  finish(): void {
    if (this.stream.isTTY) this.stream.write('\r\x1b[K');
  }

  private draw(): void {
    const filled = this.total === 0 ? BAR_WIDTH : Math.round((this.done / this.total) * BAR_WIDTH);
    this.stream.write(`\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${this.done}/${this.total}`);
  }
}
