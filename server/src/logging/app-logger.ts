import { ConsoleLogger, LogLevel } from '@nestjs/common';

export type AppLogLevel = 'error' | 'warn' | 'log' | 'debug';

export const LOG_LEVELS: Record<AppLogLevel, LogLevel[]> = {
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  log: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug'],
};

/**
 * Nest's own start-up narration (every module, route and gateway subscription: ~120 lines)
 * tells an operator nothing they need, so it is shown only at LOG_LEVEL=debug.
 */
const BOOT_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'WebSocketsController',
  'NestApplication',
]);

export class AppLogger extends ConsoleLogger {
  constructor(level: AppLogLevel) {
    super({ logLevels: LOG_LEVELS[level] });
  }

  override log(message: unknown, ...rest: unknown[]): void {
    const context = rest[rest.length - 1];
    if (typeof context === 'string' && BOOT_CONTEXTS.has(context)) super.debug(message, ...rest);
    else super.log(message, ...rest);
  }
}
