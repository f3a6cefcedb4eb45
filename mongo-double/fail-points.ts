// Fail points, configured with `configureFailPoint` as on a mongod started with enableTestCommands:
// mode alwaysOn / {times: n} / {skip: n} / off.
// - failCommand: data failCommands, namespace, appName, errorCode, errorLabels, closeConnection,
//   blockConnection/blockTimeMS, writeConcernError. It acts before the command runs.
// - failGetMoreAfterCursorCheckout: data errorCode (InternalError if absent), namespace, appName. It
//   fails a getMore once the cursor is checked out, so mongod labels the error by its own rules.
import type { Document } from 'bson';
import { CommandError, codeNameOf } from './errors.js';

/** What failCommand does to one command. */
export interface FailAction {
  closeConnection: boolean;
  blockMs: number;
  error?: Document;
  /** The fail point's errorLabels, which replace the labels mongod would compute. */
  labels?: string[];
  writeConcernError?: Document;
}

interface Active {
  remaining: number; // Infinity for alwaysOn
  skip: number;
  data: Document;
  timesEntered: number;
}

const NAMES = ['failCommand', 'failGetMoreAfterCursorCheckout'] as const;
type FailPointName = (typeof NAMES)[number];
const INTERNAL_ERROR = 1;

/** The double's fail points. */
export class FailPoints {
  private readonly active = new Map<FailPointName, Active>();
  private readonly timesEntered = new Map<FailPointName, number>();

  /** Applies a configureFailPoint command; returns its reply. */
  configure(command: Document): Document {
    const name = command.configureFailPoint as FailPointName;
    if (!NAMES.includes(name)) {
      throw new CommandError(
        'CommandNotSupported',
        `the MongoDB test double does not implement the fail point ${String(command.configureFailPoint)} (it has ${NAMES.join(' and ')})`,
      );
    }
    const previous = this.active.get(name)?.timesEntered ?? this.timesEntered.get(name) ?? 0;
    const mode: unknown = command.mode;
    const data = (command.data ?? {}) as Document;
    let next: Active | null;
    if (mode === 'off') next = null;
    else if (mode === 'alwaysOn') next = { remaining: Infinity, skip: 0, data, timesEntered: 0 };
    else if (isDoc(mode) && typeof mode.times === 'number')
      next = mode.times > 0 ? { remaining: mode.times, skip: 0, data, timesEntered: 0 } : null;
    else if (isDoc(mode) && typeof mode.skip === 'number') next = { remaining: Infinity, skip: mode.skip, data, timesEntered: 0 };
    else throw new CommandError('BadValue', 'mode must be "off", "alwaysOn", {times: n} or {skip: n}');
    if (next && name === 'failCommand' && !Array.isArray(data.failCommands))
      throw new CommandError('BadValue', 'data.failCommands must be an array of command names');
    if (next) this.active.set(name, next);
    else this.active.delete(name);
    this.timesEntered.set(name, 0);
    return { count: previous, ok: 1 };
  }

  /** failCommand's action for this command, consuming one activation. */
  check(commandName: string, ns: string, appName: string | undefined): FailAction | null {
    if (commandName === 'configureFailPoint') return null;
    const data = this.enter('failCommand', commandName, ns, appName);
    if (!data) return null;
    const action: FailAction = {
      closeConnection: data.closeConnection === true,
      blockMs: data.blockConnection === true && typeof data.blockTimeMS === 'number' ? data.blockTimeMS : 0,
    };
    if (typeof data.errorCode === 'number') {
      action.error = {
        ok: 0,
        errmsg: "Failing command via 'failCommand' failpoint",
        code: data.errorCode,
        codeName: codeNameOf(data.errorCode),
      };
    }
    if (Array.isArray(data.errorLabels)) action.labels = data.errorLabels.filter((label): label is string => typeof label === 'string');
    if (isDoc(data.writeConcernError)) action.writeConcernError = data.writeConcernError;
    return action;
  }

  /** Throws failGetMoreAfterCursorCheckout's error for a getMore on the cursor of `ns`, if it is on. */
  checkGetMoreAfterCheckout(ns: string, appName: string | undefined): void {
    const data = this.enter('failGetMoreAfterCursorCheckout', 'getMore', ns, appName);
    if (!data) return;
    const code = typeof data.errorCode === 'number' ? data.errorCode : INTERNAL_ERROR;
    throw new CommandError(code, "Hit the 'failGetMoreAfterCursorCheckout' failpoint");
  }

  /** The fail point's data if it applies to this command (consuming one activation), else null. */
  private enter(name: FailPointName, commandName: string, ns: string, appName: string | undefined): Document | null {
    const active = this.active.get(name);
    if (!active) return null;
    const { data } = active;
    if (name === 'failCommand' && !(data.failCommands as unknown[]).includes(commandName)) return null;
    if (typeof data.appName === 'string' && data.appName !== appName) return null;
    if (typeof data.namespace === 'string' && data.namespace !== ns) return null;
    if (active.skip > 0) {
      active.skip -= 1;
      return null;
    }
    active.remaining -= 1;
    active.timesEntered += 1;
    if (active.remaining <= 0) {
      this.active.delete(name);
      this.timesEntered.set(name, active.timesEntered);
    }
    return data;
  }
}

function isDoc(value: unknown): value is Document {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
