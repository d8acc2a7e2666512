import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiParam, ApiQuery, ApiResponse } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { z } from 'zod';

/** The protocol's zod schemas are the single source; OpenAPI is derived from them. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): SchemaObject {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest as SchemaObject;
}

const ErrorSchema: SchemaObject = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        details: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
      },
      required: ['code', 'message'],
    },
  },
};

export const ApiJsonBody = (schema: z.ZodType) => ApiBody({ schema: jsonSchema(schema, 'input') });

export const ApiJsonResponse = (status: number, schema: z.ZodType, description = 'OK') =>
  ApiResponse({ status, description, schema: jsonSchema(schema, 'output') });

export const ApiErrors = (...statuses: number[]) =>
  applyDecorators(...statuses.map((status) => ApiResponse({ status, description: 'Error', schema: ErrorSchema })));

/**
 * Documents each parameter of a query schema (name, whether required, its JSON Schema with
 * bounds and pattern), from the same zod object the pipe validates with.
 */
export const ApiQueryOf = (schema: z.ZodObject) =>
  applyDecorators(
    ...Object.entries(schema.shape).map(([name, field]) => {
      // What an absent parameter means: not required, and its default when it has one.
      const absent = (field as z.ZodType).safeParse(undefined);
      const fallback = absent.success && absent.data !== undefined ? { default: absent.data as unknown } : {};
      return ApiQuery({ name, required: !absent.success, schema: { ...jsonSchema(field as z.ZodType, 'input'), ...fallback } });
    }),
  );

/** Documents a path parameter with its schema (pattern, bounds). */
export const ApiParamOf = (name: string, schema: z.ZodType) => ApiParam({ name, required: true, schema: jsonSchema(schema, 'input') });
