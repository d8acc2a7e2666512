export * from './layouts.geometry';
export * from './layouts.validation';
