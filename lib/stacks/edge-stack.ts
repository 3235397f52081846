import { CfnOutput } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';

import { StageStack, StageStackProps } from '../constructs/stage-stack';

export type EdgeStackProps = StageStackProps;

/**
 * The stage's public name: the existing Route 53 hosted zone (imported, never created: it is the DNS
 * prerequisite of a deployment) and the ACM certificate of the service's host name, validated by DNS
 * records CloudFormation writes into that zone. The ALB's Ingress uses the certificate; external-dns
 * writes the host's alias record into the same zone.
 */
export class EdgeStack extends StageStack {
  readonly hostedZone: route53.IHostedZone;
  readonly certificate: acm.Certificate;

  constructor(scope: Construct, id: string, props: EdgeStackProps) {
    super(scope, id, 'edge', props);
    const { dns } = this.config;

    this.hostedZone = route53.HostedZone.fromHostedZoneAttributes(this, 'HostedZone', {
      hostedZoneId: dns.hostedZoneId,
      zoneName: dns.hostedZoneName,
    });
    this.certificate = new acm.Certificate(this, 'Certificate', {
      domainName: dns.domainName,
      validation: acm.CertificateValidation.fromDns(this.hostedZone),
      keyAlgorithm: acm.KeyAlgorithm.RSA_2048,
    });
    new CfnOutput(this, 'CertificateArn', { value: this.certificate.certificateArn });
    new CfnOutput(this, 'ServiceUrl', { value: `https://${dns.domainName}/` });
  }
}
