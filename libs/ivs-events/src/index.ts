export * from './ivs-events.schema';
export * from './ivs-events.parser';
export * from './ivs-events.builders';
export * from './ivs-events.ordering';
