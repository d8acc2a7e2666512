import { AppLogger } from './app-logger';

describe('AppLogger', () => {
  const written = (level: 'log' | 'debug', context: string) => {
    const out: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    try {
      new AppLogger(level).log('hello', context);
    } finally {
      spy.mockRestore();
    }
    return out.join('');
  };

  it("hides Nest's start-up narration unless LOG_LEVEL=debug", () => {
    expect(written('log', 'RouterExplorer')).toBe('');
    expect(written('log', 'InstanceLoader')).toBe('');
    expect(written('debug', 'RouterExplorer')).toContain('hello');
  });

  it('keeps our own log lines', () => {
    expect(written('log', 'StreamCat')).toContain('hello');
  });
});
