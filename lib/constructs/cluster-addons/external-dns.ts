import { Stack } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';

import { acknowledge, wildcardFinding } from './nag';
import { ANYWHERE, ReleaseOptions, helmTimeout, placementValues } from './placement';

export const EXTERNAL_DNS_CHART_REPOSITORY = 'https://kubernetes-sigs.github.io/external-dns/';
export const DEFAULT_EXTERNAL_DNS_NAMESPACE = 'kube-system';
export const EXTERNAL_DNS_SERVICE_ACCOUNT = 'external-dns';
/**
 * `sync` also deletes the records whose Ingress is gone, so `cdk destroy` leaves no stale records; the
 * TXT registry (owner id) limits deletions to records this cluster created, in this zone only.
 */
export const DEFAULT_EXTERNAL_DNS_POLICY = 'sync';

export interface ExternalDnsProps extends ReleaseOptions {
  readonly cluster: eks.Cluster;
  /** external-dns chart version. */
  readonly chartVersion: string;
  /** The only zone it may change. */
  readonly hostedZone: route53.IHostedZone;
  /** Value of the TXT ownership records, unique per cluster. */
  readonly txtOwnerId: string;
  /**
   * @default eks.IdentityType.IRSA
   */
  readonly identityType?: eks.IdentityType;
  /**
   * `sync` (create, update, delete owned records) or `upsert-only` (never delete).
   * @default DEFAULT_EXTERNAL_DNS_POLICY (sync)
   */
  readonly policy?: 'sync' | 'upsert-only';
  /**
   * @default DEFAULT_EXTERNAL_DNS_NAMESPACE (kube-system)
   */
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
    const { cluster, hostedZone } = props;
    const namespace = props.namespace ?? DEFAULT_EXTERNAL_DNS_NAMESPACE;

    const serviceAccount = new eks.ServiceAccount(this, 'ServiceAccount', {
      cluster,
      name: EXTERNAL_DNS_SERVICE_ACCOUNT,
      namespace,
      identityType: props.identityType ?? eks.IdentityType.IRSA,
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

    this.chart = new eks.HelmChart(this, 'Chart', {
      cluster,
      chart: 'external-dns',
      repository: EXTERNAL_DNS_CHART_REPOSITORY,
      version: props.chartVersion,
      release: 'external-dns',
      namespace,
      wait: true,
      timeout: helmTimeout(props),
      values: {
        provider: { name: 'aws' },
        env: [{ name: 'AWS_DEFAULT_REGION', value: Stack.of(this).region }],
        serviceAccount: { create: false, name: serviceAccount.serviceAccountName },
        sources: ['service', 'ingress'],
        domainFilters: [hostedZone.zoneName],
        policy: props.policy ?? DEFAULT_EXTERNAL_DNS_POLICY,
        registry: 'txt',
        txtOwnerId: props.txtOwnerId,
        extraArgs: [`--zone-id-filter=${hostedZone.hostedZoneId}`],
        ...placementValues(props.placement ?? ANYWHERE),
      },
    });
    this.chart.node.addDependency(serviceAccount);
  }
}
