import { parsePostmasterPid } from './running-postgres';

describe('parsePostmasterPid', () => {
  it('reads the pid and the port of a running cluster', () => {
    const text = '4242\n/data/postgres\n1763800000\n61234\n/tmp\n127.0.0.1\n  5432001  32768\nready   \n';
    expect(parsePostmasterPid(text)).toEqual({ pid: 4242, port: 61234 });
  });

  it('refuses what is not a lock file', () => {
    for (const text of ['', 'garbage', '12\n/data\n1\n', '12\n/data\n1\n99999\n', '-3\n/data\n1\n5432\n']) {
      expect(parsePostmasterPid(text)).toBeNull();
    }
  });
});
