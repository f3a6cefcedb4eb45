// The `failCommand` fail point, configured with `configureFailPoint` exactly as on a mongod started
// with enableTestCommands: mode alwaysOn / {times: n} / {skip: n} / off, and data failCommands,
// errorCode, errorLabels, closeConnection, blockConnection/blockTimeMS, writeConcernError, appName.
import type { Document } from 'bson';
import { CommandError, codeNameOf } from './errors.js';

/** What the fail point does to one command. */
export interface FailAction {
  closeConnection: boolean;
  blockMs: number;
  error?: Document;
  writeConcernError?: Document;
}

interface Active {
  remaining: number; // Infinity for alwaysOn
  skip: number;
  data: Document;
}

/** The double's fail points (only failCommand exists). */
export class FailPoints {
  private failCommand: Active | null = null;
  private timesEntered = 0;

  /** Applies a configureFailPoint command; returns its reply. */
  configure(command: Document): Document {
    if (command.configureFailPoint !== 'failCommand') {
      throw new CommandError('BadValue', `unknown fail point: ${String(command.configureFailPoint)} (the double supports failCommand)`);
    }
    const previous = this.timesEntered;
    const mode: unknown = command.mode;
    const data = (command.data ?? {}) as Document;
    if (mode === 'off') this.failCommand = null;
    else if (mode === 'alwaysOn') this.failCommand = { remaining: Infinity, skip: 0, data };
    else if (isDoc(mode) && typeof mode.times === 'number') this.failCommand = mode.times > 0 ? { remaining: mode.times, skip: 0, data } : null;
    else if (isDoc(mode) && typeof mode.skip === 'number') this.failCommand = { remaining: Infinity, skip: mode.skip, data };
    else throw new CommandError('BadValue', 'mode must be "off", "alwaysOn", {times: n} or {skip: n}');
    if (this.failCommand && !Array.isArray(data.failCommands)) {
      this.failCommand = null;
      throw new CommandError('BadValue', 'data.failCommands must be an array of command names');
    }
    this.timesEntered = 0;
    return { count: previous, ok: 1 };
  }

  /** The action for this command on a connection with this appName, consuming one activation. */
  check(commandName: string, appName: string | undefined): FailAction | null {
    const active = this.failCommand;
    if (!active || commandName === 'configureFailPoint') return null;
    const { data } = active;
    if (!(data.failCommands as unknown[]).includes(commandName)) return null;
    if (typeof data.appName === 'string' && data.appName !== appName) return null;
    if (active.skip > 0) {
      active.skip -= 1;
      return null;
    }
    active.remaining -= 1;
    if (active.remaining <= 0) this.failCommand = null;
    this.timesEntered += 1;
    const action: FailAction = {
      closeConnection: data.closeConnection === true,
      blockMs: data.blockConnection === true && typeof data.blockTimeMS === 'number' ? data.blockTimeMS : 0,
    };
    if (typeof data.errorCode === 'number') {
      action.error = { ok: 0, errmsg: "Failing command via 'failCommand' failpoint", code: data.errorCode, codeName: codeNameOf(data.errorCode) };
      if (Array.isArray(data.errorLabels)) action.error.errorLabels = data.errorLabels;
    }
    if (isDoc(data.writeConcernError)) action.writeConcernError = data.writeConcernError;
    return action;
  }
}

function isDoc(value: unknown): value is Document {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
