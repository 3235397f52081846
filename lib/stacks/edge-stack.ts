import { CfnOutput } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';

import { webAclName } from '../config/naming';
import { StageStack, StageStackProps } from './stage-stack';
import { WebAcl } from '../constructs/web-acl';
import { retentionDays } from './network-stack';

export type EdgeStackProps = StageStackProps;

/**
 * The stage's public name: the existing Route 53 hosted zone (imported, never created: it is the DNS
 * prerequisite of a deployment) and the ACM certificate of the service's host name, validated by DNS
 * records CloudFormation writes into that zone. The ALB's Ingress uses the certificate; external-dns
 * writes the host's alias record into the same zone. With `waf.enabled`, the WAFv2 web ACL of the ALB
 * (see WebAcl), which the service's Ingress names so that the ALB controller associates it.
 */
export class EdgeStack extends StageStack {
  readonly hostedZone: route53.IHostedZone;
  readonly certificate: acm.Certificate;
  /** The ALB's web ACL; absent when the stage turns the WAF off. */
  readonly webAcl?: WebAcl;

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
    const { waf } = this.config;
    if (waf.enabled) {
      this.webAcl = new WebAcl(this, 'WebAcl', {
        name: webAclName(this.config),
        settings: { ...waf, logRetentionDays: retentionDays(waf.logRetentionDays) },
      });
      new CfnOutput(this, 'WebAclArn', { value: this.webAcl.webAclArn });
    }
    new CfnOutput(this, 'CertificateArn', { value: this.certificate.certificateArn });
    new CfnOutput(this, 'ServiceUrl', { value: `https://${dns.domainName}/` });
  }
}
