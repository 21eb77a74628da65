/** Types of scripts/build-if-stale.js (plain JavaScript: it runs before there is a build), for the tests. */
export declare const BUILD_INPUTS: readonly string[];
export declare const STAMP_FILE: string;
export declare const ENTRY_FILE: string;
export declare function buildSteps(root: string): string[][];
export declare function listInputFiles(root: string, inputs: readonly string[]): string[];
export declare function inputsFingerprint(root: string, inputs?: readonly string[]): string;
export declare function whyStale(root: string, fingerprint: string): string | undefined;
export interface BuildIfStaleOptions {
  /** The project folder. @default the folder above scripts/ */
  readonly root?: string;
  /** Build even when dist/ is up to date (`npm run build`). */
  readonly force?: boolean;
  /** @default BUILD_INPUTS */
  readonly inputs?: readonly string[];
  /** Node scripts with their arguments, run in order in `root`. @default buildSteps(root) */
  readonly steps?: string[][];
  /** Where the line saying why it builds goes. @default standard error */
  readonly log?: (line: string) => void;
}
export declare function buildIfStale(options?: BuildIfStaleOptions): { built: boolean; reason?: string; exitCode: number };
