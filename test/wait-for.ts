/**
 * Waits until `condition` holds, checking it every few milliseconds: how tests
 * wait on state a broker or client exposes instead of sleeping. Gives up with
 * an error naming `what` after `timeoutMs`, a bound far above any wait that
 * succeeds, there only so a hung wait fails with a name.
 */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
