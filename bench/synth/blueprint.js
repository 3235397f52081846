/**
 * The comparison app of bench/synth/run.sh: a cdk-eks-blueprints blueprint of the same shape as the
 * project's prod stage (a new VPC over three zones with a NAT gateway each, an EKS cluster with secret
 * encryption, Karpenter with a NodePool and an EC2NodeClass, the AWS Load Balancer Controller,
 * metrics-server). run.sh copies this file into the blueprints install (its own node_modules) and
 * synthesizes it there with the project's CDK CLI; it is not part of the project's build. Plain
 * JavaScript, so no TypeScript loader's cost is counted against blueprints.
 */
const { App } = require('aws-cdk-lib');
const eks = require('aws-cdk-lib/aws-eks');
const blueprints = require('@aws-quickstart/eks-blueprints');

const account = '333333333333';
const region = 'eu-west-1';
const zones = ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'];
const clusterName = 'bench-blueprint';

// The zones as context, so synth looks nothing up in AWS (the project's stage files name their zones too).
const app = new App({ context: { [`availability-zones:account=${account}:region=${region}`]: zones } });

const discovery = { 'karpenter.sh/discovery': clusterName };
blueprints.EksBlueprint.builder()
  .account(account)
  .region(region)
  .version(eks.KubernetesVersion.V1_35)
  .resourceProvider(
    blueprints.GlobalResources.Vpc,
    new blueprints.VpcProvider(undefined, { primaryCidr: '10.30.0.0/16' }),
  )
  .useDefaultSecretEncryption(true)
  .addOns(
    new blueprints.addons.AwsLoadBalancerControllerAddOn(),
    new blueprints.addons.MetricsServerAddOn(),
    new blueprints.addons.KarpenterV1AddOn({
      interruptionHandling: true,
      nodePoolSpec: {
        requirements: [
          { key: 'karpenter.k8s.aws/instance-category', operator: 'In', values: ['c', 'm', 'r'] },
          { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
        ],
        limits: { cpu: 256, memory: '1024Gi' },
      },
      ec2NodeClassSpec: {
        amiSelectorTerms: [{ alias: 'al2023@latest' }],
        subnetSelectorTerms: [{ tags: discovery }],
        securityGroupSelectorTerms: [{ tags: discovery }],
      },
    }),
  )
  .build(app, clusterName);
