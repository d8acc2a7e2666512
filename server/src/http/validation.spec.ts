import { PageQuery, ResourceName } from '@streamcat/protocol';
import { AppError } from './app-error';
import { ZodPipe } from './validation';

function refusal(run: () => unknown): { message: string; details: unknown } {
  try {
    run();
  } catch (e) {
    if (e instanceof AppError) return { message: e.message, details: e.details };
    throw e;
  }
  throw new Error('no refusal');
}

describe('ZodPipe on query strings and path parameters', () => {
  const query = new ZodPipe(PageQuery);
  const asQuery = (value: unknown) => query.transform(value, { type: 'query' });

  it('parses a good query', () => {
    expect(asQuery({ limit: '3' })).toEqual({ limit: 3 });
  });

  it('names a repeated parameter', () => {
    expect(refusal(() => asQuery({ limit: ['1', '2'] })).message).toBe('limit: must be given once');
  });

  it('names an unknown parameter, cut to a readable length', () => {
    expect(refusal(() => asQuery({ curser: 'x' })).message).toBe('curser: is not a parameter of this request');
    expect(refusal(() => asQuery({ ['k'.repeat(5000)]: 'x' })).message).toBe(`${'k'.repeat(64)}…: is not a parameter of this request`);
  });

  it('names a bad value', () => {
    expect(refusal(() => asQuery({ limit: '-1' })).message).toBe('limit: must be a whole number from 1 to 100');
    expect(refusal(() => asQuery({ cursor: "';--" })).message).toMatch(/^cursor: is not a cursor this server issued/);
    expect(refusal(() => asQuery({ cursor: 'x'.repeat(10_240) })).message).toBe('cursor: is too long to be a cursor');
  });

  it('names a path parameter', () => {
    const name = new ZodPipe(ResourceName);
    expect(name.transform('ok_name', { type: 'param', data: 'name' })).toBe('ok_name');
    expect(refusal(() => name.transform('x'.repeat(10_240), { type: 'param', data: 'name' })).message).toBe('name: is not a valid name');
  });

  it('still names body fields as before', () => {
    expect(refusal(() => new ZodPipe(PageQuery).transform({ limit: 5 }, { type: 'body' })).message).toMatch(/^limit: /);
  });
});
