/**
 * Whether this process traces, from the standard OpenTelemetry environment variables only:
 *
 * - `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none`: off.
 * - `OTEL_TRACES_EXPORTER=otlp` and/or `console`: on, with those exporters.
 * - `OTEL_TRACES_EXPORTER` unset: on (OTLP) when `OTEL_EXPORTER_OTLP_ENDPOINT` or
 *   `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set, off otherwise.
 *
 * OTLP goes over HTTP: `http/protobuf` (the default) or `http/json`, from
 * `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL` or `OTEL_EXPORTER_OTLP_PROTOCOL`. Unknown values are
 * reported in `warnings` and ignored, as the OpenTelemetry specification asks.
 */
export type TraceExporterName = 'otlp' | 'console';
export type OtlpProtocol = 'http/protobuf' | 'http/json';

export interface TracingSettings {
  readonly enabled: boolean;
  readonly exporters: readonly TraceExporterName[];
  readonly protocol: OtlpProtocol;
  readonly warnings: readonly string[];
}

const EXPORTERS: readonly string[] = ['otlp', 'console'];
const PROTOCOLS: readonly string[] = ['http/protobuf', 'http/json'];

const present = (value: string | undefined): boolean => (value ?? '').trim() !== '';

export function tracingSettings(env: NodeJS.ProcessEnv): TracingSettings {
  const warnings: string[] = [];
  const requested = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
  for (const name of requested) {
    if (name !== 'none' && !EXPORTERS.includes(name)) {
      warnings.push(
        `OTEL_TRACES_EXPORTER: unsupported exporter "${name}" ignored (use otlp, console or none)`,
      );
    }
  }
  const protocolSetting = (
    env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ??
    env.OTEL_EXPORTER_OTLP_PROTOCOL ??
    ''
  ).trim();
  let protocol: OtlpProtocol = 'http/protobuf';
  if (PROTOCOLS.includes(protocolSetting)) protocol = protocolSetting as OtlpProtocol;
  else if (protocolSetting !== '') {
    warnings.push(`OTLP protocol "${protocolSetting}" is not supported here; using http/protobuf`);
  }

  const disabled =
    (env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true' || requested.includes('none');
  const exporters: TraceExporterName[] =
    requested.length > 0
      ? [...new Set(requested.filter((name): name is TraceExporterName => EXPORTERS.includes(name)))]
      : present(env.OTEL_EXPORTER_OTLP_ENDPOINT) || present(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)
        ? ['otlp']
        : [];
  const enabled = !disabled && exporters.length > 0;
  return { enabled, exporters: enabled ? exporters : [], protocol, warnings };
}
