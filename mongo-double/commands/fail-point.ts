// configureFailPoint: an admin command, as on a mongod with test commands enabled.
import { CommandError } from '../errors.js';
import type { CommandHandler } from '../state.js';

const configureFailPoint: CommandHandler = (command, { db, state }) => {
  if (db !== 'admin') throw new CommandError('IllegalOperation', 'configureFailPoint may only be run against the admin database.');
  return state.failPoints.configure(command);
};

/** Fail point commands by name. */
export const failPointCommands: Record<string, CommandHandler> = { configureFailPoint };
