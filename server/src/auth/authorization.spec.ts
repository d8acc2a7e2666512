import { ALL_COMMANDS } from '@streamcat/protocol';
import { AUTHORIZATION, isAllowed, ROLES } from './authorization';

describe('authorization table', () => {
  it('has a row for every socket command, and no row for a command that does not exist', () => {
    const commands = ALL_COMMANDS.map((c) => c.name).sort();
    expect(Object.keys(AUTHORIZATION).sort()).toEqual(commands);
  });

  it('refuses unknown commands for every role', () => {
    for (const role of ROLES) expect(isAllowed('studio:unknown', role)).toBe(false);
  });

  it('finds no row for names an object inherits', () => {
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty'])
      for (const role of ROLES) expect(isAllowed(name, role)).toBe(false);
  });
});
