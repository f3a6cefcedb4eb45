import { execFileSync } from 'node:child_process';
import os from 'node:os';

// The header of every benchmark: what the numbers were measured on. The load average says how quiet the
// machine was; a run on a busy machine is not comparable with one on a quiet machine.

/** The machine a run was measured on. */
export interface MachineInfo {
  node: string;
  cpu: string;
  cores: number;
  loadAverage: number[];
  memoryGiB: number;
  platform: string;
  /** Soft limit on open files of this shell (the idle scenario needs connections + margin). */
  openFilesLimit: number;
}

/** Describes this machine. */
export function describeMachine(): MachineInfo {
  return {
    node: process.version,
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    loadAverage: os.loadavg().map((value) => Math.round(value * 100) / 100),
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    openFilesLimit: openFilesLimit(),
  };
}

/** Node cannot raise RLIMIT_NOFILE itself, so read what children will inherit; Infinity if unknown. */
function openFilesLimit(): number {
  try {
    const text = execFileSync('/bin/sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
    return text === 'unlimited' ? Number.POSITIVE_INFINITY : Number(text) || Number.POSITIVE_INFINITY;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** The header lines. */
export function formatMachine(machine: MachineInfo): string[] {
  return [
    `node ${machine.node} · ${machine.cpu} · ${machine.cores} cores · ${machine.memoryGiB} GiB · ${machine.platform}`,
    `load average ${machine.loadAverage.join(' ')} · open files limit ${machine.openFilesLimit}`,
  ];
}
