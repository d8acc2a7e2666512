import { PipeTransform } from '@nestjs/common';
import { z } from 'zod';
import { AppError } from './app-error';

/** Nest pipe: parse a body / query with a protocol schema, or answer 400 naming each bad field. */
export class ZodPipe<T extends z.ZodType> implements PipeTransform<unknown, z.infer<T>> {
  constructor(private readonly schema: T) {}

  transform(value: unknown): z.infer<T> {
    return parseOrThrow(this.schema, value);
  }
}

export function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const details = result.error.issues.slice(0, 20).map((i) => ({
    path: i.path.length ? i.path.join('.') : '(body)',
    message: i.message,
  }));
  const first = details[0];
  throw new AppError('request/invalid', `${first.path === '(body)' ? 'Request body' : first.path}: ${first.message}`, details);
}
