import { readdirSync, readFileSync } from 'node:fs';

// Memory and CPU of a process and its descendants, read from Linux's /proc: a relay with workers (or a
// clustered Socket.IO) is several processes, and what a host pays is their sum. Elsewhere (no /proc)
// the numbers are NaN and the benchmark says n/a.

const PAGE = 4096;
const TICKS_PER_SECOND = 100;

interface Stat {
  pid: number;
  ppid: number;
  /** user + system CPU, ms */
  cpuMs: number;
  rssBytes: number;
}

function readStat(pid: number): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: split after its closing one.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return {
      pid,
      ppid: Number(fields[1]),
      cpuMs: ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND,
      rssBytes: Number(fields[21]) * PAGE,
    };
  } catch {
    return undefined;
  }
}

/** `root` and every process descended from it (empty when /proc cannot be read). */
export function processTree(root: number): Stat[] {
  let all: Stat[];
  try {
    all = readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map((name) => readStat(Number(name)))
      .filter((stat): stat is Stat => stat !== undefined);
  } catch {
    return [];
  }
  const tree: Stat[] = [];
  const wanted = new Set([root]);
  // Parents are not always listed before their children: repeat until nothing new joins.
  for (let grown = true; grown;) {
    grown = false;
    for (const stat of all) {
      if ((wanted.has(stat.pid) || wanted.has(stat.ppid)) && !tree.includes(stat)) {
        tree.push(stat);
        wanted.add(stat.pid);
        grown = true;
      }
    }
  }
  return tree;
}

/** RSS (bytes) and CPU (ms) summed over `root` and its descendants; NaN without /proc. */
export function treeUsage(root: number): { rssBytes: number; cpuMs: number; processes: number } {
  const tree = processTree(root);
  if (tree.length === 0) return { rssBytes: Number.NaN, cpuMs: Number.NaN, processes: 0 };
  return {
    rssBytes: tree.reduce((sum, stat) => sum + stat.rssBytes, 0),
    cpuMs: tree.reduce((sum, stat) => sum + stat.cpuMs, 0),
    processes: tree.length,
  };
}

/** Samples the tree's RSS every `everyMs` until stopped; returns the highest seen. */
export function samplePeakRss(root: number, everyMs = 100): { stop(): number } {
  let peak = treeUsage(root).rssBytes;
  const timer = setInterval(() => (peak = Math.max(peak, treeUsage(root).rssBytes)), everyMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, treeUsage(root).rssBytes);
    },
  };
}
