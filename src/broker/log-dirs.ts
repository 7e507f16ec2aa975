import { readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeDirectory } from '../../storage/backend/make-directory.js';
import { ConfigError } from '../../storage/config/config-error.js';

/** A file written and removed at start to learn whether a log dir takes new files. */
const WRITE_CHECK = '.samsa-write-check';

/**
 * Creates each log dir and checks that it can be listed and written, before
 * anything else touches it (Kafka's LogManager creates and validates its
 * data directories first too), so that a dir the broker cannot use stops the
 * start with a ConfigError naming the setting (`key`: log.dirs or log.dir),
 * the dir and why, instead of an errno from whichever file came first.
 */
export function prepareLogDirs(dirs: readonly string[], key: string): void {
  for (const dir of dirs) {
    try {
      makeDirectory(dir);
      readdirSync(dir); // a file instead of a directory, or no read permission
      const probe = join(dir, WRITE_CHECK);
      writeFileSync(probe, '');
      unlinkSync(probe);
    } catch (error) {
      throw new ConfigError(
        key,
        `'${dir}' cannot be used as a log directory: ${(error as Error).message}; ${key} takes directories this broker can create, read and write`,
      );
    }
  }
}
