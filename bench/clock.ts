// The one clock the benchmark's processes share. process.hrtime reads the system's monotonic clock
// (CLOCK_MONOTONIC on Linux, mach_absolute_time on macOS), which is the same for every process on one
// machine and never jumps with wall-clock corrections. So a push time taken in a target process and
// a receipt time taken in the load process can be subtracted directly. Not valid across machines;
// the benchmark is loopback-only.
//
// performance.now() reads the same clock (libuv's uv_hrtime) relative to this process's start, and
// costs less than hrtime.bigint() (no BigInt per call), so it is used with a constant offset.

const offset = Number(process.hrtime.bigint()) / 1e6 - performance.now();

/** Milliseconds on the machine-wide monotonic clock (sub-microsecond resolution). */
export function nowMs(): number {
  return performance.now() + offset;
}

/** CPU time this process has used (user + system), ms. */
export function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}
