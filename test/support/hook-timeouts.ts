/**
 * Mocha's limit for a hook that does heavy set-up or tear-down — opening a ledger (PGlite start-up
 * plus every migration), starting the whole app (NLU training included), hashing agent passwords
 * with scrypt, launching Chromium. Normally a few seconds; on a loaded two-core machine
 * (`scripts/busy-machine.sh`) many more. Generous so load does not fail the suite; a real hang
 * still does. Use it in `before(async function () { this.timeout(HEAVY_HOOK_TIMEOUT_MS); … })`.
 */
export const HEAVY_HOOK_TIMEOUT_MS = 60_000; // 60 s
