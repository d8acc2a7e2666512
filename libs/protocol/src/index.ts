export * from './errors';
export * from './rest';
export * from './usernames';
export * from './socket';
export * from './socket-commands';
