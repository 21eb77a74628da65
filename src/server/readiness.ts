/** A backend the bot needs in order to serve turns; `/readyz` asks each. */
export interface ReadinessCheck {
  /** Short name shown in /readyz, e.g. "sessionState". */
  readonly name: string;
  /** Which implementation answers, e.g. "redis" or "in-process". */
  readonly backend: string;
  /** Resolves true when the backend answers; never rejects. */
  isReady(): Promise<boolean>;
}
