export * from './alb-controller';
export * from './external-dns';
export * from './metrics-server';
export * from './nag';
export * from './placement';
