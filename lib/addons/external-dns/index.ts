import { Stack } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';

import { acknowledge, wildcardFinding } from '../../compliance/nag';
import { HelmAddonProps, addonOptions, addonRelease, helmAddonValues } from '../helm-addon';

export const DEFAULTS = {
  repository: 'https://kubernetes-sigs.github.io/external-dns/',
  namespace: 'kube-system',
  release: 'external-dns',
  serviceAccountName: 'external-dns',
  identityType: eks.IdentityType.IRSA,
  /**
   * `sync` also deletes the records whose Ingress is gone, so `cdk destroy` leaves no stale records; the
   * TXT registry (owner id) limits deletions to records this cluster created, in this zone only.
   */
  policy: 'sync' as 'sync' | 'upsert-only',
};

export interface ExternalDnsProps extends HelmAddonProps {
  /** external-dns chart version. */
  readonly chartVersion: string;
  /** The only zone it may change. */
  readonly hostedZone: route53.IHostedZone;
  /** Value of the TXT ownership records, unique per cluster. */
  readonly txtOwnerId: string;
  /** @default DEFAULTS.identityType (IRSA) */
  readonly identityType?: eks.IdentityType;
  /**
   * `sync` (create, update, delete owned records) or `upsert-only` (never delete).
   * @default DEFAULTS.policy (sync)
   */
  readonly policy?: 'sync' | 'upsert-only';
  /** @default DEFAULTS.namespace (kube-system) */
  readonly namespace?: string;
}

/**
 * external-dns for the AWS provider, limited to one hosted zone twice: by its flags (`--domain-filter`,
 * `--zone-id-filter`) and by IAM (record changes only on that zone's ARN).
 */
export class ExternalDns extends Construct {
  readonly role: iam.IRole;
  readonly chart: eks.HelmChart;

  constructor(scope: Construct, id: string, props: ExternalDnsProps) {
    super(scope, id);
    const options = addonOptions(DEFAULTS, props);
    const { cluster, hostedZone, namespace } = options;

    const serviceAccount = new eks.ServiceAccount(this, 'ServiceAccount', {
      cluster,
      name: options.serviceAccountName,
      namespace,
      identityType: options.identityType,
    });
    serviceAccount.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ChangeRecordsOfTheStageZone',
        actions: ['route53:ChangeResourceRecordSets', 'route53:ListResourceRecordSets'],
        resources: [hostedZone.hostedZoneArn],
      }),
    );
    serviceAccount.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'FindZones',
        // Listing zones has no resource-level permission; external-dns then filters by zone id.
        actions: ['route53:ListHostedZones'],
        resources: ['*'],
      }),
    );
    this.role = serviceAccount.role;
    acknowledge(
      serviceAccount,
      'route53:ListHostedZones supports no resource-level permission; record changes are limited to the ' +
        "stage's zone ARN.",
      wildcardFinding('*'),
    );

    this.chart = addonRelease(this, 'Chart', options, {
      chart: 'external-dns',
      repository: options.repository,
      version: options.chartVersion,
      release: options.release,
      namespace,
      values: helmAddonValues(
        {
          provider: { name: 'aws' },
          env: [{ name: 'AWS_DEFAULT_REGION', value: Stack.of(this).region }],
          serviceAccount: { create: false, name: serviceAccount.serviceAccountName },
          sources: ['service', 'ingress'],
          domainFilters: [hostedZone.zoneName],
          policy: options.policy,
          registry: 'txt',
          txtOwnerId: options.txtOwnerId,
          // Sync on Ingress and Service events, not only every interval: a deleted Ingress loses its
          // records within seconds, well before `cdk destroy` reaches external-dns itself.
          triggerLoopOnEvent: true,
          extraArgs: [`--zone-id-filter=${hostedZone.hostedZoneId}`],
        },
        options,
      ),
    });
    this.chart.node.addDependency(serviceAccount);
  }
}
