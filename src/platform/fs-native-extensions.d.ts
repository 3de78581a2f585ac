// The part of fs-native-extensions (no bundled types) the data-dir lock uses.
declare module 'fs-native-extensions' {
  /** An exclusive (or shared) OS lock on the open file; false when another open file holds it. */
  export function tryLock(fd: number, options?: { shared?: boolean }): boolean;
  /** Blocks until the lock is granted (tests serialise their builds with it). */
  export function waitForLockSync(fd: number, options?: { shared?: boolean }): void;
}
