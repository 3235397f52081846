import type { Metrics } from '../../../libraries/metrics';
import type { CounterStore } from '../data-access/counter-store';

export function counterService(store: CounterStore, metrics: Metrics) {
  return {
    read: async (): Promise<number> => store.read(),
    increment: async (): Promise<number> => {
      const value = await store.increment();
      metrics.counterIncrements.inc();
      return value;
    },
  };
}

export type CounterService = ReturnType<typeof counterService>;
