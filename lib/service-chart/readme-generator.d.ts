/** The one entry point of `@bitnami/readme-generator-for-helm` (the package ships no types). */
declare module '@bitnami/readme-generator-for-helm' {
  /** Rewrites the `## Parameters` section of `readme` from the `## @param` lines of `values`. */
  export function runReadmeGenerator(options: { values: string; readme: string }): void;
}
